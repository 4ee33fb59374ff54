"""The worker side: a project shipped once, one engine, cues in, outcomes out.

The same code runs in this process, in local worker processes and in Ray actors.
A cue is rendered exactly as the editor and the sequential `dub` render it: a
`Session` over that cue, `update(cue_id)`.
"""
from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass

import numpy as np

from core.memory import release_free_memory
from core.project import Project

DEFAULT_THREADS = 1


@dataclass
class Rendered:
    cue_id: str
    audio: np.ndarray           # 24 kHz float32
    cue: dict                   # the cue after the update (timing, entities), for --save
    note: str = ""
    seconds: float = 0.0
    where: str = ""             # "cpu x1 @host" - device and threads that rendered it
    cpu: float = 0.0            # CPU seconds the worker process spent on it (all threads)


@dataclass
class Failed:
    cue_id: str
    reason: str


def threads_default() -> int:
    """Torch threads per worker: INSTRUCTDUB_THREADS, else 1."""
    try:
        return max(1, int(os.environ.get("INSTRUCTDUB_THREADS", DEFAULT_THREADS)))
    except ValueError:
        return DEFAULT_THREADS


def reason_of(exc: BaseException) -> str:
    from core.errors import UserError
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, UserError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class CueWorker:
    """Holds the project and the engine; renders cues by id."""

    def __init__(self, project: Project, threads: int | None = None, device: str | None = None,
                 load: bool = True):
        import torch
        self.threads = threads or threads_default()
        torch.set_num_threads(self.threads)
        self.cues = {c.id: c for c in project.cues}
        self.video = project.video
        self.device = device
        if load:
            self.engine.model            # load the weights now, once per worker

    @property
    def engine(self):
        from core.synth import get_engine
        return get_engine(self.device)

    def where(self) -> str:
        import socket
        return f"{self.engine.device.type} x{self.threads} @{socket.gethostname()}"

    def render(self, cue_ids: list[str]) -> list:
        return [self.render_one(i) for i in cue_ids]

    def render_one(self, cue_id: str):
        from core.session import Session
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            cue = copy.deepcopy(self.cues[cue_id])
            session = Session(Project(video=self.video, cues=[cue]),
                              engine_factory=lambda: self.engine)
            res = session.update(cue_id)
            audio = np.asarray(res.audio, dtype=np.float32)
            if not np.isfinite(audio).all():
                raise ValueError("the rendered audio has NaN or infinite samples")
        except Exception as e:     # a failing cue is reported; the batch goes on
            return Failed(cue_id, reason_of(e))
        finally:
            release_free_memory()  # a long batch's memory stays flat
        return Rendered(cue_id, audio, cue.to_dict(), res.note, time.perf_counter() - t0,
                        self.where(), time.process_time() - c0)
