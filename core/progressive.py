"""Progressive rendering: the first audio of a line while the rest still decodes.

The generator decodes the line in growing chunks (2, 6, 18, ... frames), each with
CONTEXT frames of context on both sides, each crossfaded into the one before; playback
can start on the first chunk.

The decoder normalises by statistics of the whole line, which exist only after a full
render, so the chunks borrow them from a line rendered before (docs/preview.md has the
figures). The first chunk borrows all of them, so that only a few frames of the
decoder's front run before it (`lead_statistics`: the line's own previous ones, else
the same voice's nearest by the front's input). Then the front runs over the whole line
(exact statistics, ~5 % of a render) and the rest borrows the generator's statistics
(`statistics_for`): the nearest of the engine's recent renders with the same voice by
front statistics, when near enough (the same line after an instruction or entity edit,
"line"; the cue's previous text after a small text edit, "other line"); else the line's
own previous ones however far ("far line": an edit that moved the timing a lot). All of
these are previews. With nothing of its own to borrow (a rewritten line, a first render)
the line renders in one piece ("exact") after the borrowed first chunk; with nothing of
the voice at all, in one piece only. With exact statistics the seams cost under 0.01 dB.
"""
from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np
import torch

from core.constants import FRAME_SAMPLES
from core.preview_decoder import (generator_window, input_stats, line_features, split_stats,
                                  window_features)
from core.synth import apply_line_gain

CONTEXT = 2          # frames decoded on each side of a chunk (seams 0.06 dB: docs/preview.md)
FADE = 2             # frames of crossfade between chunks (<= CONTEXT)
FIRST = 2            # frames in the first chunk (50 ms: its cost is first audio's)
GROWTH = 3.0         # each chunk this much longer than the one before
MAX_STATS = 16       # statistics the engine keeps (as Engine.render does)
NEAR = 0.08          # largest front_distance of borrowed statistics (~1 dB; docs/preview.md)

# engine -> {signature: (its statistics, the front statistics of the line whose generator
# statistics they borrowed)}: distances are measured to where the borrowed part came from
_ORIGINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Chunk:
    index: int
    lo: int                   # frames [lo, hi) of the line
    hi: int
    audio: np.ndarray         # the final samples of those frames
    last: bool
    source: str = ""          # where the statistics came from (ProgressiveRender.source)

    @property
    def start_sample(self) -> int:
        return self.lo * FRAME_SAMPLES


