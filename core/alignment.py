"""The Alignment record: what `predict` produces and `render` consumes.

Units (Kokoro's): 24 kHz audio; one duration frame is 600 samples (25 ms);
F0 and energy have two values per duration frame (12.5 ms).
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.constants import (CURVE_PER_FRAME, DEFAULT_VOICE, FRAME_SAMPLES,  # noqa: F401 - re-exported
                            FRAME_SECONDS, FRAMES_PER_SECOND, SAMPLE_RATE)
from core.errors import UserError
from core.limits import check_alignment_values

_ARRAYS = {"durations": np.int64, "f0": np.float32, "energy": np.float32}


class AlignmentError(UserError, ValueError):
    """An alignment that cannot be rendered; the message says why."""


@dataclass(eq=False)
class Alignment:
    """Durations, F0 and energy are numpy arrays (int64, float32, float32) in memory;
    anything assigned to them is converted. They become lists only in `to_dict`."""
    phonemes: list[str]
    durations: np.ndarray                # frames of 25 ms, one per phoneme
    f0: np.ndarray                       # Hz at 12.5 ms, 0 = unvoiced
    energy: np.ndarray                   # backbone's N curve at 12.5 ms
    voice: str | dict = DEFAULT_VOICE    # pack name, or {"blend": {name: w}} / {"vector": [...256]}
    sample_rate: int = SAMPLE_RATE
    instructions: dict | None = None     # {"rate": str, "emotion": str}
    entities: dict | None = None         # {entity: weight}
    extra: dict = field(default_factory=dict)

    def __setattr__(self, name, value):
        dtype = _ARRAYS.get(name)
        if dtype is not None:
            try:
                value = np.asarray(value, dtype=dtype).reshape(-1)
            except (TypeError, ValueError) as e:
                raise AlignmentError(f"{name} must be a list of numbers ({e})") from None
        object.__setattr__(self, name, value)

    def __eq__(self, other):
        if not isinstance(other, Alignment):
            return NotImplemented
        return all(np.array_equal(getattr(self, k), getattr(other, k)) if k in _ARRAYS
                   else getattr(self, k) == getattr(other, k)
                   for k in self.__dataclass_fields__)

    @property
    def n_frames(self) -> int:
        return int(self.durations.sum())

    @property
    def n_samples(self) -> int:
        return self.n_frames * FRAME_SAMPLES

    @property
    def seconds(self) -> float:
        return self.n_samples / self.sample_rate

    def boundaries(self) -> list[int]:
        """Frame index where each phoneme starts, plus the end."""
        out, t = [0], 0
        for d in self.durations:
            t += int(d)
            out.append(t)
        return out

    def validate(self) -> "Alignment":
        if not self.phonemes:
            raise AlignmentError("alignment has no phonemes")
        if len(self.durations) != len(self.phonemes):
            raise AlignmentError(
                f"{len(self.phonemes)} phonemes but {len(self.durations)} durations")
        if (self.durations < 0).any():
            raise AlignmentError("durations must be whole, non-negative frame counts")
        if self.n_frames == 0:
            raise AlignmentError("all durations are zero: nothing to render")
        want = self.n_frames * CURVE_PER_FRAME
        for name in ("f0", "energy"):
            got = len(getattr(self, name))
            if got != want:
                raise AlignmentError(
                    f"{name} has {got} values; {want} expected (2 per 25 ms frame)")
        if (self.f0 < 0).any():
            raise AlignmentError("f0 must be >= 0 Hz (0 = unvoiced)")
        if self.sample_rate != SAMPLE_RATE:
            raise AlignmentError(f"sample_rate must be {SAMPLE_RATE}")
        try:
            check_alignment_values(self)      # finite curves, bounded length (core/limits.py)
        except UserError as e:
            raise AlignmentError(str(e)) from None
        return self

    def copy(self) -> "Alignment":
        """An exact deep copy (no rounding: render_edit compares values exactly)."""
        return Alignment(list(self.phonemes), self.durations.copy(), self.f0.copy(),
                         self.energy.copy(), copy.deepcopy(self.voice), self.sample_rate,
                         copy.deepcopy(self.instructions), copy.deepcopy(self.entities),
                         copy.deepcopy(self.extra))

    def to_dict(self) -> dict:
        """Plain JSON types; F0 rounded to 1 mHz, energy to 1e-5."""
        d = {k: copy.deepcopy(getattr(self, k)) for k in self.__dataclass_fields__
             if k not in _ARRAYS}
        d["phonemes"] = list(self.phonemes)
        d["durations"] = self.durations.tolist()
        d["f0"] = np.round(self.f0.astype(np.float64), 3).tolist()
        d["energy"] = np.round(self.energy.astype(np.float64), 5).tolist()
        if not d["extra"]:
            d.pop("extra")
        for k in ("instructions", "entities"):
            if d[k] is None:
                d.pop(k)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Alignment":
        try:
            return cls(
                phonemes=list(d["phonemes"]),
                durations=[int(x) for x in d["durations"]],
                f0=[float(x) for x in d["f0"]],
                energy=[float(x) for x in d["energy"]],
                voice=d.get("voice", DEFAULT_VOICE),
                sample_rate=int(d.get("sample_rate", SAMPLE_RATE)),
                instructions=d.get("instructions"),
                entities=d.get("entities"),
                extra=d.get("extra", {}) or {},
            )
        except KeyError as e:
            raise AlignmentError(f"alignment JSON lacks the field {e.args[0]!r}") from None
        except (TypeError, ValueError, OverflowError) as e:
            raise AlignmentError(f"alignment JSON has a bad value: {e}") from None

    def save(self, path: str | Path) -> None:
        from core.fileio import atomic_write_text
        atomic_write_text(path, json.dumps(self.to_dict(), ensure_ascii=False, indent=1))

    @classmethod
    def load(cls, path: str | Path) -> "Alignment":
        try:
            d = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AlignmentError(f"no such alignment file: {path}") from None
        except json.JSONDecodeError as e:
            raise AlignmentError(f"{path} is not valid JSON ({e})") from None
        return cls.from_dict(d).validate()


def _warp(curve, old_durs, new_durs) -> np.ndarray:
    """Resample each phoneme's stretch of a 12.5 ms curve to its new length."""
    c = CURVE_PER_FRAME
    values = np.asarray(curve, dtype=np.float64)
    out, start = [], 0
    for d_old, d_new in zip(old_durs, new_durs):
        seg = values[start * c:(start + d_old) * c]
        start += d_old
        n = d_new * c
        if n == 0:
            continue
        if len(seg) == 0:                       # a phoneme that had no frames: hold the last value
            seg = out[-1][-1:] if out else values[[min(start * c, len(values) - 1)]]
        if len(seg) == n:
            out.append(seg)
        else:
            pos = (np.arange(n) + 0.5) * len(seg) / n - 0.5
            out.append(np.interp(pos, np.arange(len(seg)), seg))
    return np.concatenate(out) if out else np.zeros(0)


def retime(al: Alignment, durations) -> Alignment:
    """A copy with new durations; F0 and energy are stretched phoneme by phoneme,
    so hand edits to the curves survive a boundary drag. No model is run."""
    if len(durations) != len(al.durations):
        raise AlignmentError(f"{len(al.durations)} durations expected, got {len(durations)}")
    new = al.copy()
    new.durations = [int(d) for d in durations]
    voiced = _warp((al.f0 > 0).astype(np.float64), al.durations, new.durations)
    new.f0 = np.where(voiced >= 0.5, _warp(al.f0, al.durations, new.durations), 0.0)
    new.energy = _warp(al.energy, al.durations, new.durations)
    return new.validate()


def move_boundary(al: Alignment, index: int, frames: int) -> Alignment:
    """Move the boundary between phoneme index-1 and index by `frames` (a drag)."""
    if not 0 < index < len(al.durations):
        raise AlignmentError(f"no boundary before phoneme {index}")
    durs = list(al.durations)
    frames = max(-durs[index - 1], min(frames, durs[index]))
    durs[index - 1] += frames
    durs[index] -= frames
    return retime(al, durs)
