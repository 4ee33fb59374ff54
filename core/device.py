"""Device choice and the CUDA out-of-memory fall-back to CPU."""
from __future__ import annotations

import logging
import os

import torch

log = logging.getLogger(__name__)


def pick_device(requested: str | None = None) -> torch.device:
    want = (requested or os.environ.get("INSTRUCTDUB_DEVICE") or "auto").lower()
    if want == "cpu":
        return torch.device("cpu")
    if want in ("cuda", "gpu") and not torch.cuda.is_available():
        log.warning("CUDA was requested but is not available; using the CPU")
        return torch.device("cpu")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.cuda.OutOfMemoryError) or "out of memory" in str(exc).lower()
