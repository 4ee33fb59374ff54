"""Typed edit operations on one cue, with no Qt.

`Session.apply(op)` applies an operation and returns its inverse, so undo is
`session.apply(inverse)` and applying that inverse returns the exact redo. Every
inverse is a `Restore` of the cue fields the operation changed, so it gives back
the project state exactly (a retime run backwards would not: it re-warps curves).

Each operation says which stage its change costs: PREDICT (text, instructions,
entities, voice, timing) or RENDER (durations and curves). Consecutive steps of
one drag merge (`a.merge(b)`) so that a drag is one undo step.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np

from core.alignment import Alignment, retime
from core.errors import UserError

PREDICT, RENDER = "predict", "render"
CURVES = ("f0", "energy")
INSTRUCTIONS = {"rate": "rate_instruction", "emotion": "emotion_instruction"}


def merge_curve(old, values, tol: float = 1e-3) -> np.ndarray:
    """`values` where they differ from `old` by more than `tol`, else `old` exactly, so
    an edit drawn in float32 changes only the points it really moved."""
    o = np.asarray(old, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if o.shape != v.shape:
        raise UserError(f"the curve has {len(o)} values; got {len(v)}")
    return np.where(np.abs(v - o) > tol, np.round(v, 5), o)


@dataclass(frozen=True)
class Edit:
    """One change to one cue. `change(cue)` mutates the cue and returns the names of
    the fields it may have changed (saved beforehand for the inverse)."""
    cue_id: str
    need = PREDICT                        # the stage the change costs
    fields = ()                           # the cue fields it may change

    def change(self, cue) -> None:
        raise NotImplementedError

    def merge(self, other: "Edit") -> "Edit | None":
        """One operation doing both (self, then other), or None when they stay apart."""
        return None


@dataclass(frozen=True)
class SetText(Edit):
    text: str = ""
    fields = ("text",)

    def change(self, cue) -> None:
        cue.text = self.text


@dataclass(frozen=True)
class SetInstruction(Edit):
    """The speaking-rate or the emotion instruction. A new emotion instruction drops
    analysed entity weights (they followed the old one); hand-set weights stay."""
    which: str = "rate"                   # "rate" or "emotion"
    value: str = ""
    fields = ("rate_instruction", "emotion_instruction", "entities")

    def change(self, cue) -> None:
        name = INSTRUCTIONS.get(self.which)
        if name is None:
            raise UserError(f"unknown instruction {self.which!r}; use rate or emotion")
        if getattr(cue, name) == self.value:
            return
        setattr(cue, name, self.value)
        if self.which == "emotion" and not cue.edited.get("entities"):
            cue.entities = {}


@dataclass(frozen=True)
class SetEntities(Edit):
    """Emotion entity weights; weights set by hand win over the emotion instruction.
    `name` is the weight being dragged: steps on one weight merge."""
    entities: dict = field(default_factory=dict)
    by_hand: bool = True
    name: str = ""
    fields = ("entities", "edited")

    def change(self, cue) -> None:
        cue.entities = {k: float(v) for k, v in self.entities.items() if float(v) > 0}
        cue.edited = {**cue.edited, "entities": bool(self.by_hand and cue.entities)}

    def merge(self, other):
        same = type(other) is SetEntities and other.cue_id == self.cue_id
        return other if same and self.name and other.name == self.name else None


@dataclass(frozen=True)
class SetVoice(Edit):
    voice: object = None
    fields = ("voice",)

    def change(self, cue) -> None:
        cue.voice = copy.deepcopy(self.voice)


@dataclass(frozen=True)
class SetTiming(Edit):
    """The cue's in and out times on the video; the line is refitted to its slot."""
    start: float = 0.0
    end: float = 0.0
    fields = ("start", "end")

    def change(self, cue) -> None:
        if not self.end > self.start:
            raise UserError("a cue's out-time must be after its in-time")
        cue.start, cue.end = float(self.start), float(self.end)


def _alignment_of(cue) -> Alignment:
    if cue.alignment is None:
        raise UserError(f"cue {cue.id} has no timing yet: render it first")
    return cue.alignment


@dataclass(frozen=True)
class Retime(Edit):
    """New phoneme durations; F0 and energy are stretched phoneme by phoneme."""
    durations: tuple = ()
    drag: int | None = None               # steps of one drag share an id and merge
    need = RENDER
    fields = ("alignment", "edited")

    def change(self, cue) -> None:
        cue.alignment = retime(_alignment_of(cue), list(self.durations))
        cue.edited = {**cue.edited, "durations": True}

    def merge(self, other):
        same = type(other) is Retime and other.cue_id == self.cue_id
        return other if same and self.drag is not None and other.drag == self.drag else None


@dataclass(frozen=True)
class DrawCurve(Edit):
    """F0 or energy drawn by hand; points within 1e-3 of the old curve keep it exactly."""
    name: str = "f0"
    values: tuple = ()
    drag: int | None = None
    need = RENDER
    fields = ("alignment", "edited")

    def change(self, cue) -> None:
        if self.name not in CURVES:
            raise UserError(f"unknown curve {self.name!r}; use f0 or energy")
        al = _alignment_of(cue).copy()
        values = np.asarray(self.values, dtype=np.float64)
        if self.name == "f0":
            values = np.maximum(values, 0.0)
        setattr(al, self.name, merge_curve(getattr(al, self.name), values))
        cue.alignment = al.validate()
        cue.edited = {**cue.edited, self.name: True}

    def merge(self, other):
        same = (type(other) is DrawCurve and other.cue_id == self.cue_id
                and other.name == self.name)
        return other if same and self.drag is not None and other.drag == self.drag else None


@dataclass(frozen=True)
class Restore(Edit):
    """Cue fields set back to saved values: the inverse of every operation."""
    values: tuple = ()                    # ((field, value), ...), values deep-copied
    restore_need: str = PREDICT

    @property
    def need(self):                       # noqa: D401 - the stage the saved values cost
        return self.restore_need

    @property
    def fields(self):
        return tuple(name for name, _ in self.values)

    def change(self, cue) -> None:
        for name, value in self.values:
            setattr(cue, name, _copy(value))


def _copy(value):
    return value.copy() if isinstance(value, Alignment) else copy.deepcopy(value)


def apply_to_cue(op: Edit, cue) -> Restore:
    """Apply `op` to `cue`; the Restore that undoes it exactly."""
    saved = tuple((name, _copy(getattr(cue, name))) for name in op.fields)
    op.change(cue)
    return Restore(op.cue_id, values=saved, restore_need=op.need)
