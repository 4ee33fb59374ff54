"""Finished cues cached by content key, one file each, written atomically.

A batch writes each cue as soon as it arrives, so a batch that stops (a kill, a
lost node) loses only the cues in flight; the next run renders what is missing.
The default folder sits beside the project file: `.NAME.json.cache/cues/`.
"""
from __future__ import annotations

import io
import json
import logging
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from core.batch.work import Rendered
from core.errors import UserError
from core.fileio import atomic_write_bytes

log = logging.getLogger(__name__)


def cache_folder(project_path: str | Path) -> Path:
    """The project's cache folder for rendered cues."""
    p = Path(project_path).resolve()
    return p.with_name(f".{p.name}.cache") / "cues"


class CueCache:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        return self.folder / f"{key}.npz"

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def get(self, key: str, cue_id: str) -> Rendered | None:
        """The cached cue, or None; a damaged entry counts as missing (it renders again)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as z:
                audio = np.asarray(z["audio"], dtype=np.float32)
                meta = json.loads(str(z["meta"]))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            log.warning("cache entry %s is unreadable (%s); rendering the cue again", path, e)
            return None
        return Rendered(cue_id, audio, meta["cue"], meta.get("note", ""),
                        float(meta.get("seconds", 0.0)), meta.get("where", ""))

    def put(self, key: str, r: Rendered) -> None:
        meta = {"cue": r.cue, "note": r.note, "seconds": r.seconds, "where": r.where}
        buf = io.BytesIO()
        np.savez(buf, audio=np.asarray(r.audio, dtype=np.float32), meta=np.array(json.dumps(meta)))
        atomic_write_bytes(self.path(key), buf.getvalue())

    def count(self) -> int:
        return sum(1 for _ in self.folder.glob("*.npz")) if self.folder.is_dir() else 0


class CachedAudio(Mapping):
    """cue id -> 24 kHz audio, read from the cache when asked, so a batch's memory does
    not grow with the film's length (the export streams the stem block by block)."""

    def __init__(self, cache: CueCache):
        self.cache = cache
        self.keys_of: dict[str, str] = {}

    def add(self, cue_id: str, key: str) -> None:
        self.keys_of[cue_id] = key

    def __getitem__(self, cue_id: str) -> np.ndarray:
        hit = self.cache.get(self.keys_of[cue_id], cue_id)     # KeyError: not a cue of the batch
        if hit is None:           # not a KeyError: Mapping.get would call the cue silent
            raise UserError(f"cue {cue_id}: its rendered audio has gone from {self.cache.folder}; "
                            "run the command again to render it")
        return hit.audio

    def __iter__(self):
        return iter(self.keys_of)

    def __len__(self) -> int:
        return len(self.keys_of)
