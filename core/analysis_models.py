"""What one analysis runs with: its options, and the models it uses (faces,
expression, VAD, an optional MLLM), built lazily, reused across cues and kept in a
small pool for the next analysis."""
from __future__ import annotations

import math
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

import numpy as np

from core.errors import Cancelled, UserError   # Cancelled: the job runner says "cancelled"
from core.limits import is_number

Progress = Callable[[float, str], None]
AUDIO_CACHE_SECONDS = 600.0     # a track up to this long (38 MB at 16 kHz) is read once


class AnalysisCancelled(Cancelled, UserError):
    """The user stopped the analysis; nothing was changed. (A core.session.Cancelled, so
    the editor's job runner reports it as cancelled, not failed.)"""


@dataclass
class AnalysisOptions:
    max_width: int = 640            # frames are downscaled to this width before FaceMesh
    analysis_fps: float = 30.0      # FaceMesh runs on every Nth frame, N = round(fps / this)
    expression_fps: float = 5.0     # expression model rate per face
    max_faces: int = 2
    margin: float = 0.15            # seconds read around a cue (audio and video)
    use_audio: bool = True          # use the guide track when the video has one
    mllm_dir: str | None = None     # a local transformers model directory (optional backend)
    mllm_frames: int = 8
    asr: bool = False               # word timings of the guide track (Whisper tiny.en; slower)


OPTION_RANGES = {"analysis_fps": (0.0, 1000.0, "--analysis-fps"), "expression_fps": (0.0, 1000.0, None),
                 "max_width": (0.0, 100000.0, None)}


def check_options(opts: AnalysisOptions) -> AnalysisOptions:
    """Refuse rates and sizes the analysis cannot work with, before any decoding."""
    for name, (lo, hi, flag) in OPTION_RANGES.items():
        v = getattr(opts, name)
        if not (is_number(v) and math.isfinite(v) and lo < v <= hi):
            what = name.replace("_", " ") + (f" ({flag})" if flag else "")
            raise UserError(f"the {what} must be a number above {lo:g} and at most {hi:g}, got {v}")
    if not (is_number(opts.margin) and math.isfinite(opts.margin) and opts.margin >= 0):
        raise UserError(f"the analysis margin must be 0 s or more, got {opts.margin}")
    return opts


def cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event) or hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel())


class AnalysisModels:
    """Lazily built, reused across cues."""

    def __init__(self, opts: AnalysisOptions):
        self.opts = opts
        self._faces = self._expr = self._vad = self._mllm = None
        self._audio = None          # (path, samples, rate) of a short video's whole track

    @property
    def faces(self):
        if self._faces is None:
            from core.video.face import FaceFinder
            self._faces = FaceFinder(max_faces=self.opts.max_faces)
        return self._faces

    @property
    def expression(self):
        if self._expr is None:
            from core.video.expression import ExpressionModel
            self._expr = ExpressionModel()
        return self._expr

    @property
    def vad(self):
        if self._vad is None:
            from core.speech.vad import Vad
            self._vad = Vad()
        return self._vad

    @property
    def mllm(self):
        if self._mllm is None and self.opts.mllm_dir:
            from core.video.mllm import MllmBackend
            self._mllm = MllmBackend(self.opts.mllm_dir)
        return self._mllm

    def audio_blocks(self, meta, block_seconds: float = 20.0):
        """The whole track in blocks; a short video's track is also kept for the cues."""
        from core.video.decode import AUDIO_SR, iter_audio_blocks
        keep = meta.duration <= AUDIO_CACHE_SECONDS
        kept = []
        for b in iter_audio_blocks(meta.path, block_seconds):
            if keep:
                kept.append(b)
            yield b
        if keep:
            self._audio = (meta.path, np.concatenate(kept) if kept else np.zeros(0, np.float32), AUDIO_SR)

    def audio_span(self, meta, t0: float, t1: float) -> np.ndarray:
        """Audio of [t0, t1): from the kept track, else read from the file (one seek)."""
        from core.video.decode import read_audio
        if self._audio is not None and self._audio[0] == meta.path:
            _, audio, sr = self._audio
            return audio[int(t0 * sr):int(t1 * sr)]
        return read_audio(meta.path, t0, t1 - t0)

    def close(self):
        if self._faces is not None:
            self._faces.close()
            self._faces = None


# Built models are kept for the next analysis: FaceMesh alone takes about 0.4 s of CPU
# to build, a tenth of the budget for a 3 s cue. A pool, so parallel jobs never share one.
_POOL: list[AnalysisModels] = []
_POOL_LOCK = threading.Lock()
_POOL_SIZE = 2


@contextmanager
def pooled_models(opts: AnalysisOptions):
    """Models for one analysis with these options: a pooled set when one fits, else new ones."""
    key = (opts.max_faces, opts.mllm_dir)
    with _POOL_LOCK:
        found = next((m for m in _POOL if (m.opts.max_faces, m.opts.mllm_dir) == key), None)
        if found is not None:
            _POOL.remove(found)
    models = found or AnalysisModels(opts)
    models.opts = opts
    if models._faces is not None:
        models._faces.reset()
    try:
        yield models
    finally:
        models._audio = None
        with _POOL_LOCK:
            _POOL.append(models)
            while len(_POOL) > _POOL_SIZE:
                _POOL.pop(0).close()
