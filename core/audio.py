"""Audio helpers: read/write, resample, mixing, display mel, loudness.

Mono float32 arrays throughout. No Qt here.
"""
from __future__ import annotations

import io
import subprocess
from math import gcd
from pathlib import Path

import numpy as np

from core.errors import UserError
from core.fileio import atomic_write_bytes


class AudioError(UserError):
    """Audio that cannot be read or written; the message says why."""


# ---------------------------------------------------------------- read/write
def read_audio(path: str | Path, sample_rate: int | None = None) -> tuple[np.ndarray, int]:
    """Read a sound file (or the audio track of a video) as mono float32."""
    path = Path(path)
    if not path.exists():
        raise AudioError(f"no such audio file: {path}")
    import soundfile as sf
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
        audio = data.mean(axis=1)
    except Exception:  # not a format libsndfile reads: ask ffmpeg (mp4, m4a, ...)
        sr = sample_rate or 48000
        audio = read_media_audio(path, sr)
    if sample_rate and sr != sample_rate:
        audio, sr = resample(audio, sr, sample_rate), sample_rate
    return audio.astype(np.float32), sr


def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg
        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as e:  # noqa: BLE001 - any failure means no ffmpeg
        raise AudioError(f"ffmpeg is not available (install imageio-ffmpeg): {e}") from None


def read_media_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Decode the first audio stream of any media file with the bundled ffmpeg."""
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-vn",
           "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        reason = msg[-1] if msg else f"ffmpeg exit status {proc.returncode}"
        if "matches no streams" in reason:
            reason = "the file has no audio track"
        raise AudioError(f"cannot decode audio from {path}: {reason}")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy()


def wav_bytes(audio: np.ndarray, sample_rate: int, subtype: str = "PCM_24") -> bytes:
    import soundfile as sf
    audio = np.asarray(audio, dtype=np.float32)
    if not np.isfinite(audio).all():
        raise AudioError("audio contains NaN or infinite samples")
    buf = io.BytesIO()
    sf.write(buf, np.clip(audio, -1, 1), sample_rate, subtype=subtype, format="WAV")
    return buf.getvalue()


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int,
              subtype: str = "PCM_24") -> Path:
    """Write atomically: a failure leaves any earlier file at `path` untouched."""
    path = Path(path)
    atomic_write_bytes(path, wav_bytes(audio, sample_rate, subtype))
    return path


# ---------------------------------------------------------------- resample, mix
def resample(audio: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Band-limited resampling (soxr when installed, else polyphase scipy)."""
    audio = np.asarray(audio, dtype=np.float32)
    if sr_from == sr_to:
        return audio
    try:
        import soxr
        return soxr.resample(audio, sr_from, sr_to).astype(np.float32)
    except ImportError:
        from scipy.signal import resample_poly
        g = gcd(int(sr_from), int(sr_to))
        return resample_poly(audio, sr_to // g, sr_from // g).astype(np.float32)


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def place(track: np.ndarray, clip: np.ndarray, at: int) -> np.ndarray:
    """Add `clip` into `track` starting at sample `at` (clipped to the track)."""
    if at >= len(track) or at + len(clip) <= 0:
        return track
    lo, hi = max(0, at), min(len(track), at + len(clip))
    track[lo:hi] += clip[lo - at:hi - at]
    return track


def mix(a: np.ndarray, b: np.ndarray, gain_a: float = 1.0, gain_b: float = 1.0) -> np.ndarray:
    """Sum two tracks (padded to the longer one)."""
    n = max(len(a), len(b))
    out = np.zeros(n, dtype=np.float32)
    out[:len(a)] += gain_a * a
    out[:len(b)] += gain_b * b
    return out


def fit_length(audio: np.ndarray, n: int) -> np.ndarray:
    if len(audio) >= n:
        return audio[:n]
    return np.concatenate([audio, np.zeros(n - len(audio), dtype=audio.dtype)])


# ---------------------------------------------------------------- display mel
def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int,
                   fmin: float = 0.0, fmax: float | None = None) -> np.ndarray:
    """Triangular HTK-style mel filters, [n_mels, n_fft//2+1]."""
    fmax = fmax or sample_rate / 2
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)          # noqa: E731
    hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)          # noqa: E731
    edges = hz(np.linspace(mel(fmin), mel(fmax), n_mels + 2))
    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - bins[None]) / np.maximum(hi - mid, 1e-9)
    return np.maximum(0.0, np.minimum(up, down)).astype(np.float32)


