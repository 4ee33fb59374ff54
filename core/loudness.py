"""Loudness (ITU-R BS.1770 integrated, gated), true peak and a look-ahead limiter,
all working on a stream of blocks, so a feature-length track is never held whole.

Each function takes blocks (mono float32 arrays, consecutive); the whole-array forms
(`loudness`, `true_peak_db`, `limit_peaks`, `normalize_loudness`) are the same code
run on a single block.
"""
from __future__ import annotations

from typing import Callable, Iterable, Iterator

import numpy as np

from core.audio import db_to_gain, resample

Blocks = Iterable[np.ndarray]
CONTEXT_SECONDS = 0.05       # neighbour samples seen by the oversampler and the limiter
GATE_ABS, GATE_REL, OFFSET = -70.0, -10.0, -0.691


# ---------------------------------------------------------------- loudness
def _k_filters(sr: int):
    """The two K-weighting stages (pyloudnorm's coefficients): [(b, a, gain)]."""
    import pyloudnorm as pyln
    return [(f.b, f.a, f.passband_gain) for f in pyln.Meter(sr)._filters.values()]


class LoudnessMeter:
    """Integrated loudness of a mono track fed block by block (400 ms gating blocks,
    75 % overlap, absolute and relative gates), equal to pyloudnorm's."""

    def __init__(self, sr: int):
        from scipy.signal import lfilter_zi
        self.sr, self.hop = sr, int(round(0.1 * sr))
        self.stages = [(b, a, g, lfilter_zi(b, a) * 0.0) for b, a, g in _k_filters(sr)]
        self.hops: list[float] = []            # sum of squares per 100 ms hop
        self.rest = np.zeros(0)
        self.n = 0

    def feed(self, block: np.ndarray) -> None:
        from scipy.signal import lfilter
        y = np.asarray(block, dtype=np.float64)
        self.n += len(y)
        for k, (b, a, g, zi) in enumerate(self.stages):
            y, zi = lfilter(b, a, y, zi=zi)
            y = g * y
            self.stages[k] = (b, a, g, zi)
        y = np.concatenate([self.rest, y * y])
        full = len(y) // self.hop * self.hop
        self.hops.extend(y[:full].reshape(-1, self.hop).sum(axis=1).tolist())
        self.rest = y[full:]

    def tee(self, blocks: Blocks) -> Iterator[np.ndarray]:
        """Pass blocks through, measuring them on the way."""
        for b in blocks:
            self.feed(b)
            yield b

    def tee_all(self, blocks: Blocks) -> None:
        for b in blocks:
            self.feed(b)

    def integrated(self) -> float:
        """LUFS; -inf for silence. Tracks under 400 ms count as padded with silence."""
        hops = np.array(self.hops + ([float(self.rest.sum())] if len(self.rest) else []))
        seconds = max(self.n, int(0.4 * self.sr)) / self.sr
        n_blocks = int(np.round((seconds - 0.4) / 0.1)) + 1
        hops = np.concatenate([hops, np.zeros(max(0, n_blocks + 3 - len(hops)))])
        z = np.convolve(hops, np.ones(4), mode="valid")[:n_blocks] / (0.4 * self.sr)
        with np.errstate(divide="ignore"):
            lj = OFFSET + 10 * np.log10(z)
            gated = z[lj >= GATE_ABS]
            if gated.size == 0:
                return float("-inf")
            rel = OFFSET + 10 * np.log10(gated.mean()) + GATE_REL
            keep = z[(lj > rel) & (lj > GATE_ABS)]
            return float(OFFSET + 10 * np.log10(keep.mean())) if keep.size else float("-inf")


def loudness_of(blocks: Blocks, sr: int) -> float:
    meter = LoudnessMeter(sr)
    meter.tee_all(blocks)
    return meter.integrated()


def loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770); -inf for silence."""
    return loudness_of([audio], sample_rate)


# ---------------------------------------------------------------- peaks and limiting
def sample_peaks(audio: np.ndarray, sr: int) -> np.ndarray:
    """|x| at 4x oversampling (BS.1770 annex 2), the largest of the four per sample."""
    audio = np.asarray(audio, dtype=np.float32)
    if sr > 96000:
        return np.abs(audio)
    over = np.abs(resample(audio, sr, sr * 4))
    peak = np.zeros(len(audio), dtype=np.float32)
    usable = min(len(over) // 4, len(audio))
    peak[:usable] = over[:usable * 4].reshape(-1, 4).max(axis=1)
    return peak


def with_context(blocks: Blocks, ctx: int) -> Iterator[tuple[np.ndarray, int, int]]:
    """Each block with up to `ctx` samples of its neighbours on both sides:
    yields (x, start, n) where the block itself is x[start:start + n]."""
    it = iter(blocks)
    cur = next(it, None)
    tail = np.zeros(0, dtype=np.float32)
    while cur is not None:
        nxt = next(it, None)
        head = nxt[:ctx] if nxt is not None else np.zeros(0, dtype=np.float32)
        yield np.concatenate([tail, cur, head]), len(tail), len(cur)
        tail = np.concatenate([tail, cur])[-ctx:] if ctx else tail
        cur = nxt


def true_peak_of(blocks: Blocks, sr: int) -> float:
    """True peak in dBTP of a block stream; -inf for silence."""
    peak = 0.0
    for x, s, n in with_context(blocks, int(CONTEXT_SECONDS * sr)):
        if n and x.any():
            peak = max(peak, float(sample_peaks(x, sr)[s:s + n].max(initial=0.0)))
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def true_peak_db(audio: np.ndarray, sample_rate: int) -> float:
    return true_peak_of([audio], sample_rate)


def limit_peaks(audio: np.ndarray, sample_rate: int, ceiling_db: float = -1.0) -> np.ndarray:
    """A plain look-ahead peak limiter that keeps true peaks under `ceiling_db`."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    audio = np.asarray(audio, dtype=np.float32)
    if not audio.any():
        return audio
    ceiling = db_to_gain(ceiling_db - 0.1)  # small margin for inter-sample peaks
    need = np.minimum(1.0, ceiling / np.maximum(sample_peaks(audio, sample_rate), 1e-12))
    if need.min() >= 1.0:
        return audio
    hold = max(1, int(0.005 * sample_rate))           # 5 ms look-ahead and hold
    # a min-filter of width 2*hold+1 smoothed by a mean of width <= hold stays
    # under the needed gain at every sample, and has no clicks
    gain = uniform_filter1d(minimum_filter1d(need, size=2 * hold + 1), size=hold)
    return (audio * gain).astype(np.float32)


def limited(blocks: Blocks, sr: int, ceiling_db: float) -> Iterator[np.ndarray]:
    """The limiter over a block stream (each block sees its neighbours' edges)."""
    for x, s, n in with_context(blocks, int(CONTEXT_SECONDS * sr)):
        yield limit_peaks(x, sr, ceiling_db)[s:s + n]


def scaled(blocks: Blocks, gain_db: float) -> Iterator[np.ndarray]:
    g = db_to_gain(gain_db)
    for b in blocks:
        yield (np.asarray(b, dtype=np.float32) * g).astype(np.float32)


# ---------------------------------------------------------------- normalisation
def plan_normalization(source: Callable[[], Blocks], sr: int, target_lufs: float = -23.0,
                       ceiling_db: float | None = -1.0) -> tuple[float, bool]:
    """(gain in dB, limit?) that bring the track to `target_lufs` with true peaks under
    `ceiling_db`. `source()` yields the track's blocks afresh on each call (two or three
    passes). Silence: (0.0, False)."""
    current = loudness_of(source(), sr)
    if not np.isfinite(current):
        return 0.0, False
    gain = target_lufs - current
    if ceiling_db is None or true_peak_of(source(), sr) + gain <= ceiling_db:
        return gain, False
    # limiting lowers the loudness a little: measure it once and correct the gain
    after = loudness_of(limited(scaled(source(), gain), sr, ceiling_db), sr)
    return gain + (target_lufs - after if np.isfinite(after) else 0.0), True


def normalized(blocks: Blocks, sr: int, gain_db: float, limit: bool,
               ceiling_db: float | None) -> Iterator[np.ndarray]:
    out = scaled(blocks, gain_db)
    return limited(out, sr, ceiling_db) if limit and ceiling_db is not None else out


def normalize_loudness(audio: np.ndarray, sample_rate: int, target_lufs: float = -23.0,
                       ceiling_db: float | None = -1.0) -> tuple[np.ndarray, float]:
    """Gain to `target_lufs` integrated, then limit to the true-peak ceiling.
    Returns (audio, gain_db). Silent audio is returned unchanged with gain 0."""
    audio = np.asarray(audio, dtype=np.float32)
    gain, limit = plan_normalization(lambda: [audio], sample_rate, target_lufs, ceiling_db)
    if gain == 0.0 and not limit:
        return audio, 0.0
    return np.concatenate(list(normalized([audio], sample_rate, gain, limit, ceiling_db))), gain
