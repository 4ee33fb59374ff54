"""The versioned JSON project: video, cues, instructions, alignments.

Plain JSON, saved atomically; readers refuse files from a newer version. Every file
is checked against one schema when it is read (core/project_schema.py). A load and a
save keep what this version does not know (unknown keys at project, video and cue
level) and keep a relative video path relative, so a project folder can move.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
from dataclasses import dataclass, field, fields
from pathlib import Path

from core.constants import DEFAULT_VOICE
from core.alignment import Alignment
from core.errors import UserError
from core.fileio import atomic_write_text, read_json
from core.project_schema import ENTITIES, SchemaError, check_cue, check_project  # noqa: F401

PROJECT_VERSION = 1


class ProjectError(UserError, ValueError):
    """A project file that cannot be read; the message says why."""


def _known(cls) -> list[str]:
    return [f.name for f in fields(cls) if f.name not in ("unknown", "stored_relative")]


def _split(cls, d: dict) -> tuple[dict, dict]:
    """(the fields `cls` knows, everything else)."""
    names = set(_known(cls))
    return {k: v for k, v in d.items() if k in names}, {k: v for k, v in d.items() if k not in names}


@dataclass
class VideoInfo:
    path: str = ""
    sha256: str = ""
    fps: float = 25.0
    duration: float = 0.0               # seconds
    has_audio: bool = False
    unknown: dict = field(default_factory=dict, repr=False)          # kept as read
    stored_relative: bool = field(default=False, repr=False)   # the file gave a relative path

    def to_dict(self, base: Path | None = None) -> dict:
        """`base`: the folder of the file being written; a path read as relative is
        written relative to it."""
        d = {k: getattr(self, k) for k in _known(VideoInfo)}
        if self.stored_relative and base is not None and Path(self.path).is_absolute():
            try:
                d["path"] = Path(os.path.relpath(self.path, base)).as_posix()
            except ValueError:           # another drive: stays absolute
                pass
        return {**d, **self.unknown}


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
    voice: str | dict = DEFAULT_VOICE
    alignment: Alignment | None = None
    edited: dict = field(default_factory=dict)          # {"durations": True, ...}
    unknown: dict = field(default_factory=dict, repr=False)   # keys this version does not know

    @property
    def slot(self) -> float:
        return max(0.0, self.end - self.start)

    @property
    def guide(self) -> dict:
        """What analysis measured in the original audio ({} when analysed without it)."""
        return self.measurements.get("guide") or {}

    def to_dict(self) -> dict:
        d = {k: getattr(self, k) for k in _known(Cue)}
        d["alignment"] = self.alignment.to_dict() if self.alignment else None
        return copy.deepcopy({**d, **self.unknown})

    @classmethod
    def from_dict(cls, d: dict, number: int = 1) -> "Cue":
        """A checked cue; ProjectError names the cue and the field."""
        try:
            check_cue(d, number)
        except SchemaError as e:
            raise ProjectError(str(e)) from None
        known, unknown = _split(cls, d)
        al = known.get("alignment")
        return cls(
            id=str(known["id"]), text=known["text"],
            start=float(known["start"]), end=float(known["end"]),
            rate_instruction=known.get("rate_instruction") or "",
            emotion_instruction=known.get("emotion_instruction") or "",
            entities={str(k): float(v) for k, v in (known.get("entities") or {}).items()},
            measurements=known.get("measurements") or {},
            voice=known.get("voice") or DEFAULT_VOICE,
            alignment=Alignment.from_dict(al) if al else None,
            edited=known.get("edited") or {},
            unknown=unknown,
        )


@dataclass
class Project:
    video: VideoInfo = field(default_factory=VideoInfo)
    cues: list[Cue] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    version: int = PROJECT_VERSION
    unknown: dict = field(default_factory=dict, repr=False)

    def cue(self, cue_id: str) -> Cue:
        for c in self.cues:
            if c.id == cue_id:
                return c
        raise KeyError(cue_id)

    def to_dict(self, base: Path | None = None) -> dict:
        return {"version": self.version, "video": self.video.to_dict(base),
                "cues": [c.to_dict() for c in self.cues], "settings": self.settings,
                **self.unknown}

    @classmethod
    def from_dict(cls, d: dict) -> "Project":
        if not isinstance(d, dict) or "version" not in d:
            raise ProjectError("not an instructdub project (no version field)")
        v = d["version"]
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ProjectError(f"bad project version {v!r}")
        if v > PROJECT_VERSION:
            raise ProjectError(
                f"this project was written by a newer instructdub (format {v}); "
                f"this version reads format {PROJECT_VERSION} and older")
        try:
            check_project(d)
        except SchemaError as e:
            raise ProjectError(str(e)) from None
        vid_known, vid_unknown = _split(VideoInfo, d.get("video") or {})
        top_unknown = {k: d[k] for k in d if k not in ("version", "video", "cues", "settings")}
        return cls(video=VideoInfo(**vid_known, unknown=vid_unknown),
                   cues=[Cue.from_dict(c, i) for i, c in enumerate(d.get("cues") or [], 1)],
                   settings=d.get("settings") or {}, version=PROJECT_VERSION,
                   unknown=top_unknown)

    def to_json(self, base: Path | None = None) -> str:
        return json.dumps(self.to_dict(base), ensure_ascii=False, indent=1)

    def save(self, path: str | Path) -> None:
        base = Path(os.path.realpath(Path(path).absolute().parent))
        atomic_write_text(path, self.to_json(base))

    @classmethod
    def load(cls, path: str | Path) -> "Project":
        path = Path(path)
        d = read_json(path, "project file", ProjectError)
        try:
            proj = cls.from_dict(d)
        except ProjectError as e:
            raise ProjectError(f"{path}: {e}") from None
        # Relative video paths are relative to the project file, and stay relative on save.
        if proj.video.path and not Path(proj.video.path).is_absolute():
            proj.video.path = str((path.parent / proj.video.path).resolve())
            proj.video.stored_relative = True
        return proj

    def check_video(self, required: bool = False) -> list[str]:
        """Warnings about the video: changed since the project was made (SHA-256), or
        missing. A missing video raises ProjectError when `required`."""
        v = self.video
        if not v.path:
            return []
        if not Path(v.path).is_file():
            msg = (f"the project's video is missing: {v.path} "
                   "(moved, renamed or on another machine?)")
            if required:
                raise ProjectError(msg)
            return [msg]
        if v.sha256 and file_sha256(v.path) != v.sha256.lower():
            return [f"the video {Path(v.path).name} has changed since the project was made "
                    "(its SHA-256 differs): the cue times may no longer match the picture"]
        return []


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
