"""Where instruct keeps its caches and finds its shipped checkpoints."""
from __future__ import annotations

from pathlib import Path

from core.locations import cache_dir  # noqa: F401 - instruct's modules read it here

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT_DIR = REPO_ROOT / "resources" / "checkpoints"
