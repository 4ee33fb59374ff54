"""The dialogue stem, built block by block from the cues' clips: a feature-length
track is never held whole (each clip is resampled when its first block needs it and
dropped after its last)."""
from __future__ import annotations

from collections import ChainMap
from typing import Iterator

import numpy as np

from core import audio as au
from core.constants import SAMPLE_RATE
from core.errors import UserError

BLOCK_SECONDS = 5.0


class Stem:
    """All cues placed at their in-times on a track as long as the video."""

    def __init__(self, project, cue_audio: dict, sr: int, extra: dict | None = None):
        """`extra`: {name: (start seconds, samples, make)} laid under the cues, each made
        (24 kHz) when its first block is (room tone, core.line_match.room_tone)."""
        self.sr, self.lines = sr, cue_audio
        extra = extra or {}
        self.clips = ChainMap(_Made({k: make for k, (_, _, make) in extra.items()}), cue_audio)
        self.n24: dict[str, int] = {}    # each clip's samples at 24 kHz (each clip read once here)
        order = sorted((int(round(c.start * sr)), i, c.id) for i, c in enumerate(project.cues))
        for _, _, cid in order:
            clip = cue_audio.get(cid)
            if clip is None:
                continue
            if not np.isfinite(clip).all():
                raise UserError(f"cue {cid}: its audio holds NaN or infinite samples; render it again")
            self.n24[cid] = len(clip)
        self.items = [it for it in order if it[2] in self.n24]
        self.length = _length(project, self.n24, sr)
        self.warnings = [f"cue {c.id} has no audio and is silent in the stem"
                         for c in project.cues if c.id not in self.n24]
        for at, _, cid in self.items:
            if at + self._len(cid) > self.length:
                self.warnings.append(f"cue {cid} runs past the end of the video and is cut")
        for (a, _, c1), (b, _, c2) in zip(self.items, self.items[1:]):
            if a + self._len(c1) > b:
                self.warnings.append(f"cues {c1} and {c2} overlap by {(a + self._len(c1) - b) / sr:.2f} s: "
                                     "both play there, mixed in the stem")
        for k, (t, n, _) in extra.items():
            self.n24[k] = n
            self.items.append((int(round(t * sr)), -1, k))
        self.items.sort()

    def _len(self, cid: str) -> int:
        return int(round(self.n24[cid] * self.sr / SAMPLE_RATE))

    def blocks(self, block_seconds: float = BLOCK_SECONDS) -> Iterator[np.ndarray]:
        """The track in consecutive blocks (float32)."""
        step = max(1, int(block_seconds * self.sr))
        pending, active, cache = list(self.items), [], {}
        for a in range(0, self.length, step):
            b = min(self.length, a + step)
            while pending and pending[0][0] < b:
                active.append(pending.pop(0))
            out = np.zeros(b - a, dtype=np.float32)
            for at, _, cid in active:
                if cid not in cache:
                    cache[cid] = au.resample(self.clips[cid], SAMPLE_RATE, self.sr)
                au.place(out, cache[cid], at - a)
            done = [it for it in active if it[0] + self._len(it[2]) <= b]
            for it in done:
                active.remove(it)
                cache.pop(it[2], None)
            yield out

    def array(self) -> np.ndarray:
        """The whole track (for short projects and tests)."""
        return np.concatenate(list(self.blocks())) if self.length else np.zeros(0, np.float32)


class _Made(dict):
    """{name: make}, read as {name: make()}."""

    def __getitem__(self, k):
        return super().__getitem__(k)()


def stem_length(project, cue_audio: dict, sr: int) -> int:
    return _length(project, {cid: len(a) for cid, a in cue_audio.items() if a is not None}, sr)


def _length(project, n24: dict[str, int], sr: int) -> int:
    end = project.video.duration
    if end <= 0:  # no video: as long as the last line
        end = max((c.start + n24.get(c.id, 0) / SAMPLE_RATE for c in project.cues), default=0.0)
    return int(round(end * sr))
