"""Minimal WAV writing for the engine's commands (atomic)."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import soundfile as sf

from core.fileio import atomic_write_bytes


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int,
              subtype: str = "PCM_16") -> None:
    audio = np.asarray(audio, dtype=np.float32)
    if not np.isfinite(audio).all():
        raise ValueError("audio contains NaN or infinite samples")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1, 1), sample_rate, subtype=subtype, format="WAV")
    atomic_write_bytes(path, buf.getvalue())
