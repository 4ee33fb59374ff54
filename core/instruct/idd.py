"""Instructed Duration Distilling (IDD) and exact-sum rescaling to a time slot.

instruction tokens (MiniLM) + position encoding -> MLP -> slot attention (K learned
duration prototypes) -> cross-attention (queries: phoneme-level PL-BERT features,
keys/values: slots) -> Bi-LSTM duration head.

The head predicts a log-duration offset on top of the backbone's own durations,
so an instruction that says nothing leaves the backbone's timing roughly as is.
`use_slots=False` gives the ablation "raw-instruction cross-attention": the
phonemes attend to the instruction tokens directly.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from core.alignment import FRAMES_PER_SECOND
from core.errors import UserError
from core.instruct.embed import EMBED_DIM
from core.instruct.slots import SlotAttention

BERT_DIM = 512


class SlotTooShortError(UserError, ValueError):
    """The line's slot cannot give every phoneme one 25 ms frame."""


def position_encoding(n: int, dim: int) -> torch.Tensor:
    """Sinusoidal position encoding [n, dim]."""
    pos = torch.arange(n, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, dim, 2, dtype=torch.float32) * (-math.log(10000.0) / dim))
    pe = torch.zeros(n, dim)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: dim // 2])
    return pe


def phoneme_side_features(base_durations: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """[B, L, 2]: log backbone duration and relative position in the line."""
    log_base = torch.log(base_durations.clamp_min(0.5))
    lengths = mask.sum(1, keepdim=True).clamp_min(2).float()
    idx = torch.arange(mask.shape[1], device=mask.device)[None].float()
    rel = (idx / (lengths - 1)).clamp(0, 1)
    return torch.stack([log_base * mask, rel * mask], dim=-1)


class IDD(nn.Module):
    def __init__(self, hidden: int = 64, n_slots: int = 10, iters: int = 3,
                 heads: int = 4, use_slots: bool = True):
        super().__init__()
        self.config = dict(hidden=hidden, n_slots=n_slots, iters=iters, heads=heads,
                           use_slots=use_slots)
        self.use_slots = use_slots
        self.instr_mlp = nn.Sequential(nn.Linear(EMBED_DIM, hidden), nn.ReLU(),
                                       nn.Linear(hidden, hidden))
        self.slot_attn = SlotAttention(hidden, n_slots, iters) if use_slots else None
        self.phon_in = nn.Linear(BERT_DIM, hidden)
        self.cross = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.lstm = nn.LSTM(2 * hidden + 2, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 1)
        nn.init.zeros_(self.out.weight)          # start from the backbone's durations
        nn.init.zeros_(self.out.bias)

    def distill(self, instr: torch.Tensor, instr_mask: torch.Tensor) -> torch.Tensor:
        """instr [B, N, 384] -> keys/values [B, K, H] (slots, or raw tokens in the ablation)."""
        pe = position_encoding(instr.shape[1], instr.shape[2]).to(instr)
        tokens = self.instr_mlp(instr + pe)
        if self.slot_attn is None:
            return tokens
        return self.slot_attn(tokens, instr_mask)

    def forward(self, bert: torch.Tensor, base_durations: torch.Tensor, mask: torch.Tensor,
                instr: torch.Tensor, instr_mask: torch.Tensor) -> torch.Tensor:
        """bert [B, L, 512], base_durations [B, L] frames, mask [B, L] bool,
        instr [B, N, 384], instr_mask [B, N] -> log durations [B, L]."""
        kv = self.distill(instr, instr_mask)
        kv_pad = None if self.slot_attn is not None else ~instr_mask
        query = self.phon_in(bert)
        ctx, _ = self.cross(query, kv, kv, key_padding_mask=kv_pad, need_weights=False)
        side = phoneme_side_features(base_durations, mask)
        x = torch.cat([query, ctx, side], dim=-1)
        lengths = mask.sum(1).cpu()
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        h, _ = self.lstm(packed)
        h, _ = pad_packed_sequence(h, batch_first=True, total_length=x.shape[1])
        delta = self.out(h).squeeze(-1)
        return (side[..., 0] + delta) * mask


def rescale_to_slot(durations, slot_seconds: float) -> list[int]:
    """Scale float durations so their whole-frame sum is exactly round(slot*40),
    every phoneme keeping at least one frame. Rounding is corrected where it
    hurts least (largest remainders first)."""
    d = np.asarray(durations, dtype=np.float64)
    n = d.size
    if n == 0:
        raise ValueError("no phonemes to fit into the slot")
    if not np.isfinite(slot_seconds) or slot_seconds <= 0:
        raise SlotTooShortError(f"slot length must be a positive number of seconds, got {slot_seconds}")
    target = int(round(slot_seconds * FRAMES_PER_SECOND))
    if target < n:
        raise SlotTooShortError(
            f"a slot of {slot_seconds:.3f} s holds {target} frames of 25 ms, but the line has "
            f"{n} phonemes and each needs at least one frame ({n / FRAMES_PER_SECOND:.3f} s); "
            "lengthen the slot or shorten the line")
    d = np.where(np.isfinite(d) & (d > 0), d, 0.0)
    d = d if d.sum() > 0 else np.ones(n)
    # Proportional scaling; phonemes that would fall under one frame are pinned
    # at one and the others rescaled to fill what is left.
    ideal = np.ones(n)
    pinned = d <= 0
    while True:
        free = ~pinned
        ideal[free] = d[free] * (target - pinned.sum()) / d[free].sum()
        under = free & (ideal < 1.0)
        if not under.any():
            break
        pinned |= under
        ideal[under] = 1.0
    out = np.maximum(np.floor(ideal), 1).astype(np.int64)
    missing = target - int(out.sum())
    order = np.argsort(-(ideal - out), kind="stable")
    out[order[:missing]] += 1
    out = out.astype(int).tolist()
    assert sum(out) == target and min(out) >= 1
    return out


SILENT_TOKENS = set("$.,!?;:\"'()-—…“” ")      # tokens that make no sound
LEAD_FRAMES, TAIL_FRAMES, FINAL_MAX_FRAMES = 1, 2, 8


def fit_speech_to_slot(tokens, durations, slot_seconds: float) -> list[int]:
    """Like rescale_to_slot, but the speech itself fills the slot: a dub must start at
    its cue's in-time and end at its out-time. The backbone opens a line with ~0.4 s of
    silence and holds the last phoneme and the full stop long; those edges are capped
    (lead pad 1 frame, last sounding phoneme 8, silent tokens after it 2 each) and kept
    as they are, and only the rest is scaled."""
    d = np.asarray(durations, dtype=np.float64).copy()
    sounding = [i for i, t in enumerate(tokens) if t not in SILENT_TOKENS]
    if not sounding or len(d) != len(tokens):
        return rescale_to_slot(d, slot_seconds)
    last = sounding[-1]
    d[last] = min(d[last], FINAL_MAX_FRAMES)
    edges = [0] + list(range(last + 1, len(d)))
    fixed = {0: LEAD_FRAMES, **{i: TAIL_FRAMES for i in edges[1:]}}
    fixed = {i: int(max(1, min(round(d[i]), cap))) for i, cap in fixed.items()}
    inner = [i for i in range(len(d)) if i not in fixed]
    inner_seconds = slot_seconds - sum(fixed.values()) / FRAMES_PER_SECOND
    if not inner or round(inner_seconds * FRAMES_PER_SECOND) < len(inner):
        return rescale_to_slot(d, slot_seconds)          # too tight: scale everything
    out = np.zeros(len(d), dtype=int)
    out[inner] = rescale_to_slot(d[inner], inner_seconds)
    for i, frames in fixed.items():
        out[i] = frames
    return out.tolist()
