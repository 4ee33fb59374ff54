"""Bounds checked up front, so bad numbers fail at once with one clear line
instead of a long run, a huge allocation or a traceback."""
from __future__ import annotations

import math

import numpy as np

from core.constants import ANALYSIS_SR, CURVE_PER_FRAME, FRAMES_PER_SECOND, MAX_TOKENS
from core.errors import UserError

MAX_LINE_SECONDS = 180.0            # one line of dialogue (a slot, a cue, a rendered line)
MAX_LINE_FRAMES = int(MAX_LINE_SECONDS * FRAMES_PER_SECOND)
MAX_PROJECT_SECONDS = 24 * 3600.0   # a cue time or a video length
MAX_TEXT_CHARS = 4 * MAX_TOKENS     # far more text than the model's phoneme limit holds
MAX_F0_HZ = 2000.0


class LimitError(UserError, ValueError):
    """A number outside what the engine can handle; the message says which and why."""


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def finite(value, what: str) -> float:
    """`value` as a finite float, else LimitError naming `what`."""
    if not is_number(value):
        raise LimitError(f"{what} must be a number, not {kind_of(value)}")
    if not math.isfinite(value):
        raise LimitError(f"{what} must be a finite number, got {value}")
    return float(value)


def kind_of(v) -> str:
    if v is None:
        return "null"
    if isinstance(v, str):
        return f"the text {v!r}"[:60]
    return {dict: "an object", list: "a list", bool: "true/false"}.get(type(v), type(v).__name__)


def check_slot(seconds, what: str = "the slot") -> float | None:
    """A line's time slot in seconds: positive, finite and at most MAX_LINE_SECONDS."""
    if seconds is None:
        return None
    s = finite(seconds, what)
    if s <= 0:
        raise LimitError(f"{what} must be longer than 0 s, got {s:g} s")
    if s > MAX_LINE_SECONDS:
        raise LimitError(f"{what} of {s:g} s is longer than one line can be "
                         f"({MAX_LINE_SECONDS:g} s); split the line")
    return s


def check_weights(weights: dict, what: str) -> dict:
    """{name: weight} with finite weights >= 0 (blends, emotion entities)."""
    if not isinstance(weights, dict):
        raise LimitError(f"{what} must map names to weights, not {kind_of(weights)}")
    for name, w in weights.items():
        w = finite(w, f"the weight of {name!r} in {what}")
        if w < 0:
            raise LimitError(f"the weight of {name!r} in {what} must be 0 or more, got {w:g}")
    return weights


def check_alignment_values(al) -> None:
    """Finite curves, plausible F0 and a rendered length within MAX_LINE_SECONDS
    (checked before any model runs)."""
    total = sum(int(d) for d in al.durations)
    if total > MAX_LINE_FRAMES:
        raise LimitError(f"the durations add up to {total} frames ({total / FRAMES_PER_SECOND:.0f} s); "
                         f"one line may last at most {MAX_LINE_SECONDS:g} s")
    for name in ("f0", "energy"):               # numpy: a drag validates several times
        bad = np.flatnonzero(~np.isfinite(np.asarray(getattr(al, name), dtype=np.float64)))
        if bad.size:
            i = int(bad[0])
            raise LimitError(f"{name} value {i} (at {i / CURVE_PER_FRAME / FRAMES_PER_SECOND:.3f} s) "
                             "is not a finite number")
    high = np.flatnonzero(np.asarray(al.f0, dtype=np.float64) > MAX_F0_HZ)
    if high.size:
        i = int(high[0])
        raise LimitError(f"f0 value {i} is {float(al.f0[i]):g} Hz; at most {MAX_F0_HZ:g} Hz")


MIN_SPEECH_SECONDS = 0.5


def check_speech(audio16k, what: str, min_seconds: float = MIN_SPEECH_SECONDS) -> float:
    """Seconds of speech silero-vad finds in 16 kHz audio; LimitError when under
    `min_seconds` (noise, music or silence given where a voice is needed)."""
    import numpy as np

    from core.speech.vad import CHUNK_SECONDS, speech_mask
    found = float(np.count_nonzero(speech_mask(audio16k))) * CHUNK_SECONDS
    if found < min_seconds:
        total = len(audio16k) / ANALYSIS_SR
        raise LimitError(f"{what} holds no speech the voice-activity detector can find "
                         f"({found:.1f} s of {total:.1f} s): give a recording of the speaker talking")
    return found
