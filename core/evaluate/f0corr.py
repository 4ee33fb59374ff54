"""F0 correlation between the dub and the ground truth after time alignment.

Pitch from swift-f0; the two recordings are aligned frame by frame with DTW on
MFCCs (librosa), and the Pearson correlation of log-F0 is taken over the aligned
pairs where both are voiced.
"""
from __future__ import annotations

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import MeasurementError
from core.speech.pitch import HOP_SECONDS, pitch_track

MIN_PAIRS = 10


def _mfcc(audio: np.ndarray) -> np.ndarray:
    import librosa
    hop = int(round(HOP_SECONDS * ANALYSIS_SR))
    m = librosa.feature.mfcc(y=audio, sr=ANALYSIS_SR, n_mfcc=13, n_fft=1024, hop_length=hop, center=False)
    return (m - m.mean(axis=1, keepdims=True)) / (m.std(axis=1, keepdims=True) + 1e-6)


def dtw_path(gt: np.ndarray, dub: np.ndarray) -> np.ndarray:
    """(pairs, 2) frame indices (gt, dub) along the DTW path, start to end."""
    import librosa
    _, wp = librosa.sequence.dtw(X=_mfcc(gt), Y=_mfcc(dub), metric="euclidean")
    return wp[::-1]


def f0_correlation(gt: np.ndarray, dub: np.ndarray) -> dict:
    f_gt, f_dub = pitch_track(gt), pitch_track(dub)
    path = dtw_path(gt, dub)
    i = np.minimum(path[:, 0], len(f_gt) - 1)
    j = np.minimum(path[:, 1], len(f_dub) - 1)
    a, b = f_gt[i], f_dub[j]
    voiced = (a > 0) & (b > 0)
    if voiced.sum() < MIN_PAIRS:
        raise MeasurementError(f"only {int(voiced.sum())} aligned frames are voiced in both; "
                          f"{MIN_PAIRS} needed for an F0 correlation")
    la, lb = np.log(a[voiced]), np.log(b[voiced])
    if la.std() < 1e-6 or lb.std() < 1e-6:
        raise MeasurementError("F0 is constant in one of the recordings: correlation undefined")
    return {"f0_corr": round(float(np.corrcoef(la, lb)[0, 1]), 4), "voiced_pairs": int(voiced.sum())}
