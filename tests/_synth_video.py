"""Synthetic test videos written with OpenCV.

A real face photo that ships with matplotlib (a dependency of mediapipe) gets a
dark mouth opening drawn onto it at a known rhythm; FaceMesh reads the drawn
opening as parted lips. A drawn one-eyed robot (which FaceMesh does not detect)
covers the no-face path.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import cv2
import numpy as np

FPS = 25


def photo() -> np.ndarray | None:
    # found without importing matplotlib (test_analyze asks at collection, on every worker)
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return None
    p = os.path.join(list(spec.submodule_search_locations)[0], "mpl-data", "sample_data",
                     "grace_hopper.jpg")
    img = cv2.imread(p)
    return None if img is None else cv2.resize(img, (256, 300), interpolation=cv2.INTER_AREA)


def _mouth_geometry(img: np.ndarray):
    import mediapipe as mp
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True) as fm:
        res = fm.process(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    lm = res.multi_face_landmarks[0].landmark
    h, w = img.shape[:2]
    pt = lambda i: np.array([lm[i].x * w, lm[i].y * h])
    centre = (pt(13) + pt(14)) / 2
    return centre, float(np.linalg.norm(pt(61) - pt(291))), float(np.linalg.norm(pt(33) - pt(263)))


def draw_mouth(img: np.ndarray, geom, opening: float) -> np.ndarray:
    """`opening`: inner-lip gap in eye-corner distances (0 = closed)."""
    out = img.copy()
    if opening > 0.01:
        (cx, cy), mw, eye = geom
        cv2.ellipse(out, (int(cx), int(cy + opening * eye * 0.25)),
                    (int(mw * 0.4), max(1, int(opening * eye / 2))), 0, 0, 360, (30, 20, 40), -1, cv2.LINE_AA)
    return out


def syllable_openings(seconds: float, rate: float, pause: tuple[float, float] | None = None,
                      lead: float = 0.0, fps: int = FPS) -> np.ndarray:
    """Mouth openings per frame: `rate` open-close cycles per second from `lead`
    seconds on, closed during `pause` and before `lead`."""
    t = np.arange(int(round(seconds * fps))) / fps
    o = np.maximum(0.0, np.sin(2 * np.pi * rate * (t - lead))) * 0.35
    o[t < lead] = 0.0
    if pause:
        o[(t >= pause[0]) & (t < pause[1])] = 0.0
    return o


def open_writer(path: Path, size: tuple[int, int], fps: int = FPS) -> cv2.VideoWriter:
    vw = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert vw.isOpened(), "OpenCV cannot write MJPG here"
    return vw


def write_talking(path: Path, openings: np.ndarray, second_face: bool = False, fps: int = FPS) -> Path:
    """The photo with the mouth drawn per `openings`; with `second_face`, a still
    copy of the face stands on the right."""
    img = photo()
    geom = _mouth_geometry(img)
    h, w = img.shape[:2]
    vw = open_writer(path, (w * 2 if second_face else w, h), fps)
    for o in openings:
        fr = draw_mouth(img, geom, float(o))
        vw.write(np.concatenate([fr, img], axis=1) if second_face else fr)
    vw.release()
    return path


def write_cartoon(path: Path, openings: np.ndarray, fps: int = FPS) -> Path:
    """A flat one-eyed robot (a stylised character FaceMesh does not take for a
    face) whose mouth opens per `openings`."""
    vw = open_writer(path, (240, 240), fps)
    for o in openings:
        fr = np.full((240, 240, 3), (200, 120, 60), np.uint8)
        cv2.rectangle(fr, (40, 40), (200, 200), (60, 200, 250), -1)
        cv2.circle(fr, (120, 90), 20, (0, 0, 0), -1)
        cv2.rectangle(fr, (80, 150), (160, 150 + max(2, int(o * 80))), (20, 20, 120), -1)
        vw.write(fr)
    vw.release()
    return path


def mux_audio(video: Path, audio: np.ndarray, sr: int, out: Path) -> Path:
    """The same video with a mono audio track (AAC in .mkv)."""
    import imageio_ffmpeg
    import soundfile as sf
    wav = out.with_suffix(".wav")
    sf.write(wav, audio, sr)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(video),
                    "-i", str(wav), "-c:v", "copy", "-c:a", "aac", "-shortest", str(out)], check=True)
    return out


def babble(rate: float, seconds: float, f0: float = 130.0, sr: int = 16000) -> np.ndarray:
    """Vowel-like syllables (a pulse train through three formant resonators, one
    vowel per syllable, sin^2 envelope) at `rate` syllables per second. silero-vad
    takes it for speech."""
    from scipy.signal import lfilter
    vowels = [[(730, 90), (1090, 110), (2440, 170)], [(270, 60), (2290, 100), (3010, 120)],
              [(570, 80), (840, 90), (2410, 160)]]
    out = []
    n = int(round(sr / rate))
    for i in range(int(round(seconds * rate))):
        src = np.zeros(n)
        src[::int(sr / (f0 * (1 + 0.1 * np.sin(i))))] = 1.0
        y = src
        for freq, bw in vowels[i % 3]:
            r, th = np.exp(-np.pi * bw / sr), 2 * np.pi * freq / sr
            y = lfilter([1 - r], [1, -2 * r * np.cos(th), r * r], y)
        out.append(y * np.sin(np.pi * np.arange(n) / n) ** 2)
    y = np.concatenate(out)
    return (0.3 * y / np.abs(y).max()).astype(np.float32)
