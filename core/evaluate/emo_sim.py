"""EMO-SIM stand-in: cosine between prosodic + spectral feature vectors.

The paper's EMO-SIM is the cosine between emotion2vec embeddings. emotion2vec ships
in no registry package, so this is NOT emotion2vec: it compares hand-made
descriptors of how the line is delivered - pitch level, range and movement,
loudness dynamics, voicing, spectral balance and timbre statistics - each
standardised with fixed constants, so a score of 1 means identical delivery
statistics and 0 means unrelated ones. Treat it as a rough proxy only.

Of the 38 descriptors only the first PROSODIC (pitch, voicing, loudness dynamics) are
about delivery; the other 30 (spectral balance, cepstra) mostly describe the voice and
the recording. So the score leans on timbre: the same speaker on another line scored
0.21 on the shared clips (docs/evaluation.md). emo_sim_metric reports the two parts'
cosines beside the score, for every system alike.
"""
from __future__ import annotations

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import MeasurementError, check_audible
from core.speech.pitch import pitch_track

STANDIN_NAME = "prosodic+spectral feature cosine (stand-in for emotion2vec EMO-SIM)"
HOP = 256                                   # 16 ms, the pitch tracker's hop
PROSODIC = 8                                # FEATURES[:8]: pitch, voicing, loudness

# (name, centre, scale): features are (x - centre) / scale. The centres and scales are
# the mean and spread over 75 recordings: the clips' original tracks, their reference
# voices and the peer systems' dubs in ../shared/clips (V2C-Animation and GRID).
FEATURES = [
    ("logf0_mean", 5.12, 0.301), ("logf0_std", 0.245, 0.119), ("logf0_range", 0.601, 0.336),
    ("logf0_slope_abs", 0.0539, 0.0313), ("voiced_frac", 0.616, 0.155), ("db_std", 9.19, 1.67),
    ("db_range", 28.7, 4.98), ("db_delta", 2.56, 0.524), ("centroid", 6.23, 0.508),
    ("centroid_std", 0.935, 0.271), ("flatness", -5.66, 1.31), ("rolloff", 7.96, 0.23),
    ("tilt", -0.00486, 0.00244), ("zcr", 0.117, 0.0414), ("mfcc1", 2.92, 0.978),
    ("mfcc2", -0.0178, 0.814), ("mfcc3", 1.12, 0.568), ("mfcc4", -0.175, 0.615),
    ("mfcc5", 0.204, 0.272), ("mfcc6", -0.0929, 0.257), ("mfcc7", -0.069, 0.205),
    ("mfcc8", -0.21, 0.224), ("mfcc9", -0.136, 0.301), ("mfcc10", -0.149, 0.228),
    ("mfcc11", -0.122, 0.281), ("mfcc12", -0.0665, 0.214), ("mfcc1_std", 2.35, 0.825),
    ("mfcc2_std", 0.911, 0.375), ("mfcc3_std", 0.676, 0.291), ("mfcc4_std", 0.298, 0.334),
    ("mfcc5_std", -0.0514, 0.206), ("mfcc6_std", -0.166, 0.182), ("mfcc7_std", -0.218, 0.205),
    ("mfcc8_std", -0.241, 0.196), ("mfcc9_std", -0.318, 0.183), ("mfcc10_std", -0.41, 0.164),
    ("mfcc11_std", -0.384, 0.181), ("mfcc12_std", -0.457, 0.184),
]


def _stats_mfcc(spec_db: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import scipy.fft
    cep = scipy.fft.dct(spec_db, axis=0, norm="ortho")[1:13]
    return cep.mean(axis=1) / 20.0, cep.std(axis=1) / 10.0 - 1.0


def raw_features(audio: np.ndarray) -> np.ndarray:
    """Unscaled delivery descriptors of 16 kHz speech, in the order of FEATURES."""
    import librosa
    audio = check_audible(audio, "audio for EMO-SIM")
    f0 = pitch_track(audio)
    voiced = f0[f0 > 0]
    if voiced.size < 5:
        raise MeasurementError("too little voiced speech for the EMO-SIM stand-in")
    lf = np.log(voiced)
    rms = librosa.feature.rms(y=audio, frame_length=512, hop_length=HOP)[0]
    db = 20 * np.log10(rms + 1e-6)
    active = db > db.max() - 40                      # ignore the silent frames
    dba = db[active]
    S = np.abs(librosa.stft(audio, n_fft=512, hop_length=HOP))[:, : len(db)][:, active]
    freqs = librosa.fft_frequencies(sr=ANALYSIS_SR, n_fft=512)
    power = S ** 2 + 1e-10
    centroid = np.log((freqs[:, None] * power).sum(0) / power.sum(0) + 1.0)
    flat = np.mean(np.log(librosa.feature.spectral_flatness(S=S) + 1e-10))
    roll = np.log(np.mean(librosa.feature.spectral_rolloff(S=S, sr=ANALYSIS_SR)) + 1.0)
    mean_db = 10 * np.log10(power.mean(1))
    tilt = np.polyfit(freqs, mean_db, 1)[0]
    zcr = float(np.mean(librosa.feature.zero_crossing_rate(audio, frame_length=512, hop_length=HOP)))
    mf_mean, mf_std = _stats_mfcc(10 * np.log10(librosa.feature.melspectrogram(
        S=power, sr=ANALYSIS_SR, n_mels=40) + 1e-10))
    raw = [lf.mean(), lf.std(), np.percentile(lf, 90) - np.percentile(lf, 10),
           np.mean(np.abs(np.diff(lf))) if lf.size > 1 else 0.0, voiced.size / max(1, active.sum()),
           dba.std(), np.percentile(dba, 95) - np.percentile(dba, 5), np.mean(np.abs(np.diff(dba))),
           centroid.mean(), centroid.std(), flat, roll, tilt, zcr, *mf_mean, *mf_std]
    return np.asarray(raw, np.float64)


def feature_vector(audio: np.ndarray) -> np.ndarray:
    """Standardised descriptors: (raw - centre) / scale."""
    raw = raw_features(audio)
    centre = np.array([c for _, c, _ in FEATURES])
    scale = np.array([s for _, _, s in FEATURES])
    return ((raw - centre) / scale).astype(np.float32)


def emo_sim_metric(dub: np.ndarray, gt: np.ndarray) -> dict:
    """{'emo_sim': the score, 'emo_sim_prosodic' / 'emo_sim_spectral': the cosines of
    its delivery part (FEATURES[:PROSODIC]) and of its timbre part (the rest)}."""
    from core.speech.speaker import cosine
    a, b = feature_vector(dub), feature_vector(gt)
    return {"emo_sim": round(cosine(a, b), 4),
            "emo_sim_prosodic": round(cosine(a[:PROSODIC], b[:PROSODIC]), 4),
            "emo_sim_spectral": round(cosine(a[PROSODIC:], b[PROSODIC:]), 4)}
