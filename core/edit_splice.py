"""A partial re-render's arithmetic: which frames an edit changed (by token, F0 and
energy, frame by frame), and the splice of the re-decoded window into the old audio
with a short crossfade at both seams (core.synth.Engine.render_edit)."""
from __future__ import annotations

import numpy as np

from core.alignment import Alignment
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES

EDIT_FADE = 2          # most frames of crossfade where new audio meets old (no more than the
                       # window decoded beyond the change: core.synth.EDIT_CONTEXT, now half a frame)


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


def splice(old_audio, window, w0, lo, hi_new, hi_old, n_new) -> np.ndarray:
    """Old audio outside frames [lo, hi), the new window (starting at sample `w0`) inside,
    crossfaded at both seams over what the window holds beyond them."""
    fs = FRAME_SAMPLES
    s_lo, s_hi, o_hi = lo * fs, hi_new * fs, hi_old * fs
    out = np.empty(n_new * fs, dtype=np.float32)
    out[:s_lo] = old_audio[:s_lo]
    tail = (n_new - hi_new) * fs
    if tail:
        out[s_hi:] = old_audio[o_hi:]
    out[s_lo:s_hi] = window[s_lo - w0:s_hi - w0]
    fade = EDIT_FADE * fs
    left = min(fade, s_lo, s_lo - w0)
    if left:
        r = np.linspace(0, 1, left, dtype=np.float32)
        s0 = s_lo - left
        out[s0:s_lo] = old_audio[s0:s_lo] * (1 - r) + window[s0 - w0:s_lo - w0] * r
    right = min(fade, tail, w0 + len(window) - s_hi)
    if right:
        r = np.linspace(0, 1, right, dtype=np.float32)
        w = s_hi - w0
        out[s_hi:s_hi + right] = window[w:w + right] * (1 - r) + old_audio[o_hi:o_hi + right] * r
    return out
