"""Instructed Duration Distilling (IDD) and exact-sum rescaling to a time slot.

instruction tokens (MiniLM) + position encoding -> MLP -> slot attention (K learned
duration prototypes) -> cross-attention (queries: phoneme-level PL-BERT features,
keys/values: slots) -> Bi-LSTM duration head.

The head predicts a log-duration offset on top of the backbone's own durations,
so an instruction that says nothing leaves the backbone's timing roughly as is.
A line head reads the distilled instruction (all K slots, flattened; an MLP) and
gives a global log tempo, a log-linear trend over the line's relative position and
a pause length in frames, added (linear, after the tempo) at each word gap without
punctuation (`idd_predict.gap_mask`). So a stated tempo, trend or pause needs no phoneme-by-phoneme
learning; training supervises these three values directly (train.line_head_loss).
Checkpoints from before (line_head="mean": a linear head on the mean slot, tempo and
trend only) still load.
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
                 heads: int = 4, use_slots: bool = True, line_head: str = "slots"):
        super().__init__()
        self.config = dict(hidden=hidden, n_slots=n_slots, iters=iters, heads=heads,
                           use_slots=use_slots, line_head=line_head)
        self.use_slots, self.line_kind = use_slots, line_head
        self.instr_mlp = nn.Sequential(nn.Linear(EMBED_DIM, hidden), nn.ReLU(),
                                       nn.Linear(hidden, hidden))
        self.slot_attn = SlotAttention(hidden, n_slots, iters) if use_slots else None
        self.phon_in = nn.Linear(BERT_DIM, hidden)
        self.cross = nn.MultiheadAttention(hidden, heads, batch_first=True)
        self.lstm = nn.LSTM(2 * hidden + 2, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 1)
        if line_head == "slots":     # (log tempo, log end/start trend, pause frames per gap)
            width = n_slots * hidden if use_slots else hidden
            self.line_head = nn.Sequential(nn.Linear(width, hidden), nn.ReLU(), nn.Linear(hidden, 3))
        elif line_head == "mean":    # the first version: mean slot -> (log tempo, trend)
            self.line_head = nn.Linear(hidden, 2)
        else:
            raise ValueError(f"unknown IDD line head {line_head!r}")
        last = self.line_head[-1] if line_head == "slots" else self.line_head
        for head in (self.out, last):            # start from the backbone's durations
            nn.init.zeros_(head.weight)
            nn.init.zeros_(head.bias)

    def distill(self, instr: torch.Tensor, instr_mask: torch.Tensor) -> torch.Tensor:
        """instr [B, N, 384] -> keys/values [B, K, H] (slots, or raw tokens in the ablation)."""
        pe = position_encoding(instr.shape[1], instr.shape[2]).to(instr)
        tokens = self.instr_mlp(instr + pe)
        if self.slot_attn is None:
            return tokens
        return self.slot_attn(tokens, instr_mask)

    def line(self, kv: torch.Tensor, instr_mask: torch.Tensor) -> torch.Tensor:
        """Distilled instruction -> [B, 3]: log tempo, log end/start trend, pause frames
        (unclamped here: the loss sees a negative pause, forward adds max(0, pause))."""
        if self.slot_attn is None:                    # ablation: masked mean of the tokens
            summary = (kv * instr_mask[..., None]).sum(1) / instr_mask.sum(1, keepdim=True).clamp_min(1)
        else:
            summary = kv.flatten(1) if self.line_kind == "slots" else kv.mean(1)
        out = self.line_head(summary)
        if self.line_kind == "mean":
            return torch.cat([out, torch.zeros_like(out[:, :1])], dim=-1)
        return out          # the pause is clamped at 0 where it is added, not here (no dead unit)

    def forward(self, bert: torch.Tensor, base_durations: torch.Tensor, mask: torch.Tensor,
                instr: torch.Tensor, instr_mask: torch.Tensor,
                gaps: torch.Tensor | None = None) -> torch.Tensor:
        """bert [B, L, 512], base_durations [B, L] frames, mask [B, L] bool,
        instr [B, N, 384], instr_mask [B, N], gaps [B, L] bool (gap_mask; None: no
        pauses) -> log durations [B, L]."""
        return self.parts(bert, base_durations, mask, instr, instr_mask, gaps)[0]

    def parts(self, bert, base_durations, mask, instr, instr_mask, gaps=None):
        """(log durations [B, L], line head output [B, 3]); see forward."""
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
        line = self.line(kv, instr_mask)
        log_d = side[..., 0] + delta + line[:, :1] + line[:, 1:2] * (side[..., 1] - 0.5)
        if gaps is not None:                          # pauses: frames, after the tempo
            log_d = torch.log(torch.exp(log_d) + line[:, 2:].clamp_min(0) * (gaps & mask))
        return log_d * mask, line


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


def slot_plan(tokens, durations, slot_seconds: float) -> tuple[list[int], list[int]]:
    """Durations so that the speech itself fills the slot: a dub starts at its cue's
    in-time and ends at its out-time. Returns (predict, keep):

    - `predict`: the lengths to predict F0/energy with. The backbone opens a line with
      ~0.4 s of silence and holds the last phoneme and the full stop long; its prosody
      predictor needs that lead-in (with a short one the first words come out unvoiced),
      so the edges keep their natural lengths here;
    - `keep`: what stays after trimming: lead pad 1 frame, last sounding phoneme at most
      8, silent tokens after it 2 each; sum(keep) == round(slot_seconds * 40).
    Use trim_to_plan() to cut the predicted curves down to `keep`.
    """
    d = np.asarray(durations, dtype=np.float64)
    sounding = [i for i, t in enumerate(tokens) if t not in SILENT_TOKENS]
    if not sounding or len(d) != len(tokens) or sounding[0] == 0:
        out = rescale_to_slot(d, slot_seconds)
        return out, out
    last = sounding[-1]
    natural = [max(1, int(round(x))) for x in d]
    keep_edges = {0: LEAD_FRAMES}
    keep_edges.update({i: min(TAIL_FRAMES, natural[i]) for i in range(last + 1, len(d))})
    inner = d[1:last + 1].copy()
    inner[-1] = min(inner[-1], FINAL_MAX_FRAMES)
    inner_seconds = slot_seconds - sum(keep_edges.values()) / FRAMES_PER_SECOND
    if round(inner_seconds * FRAMES_PER_SECOND) < len(inner):
        out = rescale_to_slot(d, slot_seconds)            # too tight: scale everything
        return out, out
    inner_keep = rescale_to_slot(inner, inner_seconds)
    keep = [keep_edges[0], *inner_keep, *[keep_edges[i] for i in range(last + 1, len(d))]]
    predict = list(keep)
    predict[0] = max(natural[0], keep[0])
    predict[last] = max(natural[last], keep[last])
    for i in range(last + 1, len(d)):
        predict[i] = natural[i]
    return predict, keep


def trim_to_plan(curve, predict, keep, per_frame: int = 2) -> list[float]:
    """Cut a curve predicted at `predict` lengths down to `keep`: the lead pad keeps its
    end (the frames just before speech), every other token its start."""
    out, t = [], 0
    for i, (p, k) in enumerate(zip(predict, keep)):
        start = t + p - k if i == 0 else t
        out.extend(curve[per_frame * start: per_frame * (start + k)])
        t += p
    return out
