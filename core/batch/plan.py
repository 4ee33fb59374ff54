"""Which cues a batch renders, and the content key each one is cached under.

A cue's key covers everything its audio depends on: the prediction inputs (text,
instructions, entities, voice, slot) or, when the cue carries a timing already, that
alignment; plus the model files. It is the key `core.session` caches by, so a cue
edited in the editor and rendered in a batch share it.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache

from core.instruct.paths import CHECKPOINT_DIR
from core.project import Cue, Project
from core.cue_audio import CueSpec, alignment_key

CACHE_FORMAT = 1      # bump when a cache entry's meaning changes
MODEL_FILES = ("idd.pt", "iec.pt", "analyzer_lora.safetensors")


@dataclass(frozen=True)
class CueJob:
    cue_id: str
    key: str


@lru_cache(maxsize=1)
def model_fingerprint() -> str:
    """The backbone's source hash and the instruct checkpoints' bytes."""
    from core.backbone.assets import ONNX_SHA256
    h = hashlib.sha256(f"{CACHE_FORMAT}:{ONNX_SHA256}".encode())
    for name in MODEL_FILES:
        path = CHECKPOINT_DIR / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.is_file() else b"missing")
    return h.hexdigest()


def cue_key(cue: Cue) -> str:
    """The cue's content key (hex): what it would render, not where it sits in the film."""
    content = (["render", alignment_key(cue.alignment)] if cue.alignment is not None
               else ["predict", CueSpec.of(cue).key()])
    blob = json.dumps([*content, model_fingerprint()]).encode()
    return hashlib.sha256(blob).hexdigest()[:40]


def plan(project: Project) -> list[CueJob]:
    """One job per cue, in project order; refuses duplicate cue ids."""
    seen: set[str] = set()
    jobs = []
    for cue in project.cues:
        if cue.id in seen:
            from core.errors import UserError
            raise UserError(f"two cues share the id {cue.id!r}; cue ids must be unique")
        seen.add(cue.id)
        jobs.append(CueJob(cue.id, cue_key(cue)))
    return jobs


def chunks(items: list, size: int) -> list[list]:
    """`items` in consecutive groups of at most `size` (the last may be shorter)."""
    size = max(1, int(size))
    return [items[i:i + size] for i in range(0, len(items), size)]
