"""From a mouth-opening curve to a visible syllable rate, pauses and a pace trend.

The curve is the inner-lip gap over the eye-corner distance, one value per video
frame, NaN where the face was not seen. Each open-close cycle of the mouth counts
as one visible syllable; that undercounts syllables that run together without the
lips closing, and the rate is reported as what it is: a visible rate.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks

MIN_MOVEMENT = 0.03        # a curve whose p90-p10 range is below this shows no articulation
PEAK_LEAD, PEAK_TAIL = 0.2, 0.35   # seconds of speech before the first / after the last opening peak
MIN_PAUSE = 0.25           # seconds of closed mouth that count as a pause (bilabial closures are shorter)


def to_frame_rate(times: np.ndarray, values: np.ndarray, fps: float, start: float,
                  n_frames: int, max_gap: float = 0.25) -> np.ndarray:
    """Resample values measured at `times` onto the video frames start, start+1/fps, ...
    by linear interpolation; frames farther than `max_gap` s from a measured value stay NaN."""
    grid = start + np.arange(n_frames) / fps
    ok = np.isfinite(values)
    t, v = np.asarray(times)[ok], np.asarray(values)[ok]
    out = np.full(n_frames, np.nan, dtype=np.float32)
    if len(t) == 0:
        return out
    out[:] = np.interp(grid, t, v)
    # distance of each grid point to the nearest measured time
    pos = np.clip(np.searchsorted(t, grid), 1, max(1, len(t) - 1))
    near = np.minimum(np.abs(grid - t[pos - 1]), np.abs(grid - t[np.minimum(pos, len(t) - 1)]))
    if len(t) == 1:
        near = np.abs(grid - t[0])
    out[near > max_gap] = np.nan
    return out


def _smooth(curve: np.ndarray, fps: float) -> np.ndarray:
    """Fill NaN gaps by interpolation and smooth over about 60 ms."""
    x = curve.astype(np.float64)
    ok = np.isfinite(x)
    if ok.sum() < 2:
        return x
    idx = np.arange(len(x))
    x = np.interp(idx, idx[ok], x[ok])
    k = max(1, int(round(0.06 * fps)))
    if k > 1:
        x = np.convolve(np.pad(x, k, mode="edge"), np.ones(k) / k, mode="same")[k:-k]
    return x


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index runs where mask is True."""
    d = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def analyse_mouth(curve: np.ndarray, fps: float, start: float = 0.0) -> dict:
    """Measurements of one cue's mouth curve. Times are seconds on the video.

    Returns {"face_found_share", "visible": bool, and when visible:
    "syllable_rate", "syllables", "active": [t0, t1], "pauses": [[t0, t1], ...],
    "trend": {"first": r1, "second": r2, "ratio": r2 / r1}}.
    """
    curve = np.asarray(curve, dtype=np.float64)
    n = len(curve)
    seen = np.isfinite(curve)
    out: dict = {"face_found_share": round(float(seen.mean()) if n else 0.0, 3), "visible": False}
    if n < 3 or seen.sum() < max(3, 0.3 * n):
        out["reason"] = "face not found in enough frames"
        return out
    x = _smooth(curve, fps)
    lo, hi = np.percentile(x[seen], [10, 90])
    rng = hi - lo
    if rng < MIN_MOVEMENT:
        out["reason"] = "the mouth barely moves"
        return out
    peaks, _ = find_peaks(x, prominence=max(0.25 * rng, MIN_MOVEMENT * 0.6),
                          distance=max(1, int(0.1 * fps)))
    if len(peaks) == 0:
        out["reason"] = "no open-close cycles"
        return out
    open_mask = x > lo + 0.3 * rng
    active = np.flatnonzero(open_mask)
    a0, a1 = int(min(active[0], peaks[0])), int(max(active[-1], peaks[-1])) + 1
    closed = x < lo + 0.15 * rng
    pauses = [(s, e) for s, e in _runs(closed[a0:a1]) if (e - s) / fps >= MIN_PAUSE]
    pauses = [(s + a0, e + a0) for s, e in pauses]
    pause_frames = sum(e - s for s, e in pauses)
    speak_s = max((a1 - a0 - pause_frames) / fps, 1.0 / fps)
    mid = (a0 + a1) / 2

    def half_rate(h0: float, h1: float) -> float:
        n_pk = int(((peaks >= h0) & (peaks < h1)).sum())
        paused = sum(max(0, min(e, h1) - max(s, h0)) for s, e in pauses)
        dur = max((h1 - h0 - paused) / fps, 1.0 / fps)
        return n_pk / dur

    r1, r2 = half_rate(a0, mid), half_rate(mid, a1)
    t = lambda i: round(float(start + i / fps), 3)
    out.update({
        "visible": True,
        "syllables": int(len(peaks)),
        "syllable_rate": round(len(peaks) / speak_s, 2),
        "active": [t(a0), t(a1)],
        "pauses": [[t(s), t(e)] for s, e in pauses],
        "peak_times": [t(p) for p in peaks],
        "trend": {"first": round(r1, 2), "second": round(r2, 2),
                  "ratio": round(r2 / r1, 2) if r1 > 0 else None},
        "open_range": [round(float(lo), 4), round(float(hi), 4)],
    })
    return out


def activity_spans(curve: np.ndarray, fps: float, start: float = 0.0,
                   min_gap: float = 0.4, min_len: float = 0.2) -> list[tuple[float, float]]:
    """Spans of visible mouth movement over a long curve (the cue-timing fallback
    when there is neither SRT nor audio). A span is where the local movement
    (rolling std over 0.3 s) is above a fifth of its high percentile."""
    curve = np.asarray(curve, dtype=np.float64)
    if np.isfinite(curve).sum() < 3:
        return []
    x = _smooth(curve, fps)
    w = max(3, int(0.3 * fps))
    pad = np.pad(x, w // 2, mode="edge")
    win = np.lib.stride_tricks.sliding_window_view(pad, w)[: len(x)]
    motion = win.std(axis=1)
    motion[~np.isfinite(curve)] = 0.0
    level = np.percentile(motion, 95)
    if level < MIN_MOVEMENT / 4:
        return []
    moving = motion > 0.2 * level
    spans = [[s / fps, e / fps] for s, e in _runs(moving)]
    merged: list[list[float]] = []
    for s, e in spans:
        if merged and s - merged[-1][1] < min_gap:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    # trim each span to its open-close cycles: a mouth left open, or closing after a
    # breath, moves without speaking; sound starts shortly before the first opening peak
    lo, hi = np.percentile(x[np.isfinite(curve)], [10, 90])
    peaks, _ = find_peaks(x, prominence=max(0.25 * (hi - lo), MIN_MOVEMENT * 0.6),
                          distance=max(1, int(0.1 * fps)))
    pt = peaks / fps
    out = []
    for s, e in merged:
        inside = pt[(pt >= s) & (pt <= e)]
        if len(inside):
            s, e = max(s, inside[0] - PEAK_LEAD), min(e, inside[-1] + PEAK_TAIL)
        if e - s >= min_len:
            out.append((round(float(start + s), 3), round(float(start + e), 3)))
    return out
