"""Tone matching: an ADR step that EQs a dubbed line towards the guide track's
long-term spectrum, so the dub sits in the scene like the production dialogue.

`bands` measures a recording's third-octave levels (dB, relative to their mean);
analysis stores the guide's under ``measurements["guide"]["tone_db"]``. `match` filters
a line with the difference, smoothed and limited to +-MAX_DB, at the line's own loudness.
"""
from __future__ import annotations

import numpy as np

from core.audio import frame_power
from core.bands import band_bins, band_eq

CENTRES = 125.0 * 2 ** (np.arange(18) / 3)     # 125 Hz .. 6.3 kHz, third octaves
MAX_DB = 12.0
N_FFT = 1024
ACTIVE_DB = 40.0                                # frames this far under the loudest are left out


def bands(audio: np.ndarray, sr: int) -> np.ndarray:
    """Third-octave levels (dB, mean removed) of the audio's active frames."""
    x = np.asarray(audio, np.float64)
    if len(x) < N_FFT:
        raise ValueError("too little audio for a tone measurement")
    power = frame_power(x, N_FFT, N_FFT // 4)
    level = 10 * np.log10(power.sum(1) + 1e-12)
    spectrum = power[level > level.max() - ACTIVE_DB].mean(0)
    out = np.asarray([10 * np.log10(spectrum[sel].mean() + 1e-12) if sel.any() else np.nan
                      for sel in band_bins(N_FFT, sr, CENTRES)])
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
    out = band_eq(audio, sr, CENTRES, diff, len(audio) + N_FFT)
    rms_in, rms_out = np.sqrt(np.mean(np.square(audio))), np.sqrt(np.mean(np.square(out)))
    return (out * (rms_in / max(rms_out, 1e-12))).astype(np.float32)


def valid(target) -> bool:
    """A stored third-octave target of the right length."""
    return bool(target) and len(target) == len(CENTRES)


def guide_tones(project) -> dict:
    """{cue id: the guide's third-octave levels} for cues analysed with the guide track."""
    return {c.id: c.guide["tone_db"] for c in project.cues if valid(c.guide.get("tone_db"))}

