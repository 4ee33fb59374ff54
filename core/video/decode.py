"""Reading video frames (OpenCV) and the audio track (the ffmpeg that ships with
imageio-ffmpeg). Everything streams: a long film never sits in memory whole."""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import cv2
import numpy as np

from core.audio import ffmpeg_exe
from core.errors import UserError

AUDIO_SR = 16000            # every audio measurement here runs at 16 kHz mono


class VideoError(UserError):
    """A video that cannot be opened or decoded; the message says what to do."""


@dataclass
class VideoMeta:
    path: str
    fps: float
    n_frames: int
    duration: float          # seconds
    width: int
    height: int
    has_audio: bool


@dataclass
class Frame:
    index: int               # frame number in the file
    time: float              # seconds
    small: np.ndarray        # BGR, downscaled to at most `max_width` wide
    full: np.ndarray         # BGR, as decoded (used for face crops)


def _ffmpeg_info(path: str) -> str:
    """ffmpeg's stream listing (stderr of `ffmpeg -i`)."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", path],
                          capture_output=True, text=True, errors="replace", timeout=60)
    return proc.stderr


STILL_FORMATS = re.compile(r"Input #0, (\w+_pipe|image2|png|apng|webp)\b")


def _streams(info: str) -> tuple[bool, bool]:
    """(a picture stream, an audio stream) in ffmpeg's listing; cover art is no picture."""
    video = any("attached pic" not in ln for ln in re.findall(r"Stream #\S+.*: Video:.*", info))
    return video, re.search(r"Stream #\S+.*: Audio:", info) is not None


def _check_kind(path: str, info: str) -> None:
    """A precise message for what is not a video: an image, a sound file, not media."""
    has_video, has_audio = _streams(info)
    if not has_video and has_audio:
        raise VideoError(f"{path} holds only audio, no picture: give the video file itself")
    if not has_video:
        raise VideoError(f"{path} is damaged or not a video FFmpeg can read (no picture or sound "
                         "streams found); re-export it, for example as H.264 mp4")
    still = STILL_FORMATS.search(info)
    if still:
        raise VideoError(f"{path} is a still image ({still.group(1).replace('_pipe', '')}), "
                         "not a video")


def probe(path: str | Path) -> VideoMeta:
    """Frame rate, length, size and whether there is an audio track."""
    path = str(path)
    if not Path(path).is_file():
        raise VideoError(f"no such video file: {path}")
    info = _ffmpeg_info(path)
    _check_kind(path, info)
    cap = cv2.VideoCapture(path)
    try:
        ok, frame = cap.read() if cap.isOpened() else (False, None)
        if not ok or frame is None:
            raise VideoError(f"cannot decode {path}: the file is damaged or not a video "
                             "OpenCV/FFmpeg can read; re-export it (for example as H.264 mp4)")
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
        n = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        h, w = frame.shape[:2]
    finally:
        cap.release()
    if not (1.0 <= fps <= 240.0):
        m = re.search(r"([\d.]+) fps", info)
        fps = float(m.group(1)) if m else 25.0
    has_audio = _streams(info)[1]
    m = re.search(r"Duration: (\d+):(\d+):([\d.]+)", info)
    dur_ff = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3)) if m else 0.0
    duration = n / fps if n > 0 else dur_ff
    if n <= 0:
        n = int(round(dur_ff * fps))
    if duration <= 0 or n <= 1:
        raise VideoError(f"{path} has {max(n, 1)} frame(s) and no length: not a video to analyse")
    return VideoMeta(path, fps, n, duration, w, h, has_audio)


def _downscale(img: np.ndarray, max_width: int) -> np.ndarray:
    h, w = img.shape[:2]
    if w <= max_width:
        return img
    return cv2.resize(img, (max_width, int(round(h * max_width / w))), interpolation=cv2.INTER_LINEAR)


def iter_frames(path: str, fps: float, start: float = 0.0, end: float | None = None,
                stride: int = 1, max_width: int = 640) -> Iterator[Frame]:
    """Every `stride`-th frame with time in [start, end). Skipped frames are only
    grabbed (demuxed and decoded, not converted)."""
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise VideoError(f"cannot open {path}")
    try:
        first = max(0, int(np.floor(start * fps + 1e-6)))
        if first > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, first)
        idx = first
        while True:
            t = idx / fps
            if end is not None and t >= end:
                break
            if (idx - first) % stride:
                if not cap.grab():
                    break
            else:
                ok, full = cap.read()
                if not ok:
                    break
                yield Frame(idx, t, _downscale(full, max_width), full)
            idx += 1
    finally:
        cap.release()


def _ffmpeg_audio_cmd(path: str, sr: int, start: float, duration: float | None) -> list[str]:
    # fast input seek to a little before `start`, then an exact output-side trim
    pre = min(start, 2.0)
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-nostdin"]
    if start - pre > 0:
        cmd += ["-ss", f"{start - pre:.3f}"]
    cmd += ["-i", path]
    if pre > 0:
        cmd += ["-ss", f"{pre:.3f}"]
    if duration is not None:
        cmd += ["-t", f"{max(duration, 0.0):.3f}"]
    return cmd + ["-vn", "-ac", "1", "-ar", str(sr), "-f", "f32le", "-"]


def read_audio(path: str, start: float = 0.0, duration: float | None = None,
               sr: int = AUDIO_SR) -> np.ndarray:
    """Mono float32 audio of [start, start+duration) (the whole track when None)."""
    proc = subprocess.run(_ffmpeg_audio_cmd(path, sr, start, duration), capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise VideoError(f"cannot read the audio of {path}: {msg[-1] if msg else 'ffmpeg failed'}")
    return np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)


def iter_audio_blocks(path: str, block_seconds: float = 20.0, sr: int = AUDIO_SR) -> Iterator[np.ndarray]:
    """The whole audio track as consecutive mono float32 blocks (streamed from ffmpeg)."""
    from core.audio import AudioError, iter_media_audio
    try:
        yield from iter_media_audio(path, sr, block_seconds, _ffmpeg_audio_cmd(path, sr, 0.0, None))
    except AudioError as e:
        raise VideoError(str(e).replace("cannot decode audio from", "cannot read the audio of")) from None
