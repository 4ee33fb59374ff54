"""MiniLM-L6 (a 6-layer BERT, 384 wide) on plain torch, read from the package's safetensors.

The instruction embeddings need only the encoder's last hidden state; loading it this
way skips `transformers` (about 12 s to import and 140 MB resident for this model on
this machine) and gives the same numbers (tests/test_instruct_embed.py compares).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
import torch.nn.functional as F

from core.attention import attend, mask_bias


class MiniLM:
    """ids [B, N] and mask [B, N] -> last hidden state [B, N, 384]."""

    def __init__(self, folder: Path):
        from safetensors.torch import load_file
        cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        self.layers, self.heads = cfg["num_hidden_layers"], cfg["num_attention_heads"]
        self.eps = cfg["layer_norm_eps"]
        self.w = {k.removeprefix("bert."): v for k, v in load_file(folder / "model.safetensors").items()}

    def _linear(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def _norm(self, x: torch.Tensor, name: str) -> torch.Tensor:
        return F.layer_norm(x, x.shape[-1:], self.w[name + ".weight"], self.w[name + ".bias"], self.eps)

    def _attention(self, x: torch.Tensor, bias: torch.Tensor, p: str) -> torch.Tensor:
        q, k, v = (self._linear(x, f"{p}.self.{n}") for n in ("query", "key", "value"))
        ctx = attend(q, k, v, self.heads, bias)
        return self._norm(x + self._linear(ctx, f"{p}.output.dense"), f"{p}.output.LayerNorm")

    @torch.no_grad()
    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        w, n = self.w, ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = self._norm(x, "embeddings.LayerNorm")
        bias = mask_bias(mask)
        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            x = self._attention(x, bias, f"{p}.attention")
            h = F.gelu(self._linear(x, f"{p}.intermediate.dense"))
            x = self._norm(x + self._linear(h, f"{p}.output.dense"), f"{p}.output.LayerNorm")
        return x


def tokenizer(folder: Path, max_tokens: int):
    """The model's WordPiece tokenizer (tokenizer.json), truncating at `max_tokens`."""
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_tokens)
    tok.no_padding()
    return tok


def encode_batch(tok, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token ids [B, N] and the attention mask [B, N] (padded with id 0)."""
    encs = tok.encode_batch(texts)
    n = max(len(e.ids) for e in encs)
    ids = torch.zeros(len(encs), n, dtype=torch.long)
    mask = torch.zeros(len(encs), n, dtype=torch.long)
    for i, e in enumerate(encs):
        ids[i, :len(e.ids)] = torch.tensor(e.ids)
        mask[i, :len(e.ids)] = 1
    return ids, mask
