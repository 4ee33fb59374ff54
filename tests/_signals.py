"""Test signals and clips made here, shared by several test modules (no test imports
another test module)."""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np
from scipy.signal import lfilter

from core import audio as au
from core.constants import ANALYSIS_SR as EVAL_SR

SR = EVAL_SR


def voiced(seconds=2.0, sr=24000, f0=140.0, seed=0):
    """A speech-like test signal: harmonics with a syllable-rate envelope and pauses."""
    t = np.arange(int(seconds * sr)) / sr
    x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12))
    env = np.clip(np.sin(2 * np.pi * 3.0 * t), 0, None) ** 2
    rng = np.random.default_rng(seed)
    return (0.3 * x * env + 0.002 * rng.standard_normal(len(t))).astype(np.float32)


def speechlike(seconds: float, seed: int = 0, f0: float = 120.0, f0c=None) -> np.ndarray:
    """Glottal pulses through vowel formants, syllable-rate envelope: VAD hears speech.
    `f0c` (Hz per sample) overrides the default wavy pitch contour around `f0`."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    if f0c is None:
        f0c = f0 * (1 + 0.15 * np.sin(2 * np.pi * 0.7 * t) + 0.05 * np.sin(2 * np.pi * 3.1 * t))
    pulses = (np.diff(np.floor(np.cumsum(f0c / SR)), prepend=0) > 0).astype(float)
    src = lfilter([1], [1, -0.95], pulses)
    vowels = [(730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480)]
    seg = int(0.12 * SR)
    out = np.zeros(n)
    for s in range(0, n, seg):
        x = src[s:s + seg]
        for f, bw in zip(vowels[rng.integers(len(vowels))], (80, 100, 120)):
            r, th = np.exp(-np.pi * bw / SR), 2 * np.pi * f / SR
            out[s:s + seg] += lfilter([1 - r], [1, -2 * r * np.cos(th), r * r], x)
    out *= 0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * t - np.pi / 2)
    out += 0.002 * rng.standard_normal(n)
    return (0.3 * out / np.max(np.abs(out))).astype(np.float32)


def placed(speech: np.ndarray, at_seconds: float, total_seconds: float) -> np.ndarray:
    track = np.zeros(int(total_seconds * SR), np.float32)
    i = int(round(at_seconds * SR))
    track[i:i + len(speech)] = speech
    return track


def make_video(path, seconds=3.0, audio: np.ndarray | None = None, sr: int = 24000):
    """A small real H.264/AAC clip made with the bundled ffmpeg; its sound is a
    330 Hz tone, or `audio` (mono float at `sr`) when given."""
    with tempfile.TemporaryDirectory() as tmp:
        if audio is None:
            sound = ["-f", "lavfi", "-i", f"sine=frequency=330:sample_rate=44100:duration={seconds}"]
        else:
            wav = Path(tmp) / "sound.wav"
            au.write_wav(wav, audio, sr)
            sound = ["-i", str(wav)]
        cmd = [au.ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
               f"testsrc=size=160x120:rate=25:duration={seconds}", *sound,
               "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)]
        subprocess.run(cmd, check=True)
    return path
