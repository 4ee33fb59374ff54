"""Slot attention over K learned duration prototypes (Locatello et al. 2020, with
fixed learned initial slots as in InstructDubber's IDD).

The softmax runs over the slots, so slots compete for instruction tokens; T
iterations share weights: attention -> GRU update -> residual MLP over LayerNorm.
"""
from __future__ import annotations

import torch
from torch import nn


class SlotAttention(nn.Module):
    def __init__(self, dim: int, n_slots: int = 10, iters: int = 3, hidden: int | None = None):
        super().__init__()
        self.n_slots, self.iters, self.scale = n_slots, iters, dim ** -0.5
        self.slots = nn.Parameter(torch.randn(n_slots, dim) * dim ** -0.5)  # learned prototypes
        self.norm_in = nn.LayerNorm(dim)
        self.norm_slots = nn.LayerNorm(dim)
        self.norm_mlp = nn.LayerNorm(dim)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(dim, dim, bias=False)
        self.to_v = nn.Linear(dim, dim, bias=False)
        self.gru = nn.GRUCell(dim, dim)
        hidden = hidden or 2 * dim
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.ReLU(), nn.Linear(hidden, dim))

    def forward(self, tokens: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """tokens [B, N, D], mask [B, N] (True = real) -> slots [B, K, D]."""
        b, _, d = tokens.shape
        tokens = self.norm_in(tokens)
        k, v = self.to_k(tokens), self.to_v(tokens)
        slots = self.slots.unsqueeze(0).expand(b, -1, -1)
        for _ in range(self.iters):
            prev = slots
            q = self.to_q(self.norm_slots(slots))
            logits = torch.einsum("bkd,bnd->bkn", q, k) * self.scale
            attn = logits.softmax(dim=1) + 1e-8                     # compete over slots
            if mask is not None:
                attn = attn * mask[:, None, :].float()
            attn = attn / attn.sum(dim=-1, keepdim=True)            # weighted mean over tokens
            updates = torch.einsum("bkn,bnd->bkd", attn, v)
            slots = self.gru(updates.reshape(-1, d), prev.reshape(-1, d)).view(b, -1, d)
            slots = slots + self.mlp(self.norm_mlp(slots))
        return slots
