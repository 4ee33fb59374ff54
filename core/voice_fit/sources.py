"""Transcribed recordings of one speaker, from a folder or a manifest.

- a manifest CSV with at least `path` and `text` columns (paths relative to the CSV;
  `speaker` optional), as ../shared/realspeech uses: path,speaker,...,text,...;
- a folder holding `manifest.csv`, or audio files each with a same-named `.txt`
  transcript beside it (`line1.wav` + `line1.txt`).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from core.errors import UserError

AUDIO_EXT = {".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus", ".aac"}


@dataclass
class Recording:
    path: Path
    text: str
    speaker: str = ""


def read_recordings(source: str | Path, speaker: str | None = None,
                    limit: int = 0) -> list[Recording]:
    """The recordings named by a folder or manifest, sorted by path; UserError if none."""
    source = Path(source)
    if source.is_dir():
        manifest = source / "manifest.csv"
        recs = _read_manifest(manifest) if manifest.is_file() else _read_pairs(source)
    elif source.is_file():
        recs = _read_manifest(source)
    else:
        raise UserError(f"no such folder or manifest: {source}")
    if speaker:
        recs = [r for r in recs if r.speaker == speaker]
        if not recs:
            raise UserError(f"no recordings of speaker {speaker!r} in {source}")
    speakers = sorted({r.speaker for r in recs if r.speaker})
    if len(speakers) > 1:
        raise UserError(f"{source} holds several speakers ({', '.join(speakers[:6])}); "
                        "choose one with --speaker")
    recs = sorted(recs, key=lambda r: str(r.path))
    if limit:
        recs = recs[:limit]
    if not recs:
        raise UserError(f"no transcribed recordings in {source}")
    return recs


def _read_manifest(path: Path) -> list[Recording]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise UserError(f"cannot read the manifest {path}: {e}") from None
    if not rows or not {"path", "text"} <= set(rows[0]):
        raise UserError(f"{path} needs a header with 'path' and 'text' columns")
    out = []
    for row in rows:
        out.append(Recording(_resolve(path.parent, row["path"]), (row["text"] or "").strip(),
                             (row.get("speaker") or "").strip()))
    return out


def _resolve(base: Path, rel: str) -> Path:
    """A manifest path, relative to the manifest's folder or to the one above it."""
    for root in (base, base.parent):
        p = (root / rel).resolve()
        if p.is_file():
            return p
    raise UserError(f"the manifest names {rel!r}, which is not in {base}")


def _read_pairs(folder: Path) -> list[Recording]:
    out = []
    for audio in sorted(folder.iterdir()):
        if audio.suffix.lower() not in AUDIO_EXT:
            continue
        txt = audio.with_suffix(".txt")
        if not txt.is_file():
            raise UserError(f"{audio.name} has no transcript {txt.name} beside it")
        out.append(Recording(audio.resolve(), txt.read_text(encoding="utf-8").strip()))
    return out
