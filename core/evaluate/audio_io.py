"""Audio for the metrics: any file's audio track (wav, mp4, ...) as mono float32 at a
chosen rate, and checks that a signal can be measured. Decoding is core.audio's."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from core.audio import AudioError, read_media_audio
from core.errors import UserError

EVAL_SR = 16000          # every metric model here runs at 16 kHz


class MetricError(UserError, ValueError):
    """A metric cannot be computed for this input; the message says why."""


def load_audio(path: str | Path, sr: int = EVAL_SR) -> np.ndarray:
    """The first audio track of `path` as mono float32 at `sr` Hz."""
    path = Path(path)
    if not path.is_file():
        raise MetricError(f"no such audio or video file: {path}")
    try:
        audio = read_media_audio(path, sr)
    except AudioError as e:
        raise MetricError(str(e)) from None
    if audio.size == 0:
        raise MetricError(f"{path.name} has an empty audio track")
    return audio


def check_audible(audio: np.ndarray, what: str = "audio", min_seconds: float = 0.1,
                  sr: int = EVAL_SR) -> np.ndarray:
    """Raise MetricError for empty, too short, non-finite or silent audio."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise MetricError(f"{what}: expected mono audio, got shape {audio.shape}")
    if audio.size < min_seconds * sr:
        raise MetricError(f"{what} is too short ({audio.size / sr:.3f} s)")
    if not np.all(np.isfinite(audio)):
        raise MetricError(f"{what} contains NaN or infinite samples")
    if float(np.max(np.abs(audio))) < 1e-4:
        raise MetricError(f"{what} is silent (peak below -80 dBFS): nothing to measure")
    return audio
