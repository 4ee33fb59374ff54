"""The Alignment record: what `predict` produces and `render` consumes.

Units (Kokoro's): 24 kHz audio; one duration frame is 600 samples (25 ms);
F0 and energy have two values per duration frame (12.5 ms).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.limits import check_alignment_values

SAMPLE_RATE = 24000
FRAME_SAMPLES = 600                      # one duration frame, 25 ms
FRAME_SECONDS = FRAME_SAMPLES / SAMPLE_RATE
FRAMES_PER_SECOND = SAMPLE_RATE // FRAME_SAMPLES  # 40
CURVE_PER_FRAME = 2                      # f0/energy values per duration frame


class AlignmentError(ValueError):
    """An alignment that cannot be rendered; the message says why."""


@dataclass
class Alignment:
    phonemes: list[str]
    durations: list[int]                 # frames of 25 ms, one per phoneme
    f0: list[float]                      # Hz at 12.5 ms, 0 = unvoiced
    energy: list[float]                  # backbone's N curve at 12.5 ms
    voice: str | dict = "jm_kumo"        # pack name, or {"blend": {name: w}} / {"vector": [...256]}
    sample_rate: int = SAMPLE_RATE
    instructions: dict | None = None     # {"rate": str, "emotion": str}
    entities: dict | None = None         # {entity: weight}
    extra: dict = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(sum(self.durations))

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
        if any(int(d) != d or d < 0 for d in self.durations):
            raise AlignmentError("durations must be whole, non-negative frame counts")
        if self.n_frames == 0:
            raise AlignmentError("all durations are zero: nothing to render")
        want = self.n_frames * CURVE_PER_FRAME
        for name in ("f0", "energy"):
            got = len(getattr(self, name))
            if got != want:
                raise AlignmentError(
                    f"{name} has {got} values; {want} expected (2 per 25 ms frame)")
        if any(v < 0 for v in self.f0):
            raise AlignmentError("f0 must be >= 0 Hz (0 = unvoiced)")
        if self.sample_rate != SAMPLE_RATE:
            raise AlignmentError(f"sample_rate must be {SAMPLE_RATE}")
        check_alignment_values(self)          # finite curves, bounded length (core/limits.py)
        return self

    def copy(self) -> "Alignment":
        """An exact deep copy (no rounding: render_edit compares values exactly)."""
        import copy
        return copy.deepcopy(self)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["durations"] = [int(x) for x in self.durations]
        d["f0"] = [round(float(x), 3) for x in self.f0]
        d["energy"] = [round(float(x), 5) for x in self.energy]
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
                voice=d.get("voice", "jm_kumo"),
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


def _warp(curve: list[float], old_durs: list[int], new_durs: list[int]) -> list[float]:
    """Resample each phoneme's stretch of a 12.5 ms curve to its new length."""
    import numpy as np
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
            seg = np.asarray(out[-1:] or [values[min(start * c, len(values) - 1)]])
        if len(seg) == n:
            out.extend(seg.tolist())
        else:
            pos = (np.arange(n) + 0.5) * len(seg) / n - 0.5
            out.extend(np.interp(pos, np.arange(len(seg)), seg).tolist())
    return out


def retime(al: Alignment, durations: list[int]) -> Alignment:
    """A copy with new durations; F0 and energy are stretched phoneme by phoneme,
    so hand edits to the curves survive a boundary drag. No model is run."""
    if len(durations) != len(al.durations):
        raise AlignmentError(f"{len(al.durations)} durations expected, got {len(durations)}")
    new = al.copy()
    new.durations = [int(d) for d in durations]
    voiced = [1.0 if f > 0 else 0.0 for f in al.f0]
    new.f0 = [f if v >= 0.5 else 0.0
              for f, v in zip(_warp(al.f0, al.durations, new.durations),
                              _warp(voiced, al.durations, new.durations))]
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
