"""The register clause of an emotion instruction: the median pitch the line is said at.

Analysis with the original audio writes ``The original voice has a median pitch of 177
Hz``; the user may write it too (``a median pitch of 120 Hz``). Prediction moves the
line's voiced F0 so its median sits there, but never more than MAX_SHIFT_ST from where
the voice put it, so a voice keeps its character: a one-voice cast can follow a deep
or a high character part of the way.
"""
from __future__ import annotations

import re

import numpy as np

from core.constants import UNVOICED_HZ

MAX_SHIFT_ST = 8.0                  # measured at 5 and 8 (docs/evaluation.md)
_MEDIAN = re.compile(r"median pitch (?:of|is|at|around|about)\s+(?:about\s+)?(\d+(?:\.\d+)?)\s*Hz",
                     re.IGNORECASE)
MIN_HZ, MAX_HZ = 50.0, 500.0


def parse(instruction: str) -> float | None:
    """The median pitch (Hz) the instruction asks for, or None."""
    m = _MEDIAN.search(instruction or "")
    if m is None:
        return None
    hz = float(m.group(1))
    return hz if MIN_HZ <= hz <= MAX_HZ else None


def apply(f0: np.ndarray, instruction: str, notes: list) -> tuple[np.ndarray, float]:
    """(F0 with its voiced median moved to the instruction's register, within MAX_SHIFT_ST;
    the shift in semitones). Unvoiced stays 0; too little voiced, or no clause: unchanged."""
    target = parse(instruction)
    f0 = np.asarray(f0, np.float32)
    voiced = f0 > UNVOICED_HZ
    if target is None or voiced.sum() < 2:
        return f0, 0.0
    own = float(np.median(f0[voiced]))
    wanted = 12 * np.log2(target / own)
    st = float(np.clip(wanted, -MAX_SHIFT_ST, MAX_SHIFT_ST))
    if st == 0.0:
        return f0, 0.0
    capped = "" if abs(wanted) <= MAX_SHIFT_ST else \
        f", the most it moves; the voice's own is {own:.0f} Hz"
    notes.append(f"register: {st:+.1f} semitones towards the instruction's median pitch of "
                 f"{target:.0f} Hz{capped}")
    return np.where(voiced, f0 * np.float32(2 ** (st / 12)), f0).astype(np.float32), st
