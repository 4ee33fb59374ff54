"""Measurements of the guide track (the original production audio) for one cue,
16 kHz mono: syllable rate (syllable nuclei: peaks of the voiced band energy),
pauses, F0 level and range, and energy. Speech spans come from core.speech.vad,
F0 from core.speech.pitch."""
from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

from core.audio import frame_power
from core.constants import ANALYSIS_SR
from core.errors import ModelMissingError
from core.speech.pitch import pitch


def band_envelope(audio: np.ndarray, hop: int = 160) -> np.ndarray:
    """Energy (dB) of the 300-2500 Hz band every 10 ms: vowels stand out there."""
    n_fft = 512
    if len(audio) < n_fft:
        return np.zeros(0)
    spec = frame_power(audio, n_fft, hop)
    freqs = np.fft.rfftfreq(n_fft, 1 / ANALYSIS_SR)
    band = spec[:, (freqs >= 300) & (freqs <= 2500)].sum(axis=1)
    env = 10 * np.log10(band + 1e-10)
    k = 5                                                   # 50 ms smoothing
    return np.convolve(np.pad(env, k, mode="edge"), np.ones(k) / k, mode="same")[k:-k]


def syllable_nuclei(audio: np.ndarray, voiced_times: np.ndarray | None = None) -> np.ndarray:
    """Times (s) of syllable nuclei: band-energy peaks at least 2 dB prominent, 0.1 s
    apart, within 35 dB of the loudest, and voiced when a voicing track is given."""
    env = band_envelope(audio)
    if len(env) == 0:
        return np.zeros(0)
    times = (np.arange(len(env)) * 160 + 256) / ANALYSIS_SR
    peaks, _ = find_peaks(env, prominence=2.0, distance=10)
    peaks = peaks[env[peaks] > env.max() - 35.0]
    t = times[peaks]
    if voiced_times is not None and len(voiced_times):
        near = np.min(np.abs(t[:, None] - voiced_times[None, :]), axis=1) if len(t) else t
        t = t[near <= 0.03]
    return t


def measure(audio: np.ndarray, segments: list[tuple[float, float]], offset: float = 0.0,
            track=None) -> dict:
    """Guide-track figures for one cue. `audio` starts at `offset` s on the video;
    `segments` are the VAD speech spans (video time) that fall in it; `track`: its
    core.speech.pitch.pitch() when the caller has it already."""
    out: dict = {"speech": [[round(s, 3), round(e, 3)] for s, e in segments]}
    if not segments or len(audio) < ANALYSIS_SR // 10:
        out["speech_found"] = False
        return out
    out["speech_found"] = True
    try:
        t_f0, f0, voiced = track if track is not None else pitch(audio)
    except ModelMissingError as e:         # pitch is optional: the rest still holds
        out["f0_unavailable"] = str(e)
        f0 = voiced = np.zeros(0)
    # no voicing filter: on the benchmark clips (music and effects under the voice) it
    # dropped real nuclei more often than it removed false ones
    nuclei = syllable_nuclei(audio) + offset
    inside = [(s, e) for s, e in segments]
    in_speech = np.array([any(s <= t <= e for s, e in inside) for t in nuclei], dtype=bool)
    nuclei = nuclei[in_speech] if len(nuclei) else nuclei
    speech_s = sum(e - s for s, e in segments)
    s0, s1 = segments[0][0], segments[-1][1]
    pauses = [[round(segments[i][1], 3), round(segments[i + 1][0], 3)] for i in range(len(segments) - 1)]
    mid = (s0 + s1) / 2

    def half(a: float, b: float) -> float:
        dur = sum(max(0.0, min(e, b) - max(s, a)) for s, e in segments)
        return float(((nuclei >= a) & (nuclei < b)).sum()) / dur if dur > 0 else 0.0

    r1, r2 = half(s0, mid), half(mid, s1)
    out.update({
        "onset": round(s0, 3), "offset": round(s1, 3), "speech_seconds": round(speech_s, 3),
        "syllables": int(len(nuclei)), "syllable_rate": round(len(nuclei) / speech_s, 2),
        "nuclei": [round(float(t), 3) for t in nuclei],
        "pauses": pauses,
        "trend": {"first": round(r1, 2), "second": round(r2, 2),
                  "ratio": round(r2 / r1, 2) if r1 > 0 else None},
    })
    fv = f0[voiced.astype(bool)] if len(f0) else f0
    if len(fv) >= 5:
        p10, p50, p90 = np.percentile(fv, [10, 50, 90])
        out["f0_median"] = round(float(p50), 1)
        out["f0_range_st"] = round(float(12 * np.log2(p90 / p10)), 1)
    speech = np.concatenate([audio[max(0, int((s - offset) * ANALYSIS_SR)):int((e - offset) * ANALYSIS_SR)]
                             for s, e in segments]).astype(np.float64)
    if len(speech) >= ANALYSIS_SR // 10:
        out["energy_db"] = round(float(10 * np.log10(np.mean(speech ** 2) + 1e-12)), 1)
        env = band_envelope(speech.astype(np.float32))
        if len(env):
            out["energy_range_db"] = round(float(np.percentile(env, 95) - np.percentile(env, 30)), 1)
    return out
