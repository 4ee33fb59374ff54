"""The editing session: a project plus per-cue caches, with no Qt.

An edit costs only the stage it touches:
- text, instruction, entity or voice edit -> re-predict (IDD/IEC), then render;
- boundary drag, F0 or energy edit       -> render only, partially when it can.

Edits are typed operations (core.edits) applied on the UI thread with
`apply(op)`, which returns the inverse (undo); `update(cue_id)` does the work and
may run on a worker thread. Each edit bumps the cue's revision; a result for an
older revision is kept in the cache but never becomes the cue's current state,
so a newer edit always supersedes a stale job.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.alignment import Alignment
from core.cue_audio import CueSpec, alignment_key, predict_cue, render_alignment
from core.edits import PREDICT, RENDER, Edit, apply_to_cue
from core.errors import Cancelled
from core.memory import release_free_memory
from core.project import Project

__all__ = ["Cancelled", "Session", "UpdateResult", "PREDICT", "RENDER"]


@dataclass
class UpdateResult:
    cue_id: str
    alignment: Alignment
    audio: np.ndarray
    predicted: bool = False     # this update re-predicted timing and prosody
    partial: bool = False       # the audio came from a partial re-render
    cached: bool = False        # the audio came from the cache (undo, cue switch)
    seconds: float = 0.0
    current: bool = True        # False: superseded by a newer edit meanwhile
    note: str = ""


@dataclass
class CueState:
    rev: int = 0
    need: str | None = PREDICT              # PREDICT, RENDER or None (up to date)
    alignment: Alignment | None = None      # the alignment `audio` was rendered from
    audio: np.ndarray | None = None
    note: str = ""
    renders: OrderedDict = field(default_factory=OrderedDict)   # alignment key -> audio


# ---------------------------------------------------------------- the session
class Session:
    def __init__(self, project: Project, path: str | Path | None = None,
                 engine_factory: Callable | None = None, cache_size: int = 8):
        self.project = project
        self.path = Path(path) if path else None
        self._engine = None
        self._engine_factory = engine_factory
        self._lock = threading.RLock()     # bookkeeping only; the engine serialises its calls
        self._states: dict[str, CueState] = {}
        self._predicted: OrderedDict = OrderedDict()   # predict_key -> Alignment
        self.cache_size = cache_size
        from core.session_preview import Previews
        self.previews = Previews(self)            # progressive previews (update_progressive)
        for cue in project.cues:
            st = self.state(cue.id)
            if cue.alignment is not None:
                st.need = RENDER

    # ------------------------------------------------ engine
    @property
    def engine(self):
        if self._engine is None:
            if self._engine_factory is None:
                from core.synth import get_engine
                self._engine_factory = get_engine
            self._engine = self._engine_factory()
        return self._engine

    # ------------------------------------------------ state and status
    def state(self, cue_id: str) -> CueState:
        with self._lock:
            return self._states.setdefault(cue_id, CueState())

    def status(self, cue_id: str) -> str:
        """One of: new, analysed, predicted, rendered, edited, stale."""
        cue, st = self.project.cue(cue_id), self.state(cue_id)
        if st.need is None and st.audio is not None:
            return "edited" if any(cue.edited.values()) else "rendered"
        if st.audio is not None:
            return "stale"
        if cue.alignment is not None:
            return "predicted"
        if cue.rate_instruction or cue.emotion_instruction or cue.entities:
            return "analysed"
        return "new"

    def audio(self, cue_id: str) -> np.ndarray | None:
        """The current audio of a cue, or None when it must be (re-)rendered."""
        st = self.state(cue_id)
        return st.audio if st.need is None else self.previews.filling(cue_id, st)

    def needs(self, cue_id: str) -> str | None:
        return self.state(cue_id).need

    def _touch(self, cue_id: str, need: str) -> int:
        with self._lock:
            st = self.state(cue_id)
            st.rev += 1
            if need == PREDICT or st.need != PREDICT:
                st.need = need
            return st.rev

    # ------------------------------------------------ edits (UI thread)
    def apply(self, op: Edit) -> Edit:
        """Apply one edit operation; returns its inverse (apply that to undo)."""
        with self._lock:
            inverse = apply_to_cue(op, self.project.cue(op.cue_id))
            self._touch(op.cue_id, op.need)
        return inverse

    def invalidate(self, cue_id: str) -> None:
        """Forget the cue's audio so it renders again in full (Ctrl+R in the editor)."""
        with self._lock:
            st = self.state(cue_id)
            st.renders.clear()
            st.audio = st.alignment = None
            self._touch(cue_id, PREDICT if self.project.cue(cue_id).alignment is None
                        else RENDER)

    # ------------------------------------------------ work (any thread)
    def update(self, cue_id: str, progress=None, cancel=None, render=None) -> UpdateResult:
        """Bring a cue up to date: predict if needed, then render (`render(st, al, check)`
        when given: core/session_preview.py). Raises Cancelled."""
        t0 = time.perf_counter()
        progress = progress or (lambda f, m: None)
        with self._lock:
            cue, st = self.project.cue(cue_id), self.state(cue_id)
            rev, need = st.rev, st.need
            if need is None and st.audio is not None:
                return UpdateResult(cue_id, st.alignment, st.audio, cached=True)
            snap = CueSpec.of(cue)
            al = cue.alignment.copy() if cue.alignment is not None else None

        def check():   # cancelled by the caller, or superseded by a newer edit
            return bool(cancel and cancel()) or st.rev != rev
        predicted, note = False, st.note
        if need == PREDICT or al is None:
            progress(0.05, f"predicting {cue_id}")
            al, note = self._predict_cached(snap)
            predicted = True
            with self._lock:
                if check():
                    raise Cancelled(cue_id)
                # still current: the prediction becomes the cue's timing; manual timing
                # and curve edits are replaced, hand-set entity weights are kept
                by_hand = bool(cue.edited.get("entities"))
                cue.alignment, st.note = al.copy(), note
                cue.edited = {"entities": True} if by_hand else {}
                if not by_hand and al.entities:
                    cue.entities = dict(al.entities)
                st.need = RENDER
        progress(0.4, f"rendering {cue_id}")
        audio, partial, cached = (render or self._render_cached)(st, al, check)
        with self._lock:
            current = st.rev == rev
            if current:
                st.alignment, st.audio, st.need = al, audio, None
        progress(1.0, f"{cue_id} ready")
        return UpdateResult(cue_id, al, audio, predicted, partial, cached,
                            time.perf_counter() - t0, current, note)

    def render_all(self, progress=None, cancel=None, into=None) -> dict[str, np.ndarray]:
        """Bring every cue up to date; returns {cue id: 24 kHz audio}. With `into` (a
        mapping such as core.spill.SpilledAudio) each cue's audio goes there and the
        session lets go of it, so a film's lines are not all held in memory."""
        progress = progress or (lambda f, m: None)
        out, n = ({} if into is None else into), max(1, len(self.project.cues))
        for i, cue in enumerate(self.project.cues):
            if cancel and cancel():
                raise Cancelled(cue.id)
            sub = (lambda f, m, i=i: progress((i + f) / n, m))
            for attempt in range(5):      # an edit meanwhile supersedes a job: do it again
                try:
                    audio = self.update(cue.id, sub, cancel).audio
                    if self.is_preview(cue.id):        # export quality: one piece
                        audio = self.finalize(cue.id)
                    out[cue.id] = audio
                    if into is not None:
                        self.invalidate(cue.id)
                        release_free_memory()
                    break
                except Cancelled:
                    if (cancel and cancel()) or attempt == 4:
                        raise
        return out

    # ------------------------------------------------ predict
    def _predict_cached(self, snap) -> tuple[Alignment, str]:
        key = snap.key()
        with self._lock:
            hit = self._predicted.get(key)
        if hit is not None:
            return hit[0].copy(), hit[1]
        al, note = predict_cue(self.engine, snap)
        with self._lock:
            self._predicted[key] = (al.copy(), note)
            while len(self._predicted) > 4 * self.cache_size:
                self._predicted.popitem(last=False)
        return al, note

    # ------------------------------------------------ render
    def _render_cached(self, st: CueState, al: Alignment, check):
        key = alignment_key(al)
        with self._lock:
            if key in st.renders:
                st.renders.move_to_end(key)
                return st.renders[key], False, True
            prev = (st.alignment, st.audio) if st.audio is not None else None
        if check():
            raise Cancelled("render")
        audio, partial = render_alignment(self.engine, al, prev)
        with self._lock:
            st.renders[key] = audio
            while len(st.renders) > self.cache_size:
                st.renders.popitem(last=False)
        return audio, partial, False

    # ------------------------------------------------ progressive previews (core/session_preview.py)
    def update_progressive(self, cue_id: str, on_chunk=None, cancel=None, progress=None):
        """update(), but a render of most of the line comes in chunks: on_chunk(cue_id,
        chunk) as each is ready, and audio(cue_id) serves the line filled so far."""
        return self.previews.update(cue_id, on_chunk, cancel, progress)

    def finalize(self, cue_id: str):
        """Render a preview line again in one piece; returns the cue's audio."""
        return self.previews.finalize(cue_id)

    def is_preview(self, cue_id: str) -> bool:
        """The cue's audio was decoded with estimated statistics (the UI says "preview")."""
        return self.previews.is_preview(cue_id)
