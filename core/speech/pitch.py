"""F0 tracks with swift-f0 (a 135 KB ONNX model): one value per 16 ms frame at 16 kHz.

One detector serves the analysis, cloning and evaluation: one ONNX thread and
`spin=False`, so the pool sleeps between calls instead of busy-waiting beside the
other jobs. bench/pitch_settings.py measured it against spin on: the same F0 and
confidence in every frame of 11 recordings, and the same CPU time per call."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.constants import ANALYSIS_SR
from core.errors import ModelMissingError
from core.speech.checks import check_audible

HOP_SECONDS = 256 / ANALYSIS_SR
FMIN, FMAX = 60.0, 800.0          # Hz: speech, low male to high child
VOICED_CONFIDENCE = 0.5


@lru_cache(maxsize=1)
def detector():
    try:
        from swift_f0 import SwiftF0
    except ImportError as e:
        raise ModelMissingError(f"swift-f0 is needed for pitch measurements: "
                                f"pip install swift-f0 ({e})") from None
    return SwiftF0(threads=1, spin=False)


def pitch(audio: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times s, f0 Hz, voiced mask) per 16 ms frame; empty arrays under 0.1 s of audio."""
    if len(audio) < ANALYSIS_SR // 10:
        z = np.zeros(0, np.float32)
        return z, z, z.astype(bool)
    res = detector().detect(np.asarray(audio, np.float32), ANALYSIS_SR, fmin=FMIN, fmax=FMAX)
    return (np.asarray(res.timestamps), np.asarray(res.pitch_hz),
            np.asarray(res.confidence) >= VOICED_CONFIDENCE)


def pitch_track(audio: np.ndarray) -> np.ndarray:
    """F0 in Hz per frame, 0 where unvoiced; MeasurementError for silent or short audio."""
    _, f0, voiced = pitch(check_audible(audio, "audio for pitch"))
    return np.where(voiced, f0, 0.0).astype(np.float32)
