"""Third-octave bands over FFT bins, shared by the tone match (core.tone) and the room
tone (core.ambience): which bins each band holds, and an EQ by band levels."""
from __future__ import annotations

import numpy as np


def band_bins(n_fft: int, sr: int, centres: np.ndarray) -> list[np.ndarray]:
    """For each third-octave centre, the mask of the rfft bins in its band."""
    freqs = np.fft.rfftfreq(n_fft, 1 / sr)
    return [(freqs >= c * 2 ** (-1 / 6)) & (freqs < c * 2 ** (1 / 6)) for c in centres]


def band_eq(x: np.ndarray, sr: int, centres: np.ndarray, gain_db, n: int) -> np.ndarray:
    """`x` filtered by gains `gain_db` at `centres` (interpolated on a log-frequency
    axis, held beyond the outer bands), with an FFT of `n` points; as long as `x`."""
    freqs = np.fft.rfftfreq(n, 1 / sr)
    gain = np.interp(np.log2(np.maximum(freqs, 1.0)), np.log2(centres), gain_db)
    return np.fft.irfft(np.fft.rfft(x, n) * 10 ** (gain / 20), n)[: len(x)]
