"""F0 and energy curves of a recording on the backbone's 12.5 ms grid."""
from __future__ import annotations

import numpy as np

from core.constants import CURVE_PER_FRAME, FRAME_SECONDS, SAMPLE_RATE

CURVE_SECONDS = FRAME_SECONDS / CURVE_PER_FRAME     # 12.5 ms


def f0_curve(audio16: np.ndarray, n_curve: int) -> np.ndarray:
    """swift-f0 (16 ms hop) resampled to the 12.5 ms curve: log-interpolated where both
    neighbours are voiced, 0 where the nearest frame is unvoiced."""
    from core.speech.pitch import HOP_SECONDS as PITCH_HOP_SECONDS, pitch_track
    track = pitch_track(audio16).astype(np.float64)
    t_src = (np.arange(len(track)) + 0.5) * PITCH_HOP_SECONDS
    t = (np.arange(n_curve) + 0.5) * CURVE_SECONDS
    nearest = np.clip(np.round(t / PITCH_HOP_SECONDS - 0.5).astype(int), 0, len(track) - 1)
    voiced = track[nearest] > 0
    out = np.zeros(n_curve)
    if (track > 0).sum() >= 2:
        v = track > 0
        out[voiced] = np.exp(np.interp(t[voiced], t_src[v], np.log(track[v])))
    return out.astype(np.float32)


def energy_curves(audio24: np.ndarray, n_curve: int) -> tuple[np.ndarray, np.ndarray]:
    """(dB RMS over 25 ms, backbone N) per 12.5 ms. N follows StyleTTS2's training:
    ln of the L2 norm over 80 HTK mel bins of the power spectrum (n_fft 2048, win 1200,
    hop 300, centred), mel + 1e-5."""
    from core.audio import mel_filterbank
    hop, n_fft, win = 300, 2048, 1200
    x = np.pad(np.asarray(audio24, np.float64), (n_fft // 2, n_fft // 2 + n_curve * hop), mode="reflect"
               if len(audio24) > n_fft else "constant")
    idx = np.arange(n_fft)[None] + hop * np.arange(n_curve)[:, None]
    window = np.zeros(n_fft)
    window[(n_fft - win) // 2:(n_fft - win) // 2 + win] = np.hanning(win + 1)[:-1]
    power = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
    mel = power @ mel_filterbank(SAMPLE_RATE, n_fft, 80).T.astype(np.float64)
    n = np.log(np.linalg.norm(mel + 1e-5, axis=1))
    rms_idx = n_fft // 2 - 300 + np.arange(600)[None] + hop * np.arange(n_curve)[:, None]
    rms = np.sqrt((x[rms_idx] ** 2).mean(axis=1))
    db = 20 * np.log10(rms + 1e-5)
    return db.astype(np.float32), n.astype(np.float32)
