"""The engine's recent full renders, kept by content (Engine.renders).

A full render is a function of the alignment's phonemes, durations, F0 and energy, the
style vector (the voice at the line's length), the harmonic source's seed, the device
and the weights (which never change in an engine). The key hashes all but the weights,
so any change to them is a different render; the decoder's output is kept before the
line gain (applied after, so a gain change is a hit) with the norm statistics it
recorded (a later partial re-render replays them). A hit is what rendering again gives:
a project opened again, a line back to an earlier state, an export after the editor.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import numpy as np

MAX_ENTRIES = 32
MAX_BYTES = 64 * 2**20        # a 10-s line is ~1 MB of audio and 0.15 MB of statistics


def render_key(al, style, seed: int, device) -> str:
    """What a full render of `al` with the [1, 256] `style` depends on, hashed."""
    h = hashlib.blake2b("\x1f".join(al.phonemes).encode(), digest_size=20)
    for arr in (al.durations, al.f0, al.energy, style.detach().float().cpu().numpy()):
        a = np.ascontiguousarray(arr)
        h.update(f"|{a.dtype.str}{a.shape}|".encode())
        h.update(a.tobytes())
    h.update(f"|seed={seed}|device={device}".encode())
    return h.hexdigest()


def _nbytes(audio: np.ndarray, stats: list) -> int:
    return audio.nbytes + sum(t.numel() * t.element_size() for pair in stats for t in pair)


class RenderCache:
    """key -> (audio before the line gain, the decoder's norm statistics); least recently
    used out first, at most MAX_ENTRIES and MAX_BYTES."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[str, tuple[np.ndarray, list, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def get(self, key: str) -> tuple[np.ndarray, list] | None:
        """(a copy of the audio, the statistics), or None."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return kept[0].copy(), kept[1]

    def put(self, key: str, audio: np.ndarray, stats: list) -> tuple[np.ndarray, list]:
        """Keep a render; returns (a copy of the audio, the statistics), as get() does."""
        audio = np.array(audio, dtype=np.float32, copy=True)
        size = _nbytes(audio, stats)
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key)[2]
            if size <= self.max_bytes:
                self._entries[key] = (audio, stats, size)
                self._bytes += size
            while self._entries and (len(self._entries) > self.max_entries
                                     or self._bytes > self.max_bytes):
                self._bytes -= self._entries.popitem(last=False)[1][2]
        return audio.copy(), stats

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0


def has_render(eng, al) -> bool:
    """Whether the engine keeps a full render of `al` (then a progressive preview of it
    need not decode: Engine.render gives the exact audio at once)."""
    style = eng._style(al.voice, len(al.phonemes))
    return render_key(al, style, eng.seed, eng.device) in eng.renders
