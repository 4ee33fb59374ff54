"""The versioned JSON project: video, cues, instructions, alignments.

Plain JSON, saved atomically; readers refuse files from a newer version.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.alignment import Alignment
from core.errors import UserError
from core.fileio import atomic_write_text

PROJECT_VERSION = 1
ENTITIES = ("happy", "angry", "disgust", "fear", "neutral", "sad", "surprise")


class ProjectError(UserError, ValueError):
    """A project file that cannot be read; the message says why."""


@dataclass
class VideoInfo:
    path: str = ""
    sha256: str = ""
    fps: float = 25.0
    duration: float = 0.0               # seconds
    has_audio: bool = False


@dataclass
class Cue:
    id: str
    text: str
    start: float                        # seconds on the video
    end: float
    rate_instruction: str = ""
    emotion_instruction: str = ""
    entities: dict = field(default_factory=dict)        # {entity: weight}
    measurements: dict = field(default_factory=dict)    # from video/guide analysis
    voice: str | dict = "jm_kumo"
    alignment: Alignment | None = None
    edited: dict = field(default_factory=dict)          # {"durations": True, ...}

    @property
    def slot(self) -> float:
        return max(0.0, self.end - self.start)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["alignment"] = self.alignment.to_dict() if self.alignment else None
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Cue":
        try:
            al = d.get("alignment")
            return cls(
                id=str(d["id"]), text=str(d["text"]),
                start=float(d["start"]), end=float(d["end"]),
                rate_instruction=d.get("rate_instruction", "") or "",
                emotion_instruction=d.get("emotion_instruction", "") or "",
                entities={str(k): float(v) for k, v in (d.get("entities") or {}).items()},
                measurements=d.get("measurements") or {},
                voice=d.get("voice", "jm_kumo"),
                alignment=Alignment.from_dict(al) if al else None,
                edited=d.get("edited") or {},
            )
        except KeyError as e:
            raise ProjectError(f"a cue lacks the field {e.args[0]!r}") from None


@dataclass
class Project:
    video: VideoInfo = field(default_factory=VideoInfo)
    cues: list[Cue] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    version: int = PROJECT_VERSION

    def cue(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)

    def to_dict(self) -> dict:
        return {"version": self.version, "video": asdict(self.video),
                "cues": [c.to_dict() for c in self.cues], "settings": self.settings}

    @classmethod
    def from_dict(cls, d: dict) -> "Project":
        if not isinstance(d, dict) or "version" not in d:
            raise ProjectError("not an instructdub project (no version field)")
        v = d["version"]
        if not isinstance(v, int) or v < 1:
            raise ProjectError(f"bad project version {v!r}")
        if v > PROJECT_VERSION:
            raise ProjectError(
                f"this project was written by a newer instructdub (format {v}); "
                f"this version reads format {PROJECT_VERSION} and older")
        vid = d.get("video") or {}
        known = VideoInfo.__dataclass_fields__
        return cls(video=VideoInfo(**{k: vid[k] for k in vid if k in known}),
                   cues=[Cue.from_dict(c) for c in d.get("cues", [])],
                   settings=d.get("settings") or {}, version=PROJECT_VERSION)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def save(self, path: str | Path) -> None:
        atomic_write_text(path, self.to_json())

    @classmethod
    def load(cls, path: str | Path) -> "Project":
        path = Path(path)
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ProjectError(f"no such project file: {path}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ProjectError(f"{path} is not a valid project file ({e})") from None
        proj = cls.from_dict(d)
        # Relative video paths are relative to the project file.
        if proj.video.path and not Path(proj.video.path).is_absolute():
            proj.video.path = str((path.parent / proj.video.path).resolve())
        return proj


def autosave_path(path: str | Path) -> Path:
    """The sidecar autosave file for a project path."""
    p = Path(path)
    return p.with_name(f".{p.name}.autosave")


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
