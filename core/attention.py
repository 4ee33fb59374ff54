"""BERT-style multi-head self-attention on plain tensors, shared by the two small BERTs
run without `transformers`: PL-BERT (core/backbone/albert.py) and MiniLM
(core/instruct/minilm.py)."""
from __future__ import annotations

import math

import torch


def mask_bias(mask: torch.Tensor) -> torch.Tensor:
    """0/1 mask [B, N] -> additive score bias [B, 1, 1, N]: 0 where attended, the float32
    minimum on padding (as transformers does)."""
    return (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min


def attend(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, heads: int,
           bias: torch.Tensor | None = None) -> torch.Tensor:
    """Queries, keys, values [B, N, D] -> context [B, N, D], over `heads` heads."""
    b, n, d = q.shape

    def split(x):                # [B, N, D] -> [B, heads, N, D / heads]
        return x.view(b, n, heads, d // heads).transpose(1, 2)

    q, k, v = split(q), split(k), split(v)
    scores = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    if bias is not None:
        scores = scores + bias
    return (scores.softmax(-1) @ v).transpose(1, 2).reshape(b, n, d)
