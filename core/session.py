"""The editing session: a project plus per-cue caches, with no Qt.

An edit costs only the stage it touches:
- text, instruction, entity or voice edit -> re-predict (IDD/IEC), then render;
- boundary drag, F0 or energy edit       -> render only, partially when it can.

Edits happen on the UI thread (`set_*`); `update(cue_id)` does the work and
may run on a worker thread. Each edit bumps the cue's revision; a result for an
older revision is kept in the cache but never becomes the cue's current state,
so a newer edit always supersedes a stale job.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from core.alignment import Alignment, retime
from core.errors import UserError
from core.project import Project

PREDICT, RENDER = "predict", "render"


class Cancelled(Exception):
    """The job was cancelled or superseded by a newer edit."""


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


def alignment_key(al: Alignment) -> str:
    return hashlib.sha1(json.dumps(al.to_dict(), sort_keys=True).encode()).hexdigest()


def predict_key(cue) -> str:
    d = {"text": cue.text, "rate": cue.rate_instruction, "emotion": cue.emotion_instruction,
         "entities": cue.entities, "voice": cue.voice, "slot": round(cue.slot, 3)}
    return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------- alignment maths
def merge_curve(old, values, tol: float = 1e-3) -> list[float]:
    """`values` where they differ from `old` by more than `tol`, else `old` exactly, so
    an edit drawn in float32 changes only the points it really moved."""
    o = np.asarray(old, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if o.shape != v.shape:
        raise ValueError(f"the curve has {len(o)} values; got {len(v)}")
    moved = np.abs(v - o) > tol
    return [round(float(b), 5) if m else a for a, b, m in zip(old, v, moved)]


# ---------------------------------------------------------------- the session
class Session:
    def __init__(self, project: Project, path: str | Path | None = None,
                 engine_factory: Callable | None = None, cache_size: int = 8):
        self.project = project
        self.path = Path(path) if path else None
        self._engine = None
        self._engine_factory = engine_factory
        self._lock = threading.RLock()
        self._engine_lock = threading.Lock()      # one engine call at a time
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
                try:
                    from core.synth import get_engine
                except ImportError as e:
                    raise UserError(f"the synthesis engine is not available: {e}") from None
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
    def set_text(self, cue_id: str, text: str) -> None:
        self.project.cue(cue_id).text = text
        self._touch(cue_id, PREDICT)

    def set_instructions(self, cue_id: str, rate: str | None = None,
                         emotion: str | None = None) -> None:
        cue = self.project.cue(cue_id)
        if rate is not None:
            cue.rate_instruction = rate
        if emotion is not None and emotion != cue.emotion_instruction:
            cue.emotion_instruction = emotion
            if not cue.edited.get("entities"):    # analysed weights follow the instruction
                cue.entities = {}
        self._touch(cue_id, PREDICT)

    def set_entities(self, cue_id: str, entities: dict, by_hand: bool = True) -> None:
        """Entity weights; weights set by hand win over the emotion instruction."""
        cue = self.project.cue(cue_id)
        cue.entities = {k: float(v) for k, v in entities.items() if float(v) > 0}
        cue.edited = {**cue.edited, "entities": bool(by_hand and cue.entities)}
        self._touch(cue_id, PREDICT)

    def set_voice(self, cue_id: str, voice) -> None:
        self.project.cue(cue_id).voice = voice
        self._touch(cue_id, PREDICT)

    def set_timing(self, cue_id: str, start: float, end: float) -> None:
        cue = self.project.cue(cue_id)
        if end <= start:
            raise UserError("a cue's out-time must be after its in-time")
        cue.start, cue.end = float(start), float(end)
        self._touch(cue_id, PREDICT)

    def set_alignment(self, cue_id: str, al: Alignment, edited: dict | None = None) -> None:
        """Replace the alignment (manual edit or undo): render only."""
        cue = self.project.cue(cue_id)
        cue.alignment = al.copy().validate()
        if edited is not None:
            cue.edited = dict(edited)
        self._touch(cue_id, RENDER)

    def set_durations(self, cue_id: str, durations) -> Alignment:
        cue = self.project.cue(cue_id)
        al = retime(self._require_alignment(cue), durations)
        self.set_alignment(cue_id, al, {**cue.edited, "durations": True})
        return al

    def set_curve(self, cue_id: str, name: str, values) -> Alignment:
        if name not in ("f0", "energy"):
            raise ValueError(f"unknown curve {name!r}")
        cue = self.project.cue(cue_id)
        al = self._require_alignment(cue).copy()
        if name == "f0":
            values = np.maximum(np.asarray(values, dtype=np.float64), 0.0)
        setattr(al, name, merge_curve(getattr(al, name), values))
        self.set_alignment(cue_id, al, {**cue.edited, name: True})
        return al

    def invalidate(self, cue_id: str) -> None:
        """Forget the cue's audio so it renders again in full (Ctrl+R in the editor)."""
        with self._lock:
            st = self.state(cue_id)
            st.renders.clear()
            st.audio = st.alignment = None
            self._touch(cue_id, PREDICT if self.project.cue(cue_id).alignment is None
                        else RENDER)

    @staticmethod
    def _require_alignment(cue) -> Alignment:
        if cue.alignment is None:
            raise UserError(f"cue {cue.id} has no timing yet: render it first")
        return cue.alignment

    # ------------------------------------------------ work (any thread)
    def update(self, cue_id: str, progress=None, cancel=None, render=None) -> UpdateResult:
        """Bring a cue up to date: predict if needed, then render. Raises Cancelled."""
        t0 = time.perf_counter()
        progress = progress or (lambda f, m: None)
        with self._lock:
            cue, st = self.project.cue(cue_id), self.state(cue_id)
            rev, need = st.rev, st.need
            if need is None and st.audio is not None:
                return UpdateResult(cue_id, st.alignment, st.audio, cached=True)
            snap = _CueSnapshot.of(cue)

        def check():   # cancelled by the caller, or superseded by a newer edit
            return bool(cancel and cancel()) or st.rev != rev
        predicted, note = False, st.note
        al = snap.alignment
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

    def render_all(self, progress=None, cancel=None) -> dict[str, np.ndarray]:
        """Bring every cue up to date; returns {cue id: 24 kHz audio}."""
        progress = progress or (lambda f, m: None)
        out, n = {}, max(1, len(self.project.cues))
        for i, cue in enumerate(self.project.cues):
            if cancel and cancel():
                raise Cancelled(cue.id)
            sub = (lambda f, m, i=i: progress((i + f) / n, m))
            for attempt in range(5):      # an edit meanwhile supersedes a job: do it again
                try:
                    out[cue.id] = self.update(cue.id, sub, cancel).audio
                    if self.is_preview(cue.id):        # export quality: one piece
                        out[cue.id] = self.finalize(cue.id)
                    break
                except Cancelled:
                    if (cancel and cancel()) or attempt == 4:
                        raise
        return out

    # ------------------------------------------------ predict
    def _predict_cached(self, snap) -> tuple[Alignment, str]:
        key = predict_key(snap)
        with self._lock:
            hit = self._predicted.get(key)
        if hit is not None:
            return hit[0].copy(), hit[1]
        with self._engine_lock:
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
        with self._engine_lock:
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


