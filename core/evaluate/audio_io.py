"""Audio for the metrics: decode any file's audio track (wav, mp4, ...) to mono
float32 at a chosen rate with imageio-ffmpeg's bundled ffmpeg, and resample arrays."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np

EVAL_SR = 16000          # every metric model here runs at 16 kHz


class MetricError(ValueError):
    """A metric cannot be computed for this input; the message says why."""


def ffmpeg_exe() -> str:
    try:
        import imageio_ffmpeg
    except ImportError:
        from core.errors import ModelMissingError
        raise ModelMissingError("imageio-ffmpeg is not installed: run `bash scripts/setup.sh`") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def load_audio(path: str | Path, sr: int = EVAL_SR) -> np.ndarray:
    """The first audio track of `path` as mono float32 at `sr` Hz."""
    path = Path(path)
    if not path.is_file():
        raise MetricError(f"no such audio or video file: {path}")
    cmd = [ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0",
           "-vn", "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        reason = msg[-1] if msg else f"ffmpeg exit status {proc.returncode}"
        if "matches no streams" in reason:
            reason = "the file has no audio track"
        raise MetricError(f"cannot read audio from {path.name}: {reason}")
    audio = np.frombuffer(proc.stdout, dtype=np.float32).copy()
    if audio.size == 0:
        raise MetricError(f"{path.name} has an empty audio track")
    return audio


def resample(audio: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    """Band-limited resampling (soxr when installed, else polyphase scipy)."""
    audio = np.asarray(audio, dtype=np.float32)
    if sr_from == sr_to:
        return audio
    try:
        import soxr
        return soxr.resample(audio, sr_from, sr_to).astype(np.float32)
    except ImportError:
        from math import gcd
        from scipy.signal import resample_poly
        g = gcd(sr_from, sr_to)
        return resample_poly(audio, sr_to // g, sr_from // g).astype(np.float32)


def check_audible(audio: np.ndarray, what: str = "audio", min_seconds: float = 0.1,
                  sr: int = EVAL_SR) -> np.ndarray:
    """Raise MetricError for empty, too short, non-finite or silent audio."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise MetricError(f"{what}: expected mono audio, got shape {audio.shape}")
    if audio.size < min_seconds * sr:
        raise MetricError(f"{what} is too short ({audio.size / sr:.3f} s)")
    if not np.all(np.isfinite(audio)):
        raise MetricError(f"{what} contains NaN or infinite samples")
    if float(np.max(np.abs(audio))) < 1e-4:
        raise MetricError(f"{what} is silent (peak below -80 dBFS): nothing to measure")
    return audio


def write_wav(path: str | Path, audio: np.ndarray, sr: int) -> None:
    import io

    import soundfile as sf

    from core.fileio import atomic_write_bytes
    buf = io.BytesIO()
    sf.write(buf, np.asarray(audio, dtype=np.float32), sr, format="WAV", subtype="PCM_16")
    atomic_write_bytes(path, buf.getvalue())
