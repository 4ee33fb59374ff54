"""Voices: shipped voices and Kokoro style packs by name, blends, and raw 256-d vectors.

A voice is a name ("en_lj", "jm_kumo"), {"blend": {name: weight}} or {"vector": [256 floats]}.
Packs hold one style per utterance length; the vector form is length-independent.
Shipped voices are fitted vectors in resources/voices/NAME.json (with their source and
licence; `voices fit` makes them).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.constants import DEFAULT_VOICE, STYLE_DIM  # noqa: F401 - DEFAULT_VOICE re-exported
from core.errors import UserError
from core.limits import check_weights

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "resources" / "voices"


@lru_cache(maxsize=1)
def _shipped() -> dict[str, dict]:
    """name -> the shipped voice file's content (vector, source, licence, fit record)."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(SHIPPED_DIR.glob("*.json"))}


def shipped_voice_info(name: str) -> dict | None:
    """A shipped voice's record without its vector (None for packs and unknown names)."""
    voice = _shipped().get(name)
    return None if voice is None else {k: v for k, v in voice.items() if k != "vector"}


@lru_cache(maxsize=1)
def _packs() -> dict[str, np.ndarray]:
    from core.backbone.assets import voices_path
    with np.load(voices_path()) as data:
        return {name: data[name].astype(np.float32).reshape(-1, STYLE_DIM) for name in data.files}


def list_voices() -> list[str]:
    return sorted(_shipped()) + sorted(_packs())


def load_voice_file(path: str | Path) -> dict:
    from core.fileio import read_json
    voice = read_json(path, "voice file")
    out = {"vector": style_vector(voice, 1).tolist()}
    ratio = f0_ratio_of(voice)
    if ratio != 1.0:                  # a cloned voice keeps the register it was tuned in
        out["clone"] = {"f0_ratio": ratio}
    return out


@dataclass(frozen=True)
class ResolvedVoice:
    style: np.ndarray          # [256] float32: 128 acoustic dims, then 128 prosodic
    f0_ratio: float = 1.0      # the register: predicted F0 is scaled by this


def resolve_voice(voice, n_tokens: int) -> ResolvedVoice:
    """The one place a voice becomes numbers: its style for an utterance of n_tokens
    phonemes (without pads) and its register (cloned voices record an F0 ratio)."""
    if isinstance(voice, str) and voice.endswith(".json"):
        voice = load_voice_file(voice)
    return ResolvedVoice(style_vector(voice, n_tokens), f0_ratio_of(voice))


def f0_ratio_of(voice) -> float:
    """The register a voice was tuned in: `voice["clone"]["f0_ratio"]`, else 1."""
    clone = voice.get("clone") if isinstance(voice, dict) else None
    ratio = float(clone.get("f0_ratio", 1.0)) if isinstance(clone, dict) else 1.0
    if not (np.isfinite(ratio) and 0.25 <= ratio <= 4.0):
        raise UserError(f"a voice's f0_ratio must be between 0.25 and 4; got {ratio}")
    return ratio


def voice_key(voice) -> str:
    """A short content key of a voice (cache keys), without serialising its vector."""
    if isinstance(voice, dict) and "vector" in voice:
        vec = np.asarray(voice["vector"], dtype=np.float32)
        digest = hashlib.blake2b(vec.tobytes(), digest_size=12).hexdigest()
        return f"vector:{digest}:{f0_ratio_of(voice)}"
    if isinstance(voice, dict) and "blend" in voice:
        return "blend:" + repr(sorted(voice["blend"].items()))
    return f"name:{voice}"


def style_vector(voice, n_tokens: int) -> np.ndarray:
    """The 256-d style for an utterance of n_tokens phonemes (without pads)."""
    if isinstance(voice, str) and voice.endswith(".json"):
        return resolve_voice(voice, n_tokens).style
    if isinstance(voice, str) and voice in _shipped():
        voice = {"vector": _shipped()[voice]["vector"]}
    if isinstance(voice, str):
        packs = _packs()
        if voice not in packs:
            raise UserError(f"unknown voice {voice!r}; available: {', '.join(list_voices())}")
        pack = packs[voice]
        return pack[min(max(n_tokens - 1, 0), len(pack) - 1)]
    if isinstance(voice, dict) and "vector" in voice:
        vec = np.asarray(voice["vector"], dtype=np.float32).reshape(-1)
        if vec.shape != (STYLE_DIM,) or not np.isfinite(vec).all():
            raise UserError(f"a voice vector must have {STYLE_DIM} finite numbers")
        return vec
    if isinstance(voice, dict) and "blend" in voice:
        parts = check_weights(voice["blend"], "the voice blend")   # finite, >= 0 (core/limits.py)
        total = sum(float(w) for w in parts.values())
        if not parts or total <= 0:
            raise UserError("a voice blend needs positive weights")
        return sum(float(w) / total * style_vector(name, n_tokens) for name, w in parts.items())
    raise UserError(f"not a voice: {voice!r}")


def parse_voice_arg(text: str):
    """CLI form: 'jm_kumo', 'jm_kumo=0.7,jf_alpha=0.3' or a path to a voice .json."""
    if "=" in text:
        blend = {}
        for part in text.split(","):
            name, _, weight = part.partition("=")
            try:
                blend[name.strip()] = float(weight)
            except ValueError:
                raise UserError(f"bad blend weight in {part!r}") from None
        style_vector({"blend": blend}, 1)
        return {"blend": blend}
    if text.endswith(".json"):
        return load_voice_file(text)
    style_vector(text, 1)
    return text


def style_tensor(voice, n_tokens: int, device) -> "torch.Tensor":
    import torch                  # here: the editor imports this module before its window shows
    return torch.from_numpy(style_vector(voice, n_tokens)).unsqueeze(0).to(device)
