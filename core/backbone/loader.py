"""Load the backbone: convert the packaged ONNX once into the user cache, then reuse it."""
from __future__ import annotations

import json
import logging
import time

import torch

from core.backbone import assets
from core.backbone.model import KokoroBackbone
from core.locations import cache_dir

log = logging.getLogger(__name__)
CACHE_NAME = "kokoro-82m-v1.0-fp32.pt"
CONVERTER_VERSION = 1


def converted_weights() -> dict[str, torch.Tensor]:
    path = cache_dir() / CACHE_NAME
    meta_path = path.with_suffix(".json")
    want = {"source_sha256": assets.ONNX_SHA256, "converter": CONVERTER_VERSION}
    if path.exists() and meta_path.exists():
        try:
            if json.loads(meta_path.read_text()) == want:
                return torch.load(path, map_location="cpu", weights_only=True)
        except (OSError, ValueError, RuntimeError) as e:
            log.warning("cached weights unreadable (%s); converting again", e)
    from core.backbone.convert import onnx_to_state_dict
    from core.fileio import atomic_write_text
    t0 = time.perf_counter()
    state = onnx_to_state_dict(assets.onnx_bytes())
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)
    atomic_write_text(meta_path, json.dumps(want))
    log.info("converted Kokoro weights in %.1f s -> %s", time.perf_counter() - t0, path)
    return state


def load_backbone(device: torch.device) -> KokoroBackbone:
    config = json.loads(assets.config_path().read_text(encoding="utf-8"))
    model = KokoroBackbone(config)
    model.load_state_dict(converted_weights(), strict=True)
    return model.eval().to(device)
