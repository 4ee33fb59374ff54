"""Rendered lines kept on disk while `dub` renders a film, so its memory stays flat.

The session hands each cue's audio over as soon as it is rendered; the export then
reads each cue when the stem block or the per-cue file needs it (core/stem.py).
"""
from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np


class SpilledAudio(Mapping):
    """cue id -> 24 kHz float32 audio, one .npy file per cue in a private temporary
    folder that is removed on close (use it as a context manager)."""

    def __init__(self, near: str | Path | None = None):
        self._dir = tempfile.TemporaryDirectory(prefix=".instructdub-lines-", dir=near)
        self._files: dict[str, Path] = {}

    def __setitem__(self, cue_id: str, audio: np.ndarray) -> None:
        path = Path(self._dir.name) / f"{len(self._files):06d}.npy"
        np.save(path, np.asarray(audio, dtype=np.float32))
        self._files[cue_id] = path

    def __getitem__(self, cue_id: str) -> np.ndarray:
        return np.load(self._files[cue_id])

    def __iter__(self):
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)

    def close(self) -> None:
        self._dir.cleanup()

    def __enter__(self) -> "SpilledAudio":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
