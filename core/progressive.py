"""Progressive rendering: the first audio of a line while the rest still decodes.

After a predict, the decoder's frame-rate front runs over the whole line (exact
normalisation statistics, ~5 % of a render), then the generator decodes the line in
growing chunks (6, 12, 24, ... frames), each with CONTEXT frames of context on both
sides, each crossfaded into the one before. Playback can start on the first chunk.

The generator's instance-norm statistics of the whole line exist only after a full
render, so the chunks normalise with an estimate (docs/preview.md has the figures):
- "line":  the statistics of the last render of the same phonemes and voice (an
  instruction, entity or curve edit): about 0.5-1 dB log-mel from a one-piece render;
- "voice": the pooled statistics of the engine's recent renders with the same voice
  (a text edit): a preview, about 2 dB; `Session.finalize` renders it in one piece;
- none:    the first line of a voice renders in one piece (one chunk, exact).
With the exact statistics, chunking alone costs under 0.2 dB.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, Iterator

import numpy as np

from core.constants import FRAME_SAMPLES
from core.preview_decoder import generator_window, line_features, split_stats

CONTEXT = 4          # frames decoded on each side of a chunk
FADE = 2             # frames of crossfade between chunks (<= CONTEXT)
FIRST = 6            # frames in the first chunk (0.15 s)
GROWTH = 2.0         # each chunk this much longer than the one before
MAX_STATS = 16       # statistics the engine keeps (as Engine.render does)


@dataclass
class Chunk:
    index: int
    lo: int                   # frames [lo, hi) of the line
    hi: int
    audio: np.ndarray         # the final samples of those frames
    last: bool

    @property
    def start_sample(self) -> int:
        return self.lo * FRAME_SAMPLES


def chunk_plan(n_frames: int, first: int = FIRST, growth: float = GROWTH) -> list[tuple[int, int]]:
    """Frame ranges covering [0, n_frames), growing; a short remainder joins the last."""
    plan, lo, size = [], 0, max(1, first)
    while lo < n_frames:
        hi = min(n_frames, lo + size)
        if n_frames - hi < first:
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


def pooled(stats_list: list[list]) -> list:
    """Statistics pooled over several lines (their frames weighted alike)."""
    out = []
    for layer in zip(*stats_list):
        means = [m for m, _ in layer]
        mean = sum(means) / len(means)
        second = sum(v + m * m for m, v in layer) / len(layer)
        out.append((mean, (second - mean * mean).clamp(min=0)))
    return out


def statistics_for(eng, al) -> tuple[str, list | None]:
    """("line" | "voice" | "exact", the decoder statistics the chunks replay or None)."""
    known = eng._stats.get(eng._signature(al))
    if known is not None:
        return "line", known
    voice = json.dumps(al.voice, sort_keys=True)
    same = [s for key, s in list(eng._stats.items())
            if json.dumps(json.loads(key)[1], sort_keys=True) == voice]
    if same:
        return "voice", pooled(same)
    return "exact", None


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

    @property
    def preview(self) -> bool:
        """True when the statistics were estimated: the audio approximates a one-piece
        render (the UI says "preview"; export renders such lines again in one piece)."""
        return self.source != "exact"

    def chunks(self, cancel: Callable[[], bool] | None = None) -> Iterator[Chunk]:
        eng = self.eng
        with eng._lock:
            self.source, stats = statistics_for(eng, self.al)
            if stats is None:                    # nothing to estimate from: one piece
                self.audio[:] = eng.render(self.al)
                self.ready_frames = self.al.n_frames
                yield Chunk(0, 0, self.al.n_frames, self.audio, True)
                return
            feats = line_features(eng, self.al)
        gen_stats = split_stats(eng.model, stats)[1]
        tail = None
        for i, (lo, hi) in enumerate(self.plan):
            if cancel is not None and cancel():
                self.cancelled = True
                return
            a, b = max(0, lo - CONTEXT), min(self.al.n_frames, hi + CONTEXT)
            with eng._lock:
                window = generator_window(eng, feats, a, b, gen_stats)
            seg = window[(lo - a) * FRAME_SAMPLES:(hi - a) * FRAME_SAMPLES]
            if tail is not None:
                r = np.linspace(0, 1, len(tail), dtype=np.float32)
                seg[:len(tail)] = tail * (1 - r) + seg[:len(tail)] * r
            tail = window[(hi - a) * FRAME_SAMPLES:(min(b, hi + FADE) - a) * FRAME_SAMPLES]
            self.audio[lo * FRAME_SAMPLES:hi * FRAME_SAMPLES] = seg
            self.ready_frames = hi
            last = i == len(self.plan) - 1
            if last:
                self._keep_stats(feats.front_stats + gen_stats)
            yield Chunk(i, lo, hi, seg, last)

    def _keep_stats(self, stats: list) -> None:
        """Later partial re-renders (a drag) replay what this audio was decoded with."""
        eng = self.eng
        with eng._lock:
            key = eng._signature(self.al)
            eng._stats[key] = stats
            eng._stats.move_to_end(key)
            while len(eng._stats) > MAX_STATS:
                eng._stats.popitem(last=False)

    def run(self, cancel=None) -> np.ndarray:
        for _ in self.chunks(cancel):
            pass
        return self.audio