@dataclass
class _CueSnapshot:
    """The fields a job needs, copied under the lock so the UI may edit meanwhile."""
    id: str
    text: str
    rate_instruction: str
    emotion_instruction: str
    entities: dict
    voice: object
    slot: float
    alignment: Alignment | None

    @classmethod
    def of(cls, cue):
        return cls(cue.id, cue.text, cue.rate_instruction, cue.emotion_instruction,
                   dict(cue.entities), json.loads(json.dumps(cue.voice)), cue.slot,
                   cue.alignment.copy() if cue.alignment else None)


# ---------------------------------------------------------------- engine calls
def predict_cue(eng, cue) -> tuple[Alignment, str]:
    """Timing and prosody for a cue, fitted to its slot; the note says what was used."""
    from core.instruct.pipeline import instructed_predict
    al = instructed_predict(eng, eng.phonemize(cue.text), cue.voice, cue.rate_instruction,
                            cue.emotion_instruction, cue.entities or None, cue.slot)
    return al.validate(), "; ".join(al.extra.get("notes", []))


def render_alignment(eng, al: Alignment, prev) -> tuple[np.ndarray, bool]:
    """Render `al`; with `prev` = (alignment, audio) of the same phonemes and voice,
    re-render only the frames that changed (plus the decoder's context), crossfaded."""
    if prev is not None and prev[0] is not None and hasattr(eng, "render_edit"):
        old_al, old_audio = prev
        if old_al.phonemes == al.phonemes and old_al.voice == al.voice:
            return eng.render_edit(old_al, old_audio, al), True
    return eng.render(al), False
