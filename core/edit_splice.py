"""A partial re-render's arithmetic: which frames an edit changed (by token, F0 and
energy, frame by frame), and the splice of the re-decoded window into the old audio
with a short crossfade at both seams (core.synth.Engine.render_edit)."""
from __future__ import annotations

import numpy as np

from core.alignment import Alignment
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES

EDIT_FADE = 2          # most frames of crossfade where new audio meets old (no more than the
                       # window decoded beyond the change: core.synth.EDIT_CONTEXT, now 1)


def frame_table(al: Alignment) -> np.ndarray:
    token_of_frame = np.repeat(np.arange(len(al.durations)), al.durations)
    c = CURVE_PER_FRAME
    f0 = np.asarray(al.f0, dtype=np.float64).reshape(-1, c)
    energy = np.asarray(al.energy, dtype=np.float64).reshape(-1, c)
    return np.column_stack([token_of_frame, f0, energy])


def changed_frames(old: Alignment, new: Alignment) -> tuple[int, int, int]:
    """(first changed frame, end of change in new, end of change in old)."""
    t_old, t_new = frame_table(old), frame_table(new)
    n = min(len(t_old), len(t_new))
    same = np.all(t_old[:n] == t_new[:n], axis=1)
    lo = int(np.argmin(same)) if not same.all() else n
    same_tail = np.all(t_old[::-1][:n] == t_new[::-1][:n], axis=1)
    tail = int(np.argmin(same_tail)) if not same_tail.all() else n
    tail = min(tail, n - lo)
    return lo, len(t_new) - tail, len(t_old) - tail


def splice(old_audio, window, a, lo, hi_new, hi_old, n_new) -> np.ndarray:
    """Old audio outside [lo, hi), the new window inside, crossfaded at both seams."""
    fs = FRAME_SAMPLES
    out = np.empty(n_new * fs, dtype=np.float32)
    out[:lo * fs] = old_audio[:lo * fs]
    tail = n_new - hi_new
    if tail:
        out[hi_new * fs:] = old_audio[hi_old * fs:]
    out[lo * fs:hi_new * fs] = window[(lo - a) * fs:(hi_new - a) * fs]
    fade = EDIT_FADE * fs
    left = min(fade, lo * fs, (lo - a) * fs)
    if left:
        r = np.linspace(0, 1, left, dtype=np.float32)
        s0 = lo * fs - left
        out[s0:lo * fs] = old_audio[s0:lo * fs] * (1 - r) + window[s0 - a * fs:(lo - a) * fs] * r
    right = min(fade, tail * fs, len(window) - (hi_new - a) * fs)
    if right:
        r = np.linspace(0, 1, right, dtype=np.float32)
        s0, w0 = hi_new * fs, (hi_new - a) * fs
        o0 = hi_old * fs
        out[s0:s0 + right] = window[w0:w0 + right] * (1 - r) + old_audio[o0:o0 + right] * r
    return out