def chunk_plan(n_frames: int, first: int = FIRST, growth: float = GROWTH) -> list[tuple[int, int]]:
    """Frame ranges covering [0, n_frames), growing; a remainder under half a chunk (or
    under `first`) joins the last chunk, so no chunk is mostly context."""
    plan, lo, size = [], 0, max(1, first)
    while lo < n_frames:
        hi = min(n_frames, lo + size)
        if n_frames - hi < max(first, size // 2):
            hi = n_frames
        plan.append((lo, hi))
        lo, size = hi, int(round(size * growth))
    return plan


def log_mel_distance(audio: np.ndarray, reference: np.ndarray) -> float:
    """Mean absolute log-mel difference (dB) over the reference's loud cells (within 60 dB
    of its peak): phase-blind, the measure bench/edit_latency.py uses."""
    from core.audio import mel_spectrogram
    a, b = mel_spectrogram(audio), mel_spectrogram(reference)
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    loud = b > b.max() - 60
    return float(np.mean(np.abs(a - b)[loud]))


def front_distance(front_a: list, front_b: list) -> float:
    """Mean absolute log-variance difference of two lines' decoder-front statistics; it
    predicts how far apart their generator statistics are (docs/preview.md)."""
    return float(np.mean([float((torch.log(va + 1e-5) - torch.log(vb + 1e-5)).abs().mean())
                          for (_, va), (_, vb) in zip(front_a, front_b)]))


def origin_front(eng, key: str, stats: list) -> list:
    """The front statistics of the line that `stats`' generator part was rendered with."""
    kept = _ORIGINS.get(eng, {}).get(key)
    if kept is not None and kept[0] is stats:
        return kept[1]
    return split_stats(eng.model, stats)[0]


def statistics_for(eng, al, front_stats: list) -> tuple[str, str | None, list | None]:
    """("line" | "other line" | "far line" | "exact", the signature borrowed from, its
    statistics): the nearest of the engine's statistics with the same voice, if near
    enough; else the line's own previous ones however far ("far line": an instruction
    edit that moved the timing a lot); else none ("exact")."""
    own = eng._signature(al)
    voice = own.split("|")[0]                  # Engine._signature: "voice key|hash"
    best = (NEAR, None, None)
    for key, stats in list(eng._stats.items()):
        if key.split("|")[0] != voice:
            continue
        d = front_distance(front_stats, origin_front(eng, key, stats))
        if d <= best[0]:
            best = (d, key, stats)
    if best[2] is None:
        stats = eng._stats.get(own)
        return ("far line", own, stats) if stats is not None else ("exact", None, None)
    return ("line" if best[1] == own else "other line"), best[1], best[2]


def lead_statistics(eng, al, inputs) -> tuple[str, list] | None:
    """Statistics for the first chunk, before the line's front has run: the line's own
    previous ones ("line"), else those of the same voice whose front input is nearest
    ("other line"); None when the voice has none."""
    own = eng._signature(al)
    stats = eng._stats.get(own)
    if stats is not None:
        return "line", stats
    voice, mine = own.split("|")[0], input_stats(eng, inputs)
    near = [(front_distance(mine, s[:1]), i, s) for i, (k, s) in
            enumerate(list(eng._stats.items())) if k.split("|")[0] == voice]
    return ("other line", min(near)[2]) if near else None


class ProgressiveRender:
    """Render one alignment chunk by chunk; iterate `chunks()`. `audio` fills in as they
    come (zeros after `ready_frames`); `source` says where its statistics came from."""

    def __init__(self, eng, al, first: int = FIRST, growth: float = GROWTH):
        self.eng, self.al = eng, al
        self.audio = np.zeros(al.n_samples, dtype=np.float32)
        self.ready_frames = 0
        self.plan = chunk_plan(al.n_frames, first, growth)
        self.source = ""
        self.cancelled = False
        self._tail = None          # the last chunk's decoded frames after its end (crossfade)

    @property
    def preview(self) -> bool:
        """True when the statistics were estimated: the audio approximates a one-piece
        render (the UI says "preview"; export renders such lines again in one piece)."""
        return self.source != "exact"

    def chunks(self, cancel: Callable[[], bool] | None = None) -> Iterator[Chunk]:
        """The first chunk borrows every statistic (the front has not run yet); then the
        front runs over the whole line and the rest borrows the generator's statistics
        (statistics_for), or, when there are none for this line, the line renders in one
        piece and the last chunk is that whole render (lo = 0: it replaces the first)."""
        eng, al = self.eng, self.al
        with eng._lock:
            inputs = eng._inputs(al)
            lead = lead_statistics(eng, al, inputs) if len(self.plan) > 1 else None
            if lead is not None:
                front, gen = split_stats(eng.model, lead[1])
                head = window_features(eng, inputs, front, 0, self.plan[0][1] + CONTEXT)
                first = self._decode(head, 0, gen, None)
        if lead is not None:
            yield Chunk(0, *self.plan[0], first, False, lead[0])
            if cancel is not None and cancel():
                self.cancelled = True
                return
        with eng._lock:
            feats = line_features(eng, al, inputs)
            self.source, origin, stats = statistics_for(eng, al, feats.front_stats)
            if stats is None:                    # nothing to borrow: one piece
                self.audio[:] = eng.render(al)
                self.ready_frames = al.n_frames
                yield Chunk(int(lead is not None), 0, al.n_frames, self.audio, True, self.source)
                return
        gen_stats = split_stats(eng.model, stats)[1]
        for i in range(int(lead is not None), len(self.plan)):
            if cancel is not None and cancel():
                self.cancelled = True
                return
            with eng._lock:
                seg = self._decode(feats, i, gen_stats, self._tail)
            last = i == len(self.plan) - 1
            if last:
                self._keep_stats(feats.front_stats + gen_stats, origin_front(eng, origin, stats))
            yield Chunk(i, *self.plan[i], seg, last, self.source)

    def _decode(self, feats, i: int, gen_stats: list, tail) -> np.ndarray:
        """Chunk i from `feats` (crossfaded from `tail`), into `audio`; keeps its own tail."""
        lo, hi = self.plan[i]
        a, b = max(0, lo - CONTEXT), min(self.al.n_frames, hi + CONTEXT)
        window = apply_line_gain(generator_window(self.eng, feats, a, b, gen_stats), self.al)
        seg = window[(lo - a) * FRAME_SAMPLES:(hi - a) * FRAME_SAMPLES]
        if tail is not None:
            r = np.linspace(0, 1, len(tail), dtype=np.float32)
            seg[:len(tail)] = tail * (1 - r) + seg[:len(tail)] * r
        self._tail = window[(hi - a) * FRAME_SAMPLES:(min(b, hi + FADE) - a) * FRAME_SAMPLES]
        self.audio[lo * FRAME_SAMPLES:hi * FRAME_SAMPLES] = seg
        self.ready_frames = hi
        return seg

    def _keep_stats(self, stats: list, origin: list) -> None:
        """Later partial re-renders (a drag) replay what this audio was decoded with."""
        eng = self.eng
        with eng._lock:
            key = eng._signature(self.al)
            eng._stats[key] = stats
            origins = _ORIGINS.setdefault(eng, {})
            origins[key] = (stats, origin)
            for k in [k for k, v in origins.items() if eng._stats.get(k) is not v[0]]:
                del origins[k]
            eng._stats.move_to_end(key)
            while len(eng._stats) > MAX_STATS:
                eng._stats.popitem(last=False)

    def run(self, cancel=None) -> np.ndarray:
        for _ in self.chunks(cancel):
            pass
        return self.audio
