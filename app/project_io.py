"""Project files for the editor: the demo, and new projects without the video analysis.

Qt-free (autosave and recovery are in app/recovery.py).
"""
from __future__ import annotations

from pathlib import Path

from core.errors import UserError
from core.project import Cue, Project, VideoInfo, file_sha256

ROOT = Path(__file__).resolve().parent.parent


def demo_path() -> Path:
    return ROOT / "resources" / "demo" / "demo.json"


def probe_video(path: str) -> VideoInfo:
    import cv2
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        raise UserError(f"cannot open the video {path}: not a video file OpenCV can read")
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    frames = cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0
    cap.release()
    from core.audio import AudioError, read_media_audio
    try:
        has_audio = len(read_media_audio(path, 8000)) > 0
    except AudioError:
        has_audio = False
    return VideoInfo(path=str(Path(path).resolve()), sha256=file_sha256(path), fps=float(fps),
                     duration=float(frames / fps), has_audio=has_audio)


def script_lines(script_path: str) -> list[tuple[str, float | None, float | None]]:
    """(text, start, end) per line of a .txt (one line per cue) or .srt script."""
    from core.script import load_script
    return [(ln.text, ln.start, ln.end) for ln in load_script(script_path).lines]


def new_project(video: str, script_path: str) -> tuple[Project, str]:
    """A project from a video and a script, without the video analysis.

    SRT times are used when the script has them; otherwise the lines are spread
    evenly over the video, and the note says so.
    """
    lines = script_lines(script_path)
    if not lines:
        raise UserError("the script is empty: write one line of dialogue per line of text")
    info = probe_video(video)
    slot = info.duration / len(lines)
    cues = []
    for i, (text, start, end) in enumerate(lines):
        if start is None or end is None:
            start, end = i * slot, (i + 1) * slot - min(0.1, slot * 0.1)
        cues.append(Cue(id=f"c{i + 1:03d}", text=text, start=round(start, 3), end=round(end, 3)))
    timed = all(s is not None for _, s, _ in lines)
    note = (f"{len(cues)} cues at their SRT times" if timed else
            f"{len(cues)} cues spread evenly over {info.duration:.1f} s; "
            "set their in/out times or run `python main.py analyze`")
    return Project(video=info, cues=cues), note
