"""Audio a measurement can use: any file's audio track as mono float32, and the
checks every measurement makes on its input first."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.audio import AudioError, read_media_audio
from core.constants import ANALYSIS_SR
from core.errors import UserError


class MeasurementError(UserError, ValueError):
    """This input cannot be measured (silent, too short, no speech, ...); the message says why."""


def load_audio(path: str | Path, sr: int = ANALYSIS_SR) -> np.ndarray:
    """The first audio track of `path` (wav, mp4, ...) as mono float32 at `sr` Hz."""
    path = Path(path)
    if not path.is_file():
        raise MeasurementError(f"no such audio or video file: {path}")
    try:
        audio = read_media_audio(path, sr)
    except AudioError as e:
        raise MeasurementError(str(e)) from None
    if audio.size == 0:
        raise MeasurementError(f"{path.name} has an empty audio track")
    return audio


def check_audible(audio: np.ndarray, what: str = "audio", min_seconds: float = 0.1,
                  sr: int = ANALYSIS_SR) -> np.ndarray:
    """`audio` as float32; MeasurementError for empty, too short, non-finite or silent audio."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise MeasurementError(f"{what}: expected mono audio, got shape {audio.shape}")
    if audio.size == 0 or audio.size < min_seconds * sr:
        raise MeasurementError(f"{what} is too short ({audio.size / sr:.3f} s)")
    if not np.all(np.isfinite(audio)):
        raise MeasurementError(f"{what} contains NaN or infinite samples")
    if float(np.max(np.abs(audio))) < 1e-4:
        raise MeasurementError(f"{what} is silent (peak below -80 dBFS): nothing to measure")
    return audio
