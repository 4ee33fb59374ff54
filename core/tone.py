"""Tone matching: an ADR step that EQs a dubbed line towards the guide track's
long-term spectrum, so the dub sits in the scene like the production dialogue.

`bands` measures a recording's third-octave levels (dB, relative to their mean);
analysis stores the guide's under ``measurements["guide"]["tone_db"]``. `match` filters
a line with the difference, smoothed and limited to +-MAX_DB, at the line's own loudness.
"""
from __future__ import annotations

import numpy as np

CENTRES = 125.0 * 2 ** (np.arange(18) / 3)     # 125 Hz .. 6.3 kHz, third octaves
MAX_DB = 12.0
N_FFT = 1024
ACTIVE_DB = 40.0                                # frames this far under the loudest are left out


def bands(audio: np.ndarray, sr: int) -> np.ndarray:
    """Third-octave levels (dB, mean removed) of the audio's active frames."""
    x = np.asarray(audio, np.float64)
    if len(x) < N_FFT:
        raise ValueError("too little audio for a tone measurement")
    frames = np.lib.stride_tricks.sliding_window_view(x, N_FFT)[:: N_FFT // 4] * np.hanning(N_FFT)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    level = 10 * np.log10(power.sum(1) + 1e-12)
    spectrum = power[level > level.max() - ACTIVE_DB].mean(0)
    freqs = np.fft.rfftfreq(N_FFT, 1 / sr)
    out = []
    for c in CENTRES:
        sel = (freqs >= c * 2 ** (-1 / 6)) & (freqs < c * 2 ** (1 / 6))
        out.append(10 * np.log10(spectrum[sel].mean() + 1e-12) if sel.any() else np.nan)
    out = np.asarray(out)
    return out - np.nanmean(out)


def match(audio: np.ndarray, sr: int, target_db) -> np.ndarray:
    """The line EQ'd so its third-octave shape approaches `target_db`; same RMS."""
    target = np.asarray(target_db, np.float64)
    if len(target) != len(CENTRES) or len(audio) < N_FFT or not np.any(np.abs(audio) > 0):
        return audio
    diff = target - bands(audio, sr)
    ok = np.isfinite(diff)
    if ok.sum() < 3:
        return audio
    diff = np.interp(np.arange(len(diff)), np.flatnonzero(ok), diff[ok])
    diff = np.convolve(np.pad(diff, 1, mode="edge"), [0.25, 0.5, 0.25], "valid")
    diff = np.clip(diff - diff.mean(), -MAX_DB, MAX_DB)
    n = len(audio) + N_FFT
    freqs = np.fft.rfftfreq(n, 1 / sr)
    gain_db = np.interp(np.log2(np.maximum(freqs, 1.0)), np.log2(CENTRES), diff)
    out = np.fft.irfft(np.fft.rfft(audio, n) * 10 ** (gain_db / 20), n)[: len(audio)]
    rms_in, rms_out = np.sqrt(np.mean(np.square(audio))), np.sqrt(np.mean(np.square(out)))
    return (out * (rms_in / max(rms_out, 1e-12))).astype(np.float32)


def guide_tones(project) -> dict:
    """{cue id: the guide's third-octave levels} for cues analysed with the guide track."""
    out = {}
    for c in project.cues:
        t = (c.measurements.get("guide") or {}).get("tone_db")
        if t and len(t) == len(CENTRES):
            out[c.id] = t
    return out