def mel_spectrogram(audio: np.ndarray, sample_rate: int = 24000, hop: int = 300,
                    n_fft: int = 1024, n_mels: int = 80) -> np.ndarray:
    """Log-mel (dB) for display, [n_frames, n_mels]; one frame per `hop` samples.

    The default hop of 300 samples at 24 kHz is 12.5 ms, the F0 curve's rate.
    """
    audio = np.asarray(audio, dtype=np.float32)
    n_frames = max(1, int(np.ceil(len(audio) / hop)))
    padded = np.pad(audio, (n_fft // 2, n_fft // 2 + n_frames * hop))
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = padded[idx] * np.hanning(n_fft).astype(np.float32)[None]
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    mel = power @ mel_filterbank(sample_rate, n_fft, n_mels).T
    return (10.0 * np.log10(np.maximum(mel, 1e-10))).astype(np.float32)


def envelope(audio: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Min/max per bin, for drawing a waveform cheaply."""
    audio = np.asarray(audio, dtype=np.float32)
    bins = max(1, min(bins, len(audio)))
    usable = len(audio) // bins * bins
    if usable == 0:
        return np.zeros(1, np.float32), np.zeros(1, np.float32)
    blocks = audio[:usable].reshape(bins, -1)
    return blocks.min(axis=1), blocks.max(axis=1)


# ---------------------------------------------------------------- loudness
def loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS (ITU-R BS.1770 via pyloudnorm); -inf for silence."""
    import pyloudnorm as pyln
    audio = np.asarray(audio, dtype=np.float64)
    if len(audio) < int(0.4 * sample_rate):  # one gating block
        audio = np.pad(audio, (0, int(0.4 * sample_rate) - len(audio)))
    return float(pyln.Meter(sample_rate).integrated_loudness(audio))


def true_peak_db(audio: np.ndarray, sample_rate: int) -> float:
    """True peak in dBTP, from 4x oversampling (BS.1770 annex 2)."""
    if len(audio) == 0:
        return float("-inf")
    over = resample(np.asarray(audio, dtype=np.float32), sample_rate, sample_rate * 4) \
        if sample_rate <= 96000 else audio
    peak = float(np.max(np.abs(over)))
    return 20.0 * np.log10(peak) if peak > 0 else float("-inf")


def limit_peaks(audio: np.ndarray, sample_rate: int, ceiling_db: float = -1.0) -> np.ndarray:
    """A plain look-ahead peak limiter that keeps true peaks under `ceiling_db`."""
    ceiling = db_to_gain(ceiling_db - 0.1)  # small margin for inter-sample peaks
    over = np.abs(resample(audio, sample_rate, sample_rate * 4))
    over = over[: len(over) // 4 * 4].reshape(-1, 4).max(axis=1)
    peak = np.zeros(len(audio), dtype=np.float32)
    peak[:len(over)] = over
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    if need.min() >= 1.0:
        return audio
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    hold = max(1, int(0.005 * sample_rate))           # 5 ms look-ahead and hold
    # a min-filter of width 2*hold+1 smoothed by a mean of width <= hold stays
    # under the needed gain at every sample, and has no clicks
    gain = uniform_filter1d(minimum_filter1d(need, size=2 * hold + 1), size=hold)
    return (audio * gain).astype(np.float32)


def normalize_loudness(audio: np.ndarray, sample_rate: int, target_lufs: float = -23.0,
                       ceiling_db: float = -1.0) -> tuple[np.ndarray, float]:
    """Gain to `target_lufs` integrated, then limit to the true-peak ceiling.

    Returns (audio, gain_db). Silent audio is returned unchanged with gain 0.
    """
    current = loudness(audio, sample_rate)
    if not np.isfinite(current):
        return np.asarray(audio, dtype=np.float32), 0.0
    gain_db = target_lufs - current
    out = (np.asarray(audio, dtype=np.float32) * db_to_gain(gain_db)).astype(np.float32)
    for _ in range(2):  # limiting lowers loudness a little: correct once and re-limit
        if ceiling_db is None or true_peak_db(out, sample_rate) <= ceiling_db:
            break
        out = limit_peaks(out, sample_rate, ceiling_db)
        fix = target_lufs - loudness(out, sample_rate)
        out = (out * db_to_gain(fix)).astype(np.float32)
        gain_db += fix
    if ceiling_db is not None and true_peak_db(out, sample_rate) > ceiling_db:
        out = limit_peaks(out, sample_rate, ceiling_db)
    return out, gain_db
