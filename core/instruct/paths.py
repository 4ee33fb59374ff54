"""Where instruct keeps its caches and finds its shipped checkpoints."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT_DIR = REPO_ROOT / "resources" / "checkpoints"


def cache_dir(*parts: str) -> Path:
    """User cache (INSTRUCTDUB_CACHE, else XDG_CACHE_HOME or ~/.cache)/instructdub/..."""
    root = os.environ.get("INSTRUCTDUB_CACHE")
    if not root:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        root = Path(base) / "instructdub"
    path = Path(root).joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
