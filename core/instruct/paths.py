"""Where instruct keeps its caches and finds its shipped checkpoints."""
from __future__ import annotations

from pathlib import Path


REPO_ROOT = Path(__file__).resolve().parents[2]
CHECKPOINT_DIR = REPO_ROOT / "resources" / "checkpoints"
