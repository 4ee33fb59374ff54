"""The melody clause of an emotion instruction: how high each word is said.

The guide track's pitch, word by word, is written into the instruction as levels
relative to the line's middle, e.g. ``The melody, word by word: "Wow," high, "they're
shiny" mid-low.`` A level is a share of the stated melody range (``(N semitones between
its low and high points)``). Prediction reads the clause back and moves each word's
pitch to its level; the user may edit the words or the levels like any instruction.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

import numpy as np

from core.constants import CURVE_PER_FRAME, UNVOICED_HZ

# level -> share of the melody range above the line's median pitch
LEVELS = {"low": -0.4, "mid-low": -0.2, "mid": 0.0, "mid-high": 0.2, "high": 0.4}
DEFAULT_RANGE_ST = 6.0
CLAUSE = "The melody, word by word:"
_PHRASE = re.compile(r'"([^"]+)"\s+(mid-high|mid-low|high|low|mid)\b')
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s+semitones? between")
MAX_SHIFT_ST = 12.0                               # no word moves more than an octave
SMOOTH = 7                                        # curve values (~44 ms) to ease word steps


def _norm(word: str) -> str:
    return re.sub(r"[^\w']+", "", word).lower()


def norm_words(text: str) -> list[str]:
    """The text's space-separated words, lower case, without punctuation (may be "")."""
    return [_norm(t) for t in text.split()]


def _letter_spans(words: list[str]) -> np.ndarray:
    """[n, 2] share of the letters before each word's start and end."""
    sizes = np.array([max(1, len(w)) for w in words], np.float64)
    ends = np.cumsum(sizes) / sizes.sum()
    return np.stack([ends - sizes / sizes.sum(), ends], axis=1)


# --- the guide's side: pitch per script word -> levels -> words of the instruction

def word_times(text: str, segments: list[tuple[float, float]], heard: list[dict] | None,
               nuclei=None):
    """(start, end) s of each script word in the guide (video time): heard words (ASR) where they
    match the script; else by the guide's syllable nuclei (each word spans its
    syllables, counted in the script); else spread over the speech by letter count."""
    words = norm_words(text)
    if nuclei is not None and len(nuclei) >= 2 and segments:
        out = _by_nuclei(text, np.sort(np.asarray(nuclei, np.float64)), segments)
    else:
        speech = sum(e - s for s, e in segments)
        out = [(_speech_time(segments, a * speech), _speech_time(segments, b * speech))
               for a, b in _letter_spans(words)]
    if heard:
        said = [_norm(h["word"]) for h in heard]
        for blk in SequenceMatcher(None, words, said, autojunk=False).get_matching_blocks():
            for k in range(blk.size):
                h = heard[blk.b + k]
                out[blk.a + k] = (h["start"], h["end"])
    return out


