"""Pitch tracks with swift-f0 (135 KB ONNX): 16 ms frames at 16 kHz."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from core.evaluate.audio_io import EVAL_SR, check_audible

PITCH_HOP_SECONDS = 256 / EVAL_SR


@lru_cache(maxsize=1)
def _detector():
    try:
        from swift_f0 import SwiftF0
    except ImportError:
        from core.errors import ModelMissingError
        raise ModelMissingError("swift-f0 is not installed: pip install swift-f0") from None
    return SwiftF0(threads=1, spin=False)


def pitch_track(audio: np.ndarray, fmin: float = 60.0, fmax: float = 800.0) -> np.ndarray:
    """F0 in Hz per 16 ms frame, 0 where unvoiced (confidence < 0.5)."""
    check_audible(audio, "audio for pitch")
    res = _detector().detect(np.asarray(audio, np.float32), EVAL_SR, fmin=fmin, fmax=fmax)
    return np.where(res.confidence >= 0.5, res.pitch_hz, 0.0).astype(np.float32)
