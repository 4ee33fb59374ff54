"""The evaluation manifest (the format of ../shared/clips/manifest.json).

    {"clips": [{"id": "...", "video": "video/x.mp4", "script": "...",
                "references": [{"audio": "reference/r.wav", "script": "..."}],   # optional
                "peer_outputs": {"SystemName": "peers/x.mp4"}}]}                 # optional

Paths are relative to the manifest's folder. The video's own audio track is the
ground truth; each peer output's audio track is that system's dub.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError
from core.fileio import read_json


class ManifestError(UserError):
    """The manifest cannot be used; the message names the clip and the field."""


@dataclass
class Reference:
    audio: Path
    script: str = ""

    @property
    def speaker_tag(self) -> str:
        """'s26' for 'reference/s26-pwan7p.wav': matches '(s26 voice)' in a peer's name."""
        return self.audio.stem.split("-")[0]


@dataclass
class Clip:
    id: str
    video: Path
    script: str
    source: str = ""
    references: list[Reference] = field(default_factory=list)
    peer_outputs: dict[str, Path] = field(default_factory=dict)

    def reference_for(self, system: str) -> Reference | None:
        """The reference a system used: the one named in '(sNN voice)', else the first."""
        m = re.search(r"\((\S+) voice\)", system)
        if m:
            for ref in self.references:
                if ref.speaker_tag == m.group(1):
                    return ref
        return self.references[0] if self.references else None


@dataclass
class Manifest:
    path: Path
    clips: list[Clip]

    def missing_files(self) -> list[str]:
        out = []
        for c in self.clips:
            paths = [c.video] + [r.audio for r in c.references] + list(c.peer_outputs.values())
            out += [f"{c.id}: {p}" for p in paths if not p.is_file()]
        return out


def _text(d: dict, key: str, where: str, required: bool = True) -> str:
    v = d.get(key, "" if not required else None)
    if v is None:
        raise ManifestError(f"{where} has no {key!r}")
    if not isinstance(v, str) or (required and not v.strip()):
        raise ManifestError(f"{where}: {key!r} must be a non-empty string")
    return v.strip()


def _parse_clip(d: object, i: int, root: Path) -> Clip:
    where = f"clip #{i + 1}"
    if not isinstance(d, dict):
        raise ManifestError(f"{where} must be an object, not {type(d).__name__}")
    cid = _text(d, "id", where)
    where = f"clip {cid!r}"
    refs_raw = d.get("references") or []
    if not isinstance(refs_raw, list):
        raise ManifestError(f"{where}: 'references' must be a list")
    refs = []
    for j, r in enumerate(refs_raw):
        if isinstance(r, str):
            r = {"audio": r}
        if not isinstance(r, dict):
            raise ManifestError(f"{where}: reference #{j + 1} must be an object with 'audio'")
        refs.append(Reference(root / _text(r, "audio", f"{where} reference #{j + 1}"),
                              _text(r, "script", where, required=False)))
    peers_raw = d.get("peer_outputs") or {}
    if not isinstance(peers_raw, dict):
        raise ManifestError(f"{where}: 'peer_outputs' must map system names to files")
    peers = {}
    for name, p in peers_raw.items():
        if not isinstance(p, str) or not p.strip():
            raise ManifestError(f"{where}: peer output {name!r} must be a file path")
        peers[str(name)] = root / p
    return Clip(id=cid, video=root / _text(d, "video", where), script=_text(d, "script", where),
                source=str(d.get("source", "")), references=refs, peer_outputs=peers)


def load_manifest(path: str | Path, check_files: bool = True) -> Manifest:
    """Parse and check a manifest; raise ManifestError with a clear message."""
    path = Path(path)
    data = read_json(path, "manifest", ManifestError, "; give the manifest.json inside it")
    if not isinstance(data, dict) or "clips" not in data:
        raise ManifestError(f"{path} has no 'clips' list (see the Evaluation section of README.md for the format)")
    if not isinstance(data["clips"], list) or not data["clips"]:
        raise ManifestError(f"{path}: 'clips' must be a non-empty list")
    clips = [_parse_clip(d, i, path.parent) for i, d in enumerate(data["clips"])]
    seen = set()
    for c in clips:
        if c.id in seen:
            raise ManifestError(f"{path}: clip id {c.id!r} appears twice")
        seen.add(c.id)
    man = Manifest(path, clips)
    if check_files:
        missing = man.missing_files()
        if missing:
            more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
            raise ManifestError(f"{path}: files not found: " + "; ".join(missing[:5]) + more)
    return man