def _by_nuclei(text: str, nuclei: np.ndarray, segments) -> list[tuple[float, float]]:
    """Word spans from syllable nuclei: the script's syllables are spread over the
    nuclei in order; a word runs from midway between its first syllable and the one
    before to midway between its last and the next (the speech's onset and offset at
    the ends)."""
    from core.script import count_syllables
    counts = np.array([max(1, count_syllables(w)) if _norm(w) else 0
                       for w in text.split()], np.float64)
    edges = np.concatenate([[0.0], np.cumsum(counts)])          # syllable index at each word edge
    n, total = len(nuclei), max(edges[-1], 1.0)
    at = lambda j: np.interp((j + 0.5) * n / total - 0.5, np.arange(n), nuclei)   # noqa: E731
    bounds = (at(edges - 1) + at(edges)) / 2                    # midway between two syllables
    bounds[0], bounds[-1] = segments[0][0], segments[-1][1]
    return [(float(a), float(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def _speech_time(segments, t: float) -> float:
    """Video time `t` seconds into the concatenated speech segments."""
    for s, e in segments:
        if t <= e - s:
            return s + t
        t -= e - s
    return segments[-1][1] if segments else 0.0


def word_levels(times_s, f0_hz, voiced, spans, range_st: float) -> list[str | None]:
    """The level of each span's median pitch against the whole line's, or None where
    the guide is unvoiced there."""
    v = np.asarray(voiced, bool) & (np.asarray(f0_hz) > UNVOICED_HZ)
    if v.sum() < 5 or range_st <= 0:
        return [None] * len(spans)
    st = 12 * np.log2(np.asarray(f0_hz, np.float64)[v])
    t, mid = np.asarray(times_s)[v], np.median(st)
    names, shares = list(LEVELS), np.array(list(LEVELS.values()))
    out = []
    for s, e in spans:
        sel = (t >= s) & (t < e)
        if sel.sum() < 2:
            out.append(None)
            continue
        share = (np.median(st[sel]) - mid) / range_st
        out.append(names[int(np.argmin(np.abs(shares - share)))])
    return out


def describe(pairs: list) -> str:
    """The clause for [[word, level or None], ...]: runs of words sharing a level."""
    runs: list[tuple[list[str], str | None]] = []
    for w, lv in pairs:
        if runs and runs[-1][1] == lv:
            runs[-1][0].append(w)
        else:
            runs.append(([w], lv))
    parts = [f'"{" ".join(ws)}" {lv}' for ws, lv in runs if lv]
    return f" {CLAUSE} " + ", ".join(parts) + "." if parts else ""


# --- the prediction's side: instruction -> a level per word -> the F0 curve

def strip(instruction: str) -> str:
    """The instruction without its melody clause (what the emotion reading sees)."""
    i = instruction.find(CLAUSE)
    if i < 0:
        return instruction
    rest, end = instruction[i + len(CLAUSE):], 0
    for m in _PHRASE.finditer(rest):
        if rest[end:m.start()].strip(" ,"):
            break
        end = m.end()
    tail = rest[end:]
    tail = tail[1:] if tail.startswith(".") else tail
    return " ".join((instruction[:i].strip() + " " + tail.strip()).split())


def guide_clause(track, offset: float, segments, text: str, heard, range_st: float,
                 nuclei=None) -> list:
    """[[script word, level or None], ...] for the cue's text, from the guide's pitch
    `track` (core.speech.pitch.pitch() of audio starting at `offset` s of video time)."""
    t, f0, voiced = track
    spans = word_times(text, segments, heard, nuclei)
    levels = word_levels(np.asarray(t) + offset, f0, voiced, spans, range_st)
    return [[w, lv] for w, lv in zip(text.split(), levels)]


def parse(instruction: str, text: str) -> tuple[list[float | None], float] | None:
    """(semitones above the line's median for each script word or None, the range) from
    the instruction's melody clause; None when it has none."""
    i = instruction.find(CLAUSE)
    if i < 0:
        return None
    m = _RANGE.search(instruction)
    range_st = float(m.group(1)) if m else DEFAULT_RANGE_ST
    words = norm_words(text)
    offsets, pos = [None] * len(words), 0
    for phrase, level in _PHRASE.findall(instruction[i:]):
        for w in filter(None, norm_words(phrase)):
            hit = next((k for k in range(pos, len(words)) if words[k] == w), None)
            if hit is None:
                continue
            offsets[hit], pos = LEVELS[level] * range_st, hit + 1
    return (offsets, range_st) if any(o is not None for o in offsets) else None


def apply(f0: np.ndarray, durations, tokens, text: str, offsets: list[float | None]) -> np.ndarray:
    """Move each word's voiced pitch so its median sits `offset` semitones from the
    line's median; words without a level follow their neighbours; unvoiced stays 0."""
    from core.instruct.corpus import word_spans
    f0 = np.asarray(f0, np.float32)
    spans = word_spans(list(tokens))
    script = _letter_spans(norm_words(text))
    if not spans or len(script) != len(offsets):
        return f0
    starts = np.concatenate([[0], np.cumsum(durations)]).astype(int) * CURVE_PER_FRAME
    sizes = np.array([e - s for s, e in spans], np.float64)
    centres = (np.cumsum(sizes) - sizes / 2) / sizes.sum()
    voiced = f0 > UNVOICED_HZ
    if voiced.sum() < 2:
        return f0
    st = np.where(voiced, 12 * np.log2(np.maximum(f0, UNVOICED_HZ)), np.nan)
    mid = np.nanmedian(st)
    st[np.abs(st - mid) > MAX_SHIFT_ST] = np.nan        # onsets, creak: not a word's level
    shift = np.full(len(f0), np.nan)
    for (s, e), c in zip(spans, centres):
        w = min(int(np.searchsorted(script[:, 1], c)), len(offsets) - 1)
        lo, hi = starts[s], starts[e]
        if offsets[w] is None or np.isnan(st[lo:hi]).all():
            continue
        shift[lo:hi] = mid + offsets[w] - np.nanmedian(st[lo:hi])
    known = ~np.isnan(shift)
    if not known.any():
        return f0
    idx = np.arange(len(f0))
    shift = np.interp(idx, idx[known], shift[known])
    shift = np.convolve(np.pad(shift, SMOOTH // 2, mode="edge"), np.ones(SMOOTH) / SMOOTH, "valid")
    shift = np.clip(shift, -MAX_SHIFT_ST, MAX_SHIFT_ST)
    return np.where(voiced, f0 * 2 ** (shift / 12), f0).astype(np.float32)
