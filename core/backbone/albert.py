"""PL-BERT: Kokoro's ALBERT phoneme encoder, in plain torch.

The same computation and parameter names as `transformers.AlbertModel` (no pooler, no
dropout at inference), so the converted weights load unchanged; without the
transformers import, which cost every process that loads the engine ~6 CPU-s and
~150 MB. `tests/test_backbone.py` compares it with `AlbertModel` on the real weights.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from core.attention import attend, mask_bias

EMBED_DIM = 128       # ALBERT's factorised embedding size (AlbertConfig's default)
LAYER_NORM_EPS = 1e-12


def gelu_new(x: torch.Tensor) -> torch.Tensor:
    """ALBERT's activation: GELU, tanh approximation."""
    return nn.functional.gelu(x, approximate="tanh")


class Embeddings(nn.Module):
    def __init__(self, vocab: int, max_positions: int):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, EMBED_DIM)
        self.position_embeddings = nn.Embedding(max_positions, EMBED_DIM)
        self.token_type_embeddings = nn.Embedding(2, EMBED_DIM)
        self.LayerNorm = nn.LayerNorm(EMBED_DIM, eps=LAYER_NORM_EPS)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = (self.word_embeddings(ids) + self.position_embeddings(positions)[None]
             + self.token_type_embeddings.weight[0])
        return self.LayerNorm(x)


class Attention(nn.Module):
    def __init__(self, hidden: int, heads: int):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.dense = (nn.Linear(hidden, hidden) for _ in range(4))
        self.LayerNorm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        context = attend(self.query(x), self.key(x), self.value(x), self.heads, bias)
        return self.LayerNorm(x + self.dense(context))


class Layer(nn.Module):
    def __init__(self, hidden: int, heads: int, intermediate: int):
        super().__init__()
        self.attention = Attention(hidden, heads)
        self.ffn = nn.Linear(hidden, intermediate)
        self.ffn_output = nn.Linear(intermediate, hidden)
        self.full_layer_layer_norm = nn.LayerNorm(hidden, eps=LAYER_NORM_EPS)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        x = self.attention(x, bias)
        return self.full_layer_layer_norm(x + self.ffn_output(gelu_new(self.ffn(x))))


class LayerGroup(nn.Module):
    def __init__(self, layer: Layer):
        super().__init__()
        self.albert_layers = nn.ModuleList([layer])


class Encoder(nn.Module):
    """One shared layer applied `repeats` times (ALBERT's one group, one inner layer)."""

    def __init__(self, hidden: int, heads: int, intermediate: int, repeats: int):
        super().__init__()
        self.repeats = repeats
        self.embedding_hidden_mapping_in = nn.Linear(EMBED_DIM, hidden)
        self.albert_layer_groups = nn.ModuleList([LayerGroup(Layer(hidden, heads, intermediate))])

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        x = self.embedding_hidden_mapping_in(x)
        layer = self.albert_layer_groups[0].albert_layers[0]
        for _ in range(self.repeats):
            x = layer(x, bias)
        return x


class PLBert(nn.Module):
    """ids [B, T] (and an optional 0/1 mask [B, T]) -> hidden states [B, T, hidden_size]."""

    def __init__(self, vocab_size: int, hidden_size: int, num_attention_heads: int,
                 intermediate_size: int, max_position_embeddings: int, num_hidden_layers: int):
        super().__init__()
        self.hidden_size, self.max_positions = hidden_size, max_position_embeddings
        self.embeddings = Embeddings(vocab_size, max_position_embeddings)
        self.encoder = Encoder(hidden_size, num_attention_heads, intermediate_size,
                               num_hidden_layers)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        bias = None if mask is None or bool(mask.all()) else mask_bias(mask)
        return self.encoder(self.embeddings(ids), bias)
