"""Audio helpers: read/write (whole or streamed in blocks), resample, mixing, display mel;
loudness is in core/loudness.py.

Mono float32 arrays throughout. No Qt here.
"""
from __future__ import annotations

import subprocess
from math import gcd
from pathlib import Path

import numpy as np

from core.errors import UserError
from core.fileio import atomic_target


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


def _no_audio_reason(stderr: str) -> str:
    """ffmpeg's stderr -> the line that says why (no audio track named plainly)."""
    if "matches no streams" in stderr or "does not contain any stream" in stderr:
        return "the file has no audio track"
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else "ffmpeg failed"


def _decode_cmd(path, sample_rate: int) -> list[str]:
    return [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0", "-vn",
            "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]


def read_media_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Decode the first audio stream of any media file with the bundled ffmpeg."""
    proc = subprocess.run(_decode_cmd(path, sample_rate), capture_output=True)
    if proc.returncode != 0:
        reason = _no_audio_reason(proc.stderr.decode(errors="replace"))
        raise AudioError(f"cannot decode audio from {path}: {reason}")
    return np.frombuffer(proc.stdout, dtype=np.float32).copy()


def iter_media_audio(path: str | Path, sample_rate: int, block_seconds: float = 10.0,
                     cmd: list[str] | None = None):
    """The first audio stream as consecutive mono float32 blocks, streamed from ffmpeg
    (`cmd`: another ffmpeg command writing f32le to stdout)."""
    proc = subprocess.Popen(cmd or _decode_cmd(path, sample_rate),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    nbytes = max(1, int(block_seconds * sample_rate)) * 4
    finished = False
    try:
        while True:
            buf = proc.stdout.read(nbytes)
            if not buf:
                finished = True
                break
            yield np.frombuffer(buf[: len(buf) // 4 * 4], dtype="<f4").astype(np.float32)
    finally:
        proc.stdout.close()
        if not finished:
            proc.kill()
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if proc.wait() != 0 and finished:
            raise AudioError(f"cannot decode audio from {path}: {_no_audio_reason(err)}")


def write_wav(path: str | Path, audio: np.ndarray, sample_rate: int,
              subtype: str = "PCM_24") -> Path:
    """Write atomically: a failure leaves any earlier file at `path` untouched."""
    return write_wav_blocks(path, [audio], sample_rate, subtype)


def write_wav_blocks(path: str | Path, blocks, sample_rate: int, subtype: str = "PCM_24") -> Path:
    """Write a mono WAV block by block (memory stays flat with length), atomically:
    a hidden temp file beside `path` replaces it at the end, or is removed on failure."""
    import os

    import soundfile as sf
    path = Path(path)
    with atomic_target(path) as tmp:
        with sf.SoundFile(str(tmp), "w", sample_rate, 1, subtype, format="WAV") as f:
            for b in blocks:
                b = np.asarray(b, dtype=np.float32)
                if not np.isfinite(b).all():
                    raise AudioError("audio contains NaN or infinite samples")
                f.write(np.clip(b, -1, 1))
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
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
_SLANEY_LOGSTEP = np.log(6.4) / 27.0      # Slaney's mel: linear to 1 kHz (15 mel), log above


def _hz_to_mel(f, slaney: bool):
    f = np.asarray(f, np.float64)
    if not slaney:
        return 2595.0 * np.log10(1.0 + f / 700.0)
    return np.where(f >= 1000.0, 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / _SLANEY_LOGSTEP,
                    f * 0.015)


def _mel_to_hz(m, slaney: bool):
    m = np.asarray(m, np.float64)
    if not slaney:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    return np.where(m >= 15.0, 1000.0 * np.exp(_SLANEY_LOGSTEP * (m - 15.0)), m / 0.015)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None, slaney: bool = False) -> np.ndarray:
    """Triangular mel filters, [n_mels, n_fft//2+1]: HTK-style with peaks of 1, or
    (slaney) librosa.filters.mel's default: Slaney's scale, each filter of unit area."""
    fmax = fmax or sample_rate / 2
    edges = _mel_to_hz(np.linspace(_hz_to_mel(fmin, slaney), _hz_to_mel(fmax, slaney), n_mels + 2),
                       slaney)
    bins = np.linspace(0, sample_rate / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (bins[None] - lo) / np.maximum(mid - lo, 1e-9)
    down = (hi - bins[None]) / np.maximum(hi - mid, 1e-9)
    weights = np.maximum(0.0, np.minimum(up, down))
    if slaney:
        weights *= 2.0 / (hi - lo)
    return weights.astype(np.float32)


def frame_power(x: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Power spectra of Hann-windowed frames every `hop` samples (no padding), [frames, bins]."""
    frames = np.lib.stride_tricks.sliding_window_view(x, n_fft)[::hop] * np.hanning(n_fft)
    return np.abs(np.fft.rfft(frames, axis=1)) ** 2


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
