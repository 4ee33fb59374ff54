"""Training examples: a cached line + a sampled rate profile / emotion mixture.

Rate instructions come from a pre-written bank (phrasing.py) whose MiniLM token
embeddings are computed once; the continuous profile values are drawn afresh
for each example within the categories the text states.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace

import numpy as np
import torch

from core.instruct import corpus, phrasing
from core.instruct.embed import pad_tokens, token_embeddings_many
from core.instruct.iec import phoneme_inputs, weights_vector


@dataclass
class BankEntry:
    text: str
    family: str
    profile: corpus.RateProfile          # the categories; values are re-drawn per use
    tokens: torch.Tensor | None = None


def rate_bank(families, n: int, seed: int) -> list[BankEntry]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        fam = families[i % len(families)]
        prof = corpus.sample_profile(rng)
        out.append(BankEntry(phrasing.rate_instruction(prof, fam, rng), fam, prof))
    for entry, emb in zip(out, token_embeddings_many([e.text for e in out])):
        entry.tokens = emb
    return out


def redraw(profile: corpus.RateProfile, rng: random.Random, emotion_tempo: float = 1.0):
    """Fresh values inside the profile's categories; the emotion's tempo is folded
    in but clipped to the stated tempo category so the instruction stays true."""
    lo, hi = corpus.TEMPO_RANGES[profile.tempo_cat]
    tempo = float(np.clip(rng.uniform(lo, hi) * emotion_tempo, lo, hi))
    return replace(profile, tempo=tempo,
                   trend_ratio=rng.uniform(*corpus.TREND_RANGES[profile.trend]),
                   pause_rate=rng.uniform(0.3, 0.6) if profile.pause_rate > 0 else 0.0,
                   pause_frames=rng.uniform(4, 10) if profile.pause_rate > 0 else 0.0,
                   emphasis_factor=rng.uniform(1.5, 1.9) if profile.emphasis != "none" else 1.0,
                   seed=rng.randrange(1 << 30))


def rate_target(rec: dict, entry: BankEntry, rng: random.Random, emotion_tempo: float = 1.0):
    base = rec["base"].numpy().astype(np.float64)
    prof = redraw(entry.profile, rng, emotion_tempo)
    return torch.tensor(corpus.apply_profile(base, rec["tokens"], prof), dtype=torch.float32)


def pad_stack(seqs: list[torch.Tensor], value: float = 0.0) -> torch.Tensor:
    n = max(s.shape[0] for s in seqs)
    out = torch.full((len(seqs), n) + tuple(seqs[0].shape[1:]), value, dtype=torch.float32)
    for i, s in enumerate(seqs):
        out[i, :s.shape[0]] = s.float()
    return out


def idd_batch(records: list[dict], entries: list[BankEntry], targets: list[torch.Tensor]) -> dict:
    bert = pad_stack([r["bert"] for r in records])
    base = pad_stack([r["base"] for r in records], 1.0)
    lengths = torch.tensor([r["bert"].shape[0] for r in records])
    mask = torch.arange(bert.shape[1])[None] < lengths[:, None]
    instr, instr_mask = pad_tokens([e.tokens for e in entries])
    return dict(bert=bert, base=base, mask=mask, instr=instr, instr_mask=instr_mask,
                target=pad_stack(targets, 1.0))


def real_entry(rec: dict, rng: random.Random) -> BankEntry:
    """For a line with real timing: an instruction written from its measured tempo and trend."""
    if "_real_entry" not in rec:
        from core.instruct.embed import token_embeddings
        prof = corpus.measured_profile(rec["base"].numpy(), rec["duration_gt"].numpy())
        fam = rng.choice(phrasing.TRAIN_FAMILIES)
        text = phrasing.rate_instruction(prof, fam, rng)
        rec["_real_entry"] = BankEntry(text, fam, prof, token_embeddings(text))
    return rec["_real_entry"]


def sample_idd_batch(records, bank, rng: random.Random, size: int) -> dict:
    recs = [rng.choice(records) for _ in range(size)]
    entries = [rng.choice(bank) if bank else None for _ in range(size)]
    targets = []
    for i, rec in enumerate(recs):
        if "duration_gt" in rec:                      # real timing: no synthetic profile
            entries[i] = real_entry(rec, rng)
            targets.append(rec["duration_gt"].float())
            continue
        mix = corpus.sample_mixture(rng)
        targets.append(rate_target(rec, entries[i], rng, corpus.mixture_params(mix)[3]))
    return idd_batch(recs, entries, targets)


def iec_example(rec: dict, weights: dict) -> dict:
    f0, energy = rec["f0"].numpy(), rec["energy"].numpy()
    durations = rec["durations"].tolist()
    ph_f0, ph_en = phoneme_inputs(f0, energy, durations)
    t_f0, t_en = corpus.apply_emotion(f0, energy, weights)
    return dict(weights=weights_vector(weights), ph_f0=torch.from_numpy(ph_f0),
                ph_en=torch.from_numpy(ph_en), durations=durations,
                f0=torch.from_numpy(f0), energy=torch.from_numpy(energy),
                t_f0=torch.from_numpy(t_f0), t_en=torch.from_numpy(t_en))


def sample_iec_batch(records, rng: random.Random, size: int) -> tuple[dict, list[dict]]:
    recs = [rng.choice(records) for _ in range(size)]
    examples = [iec_example(r, corpus.sample_mixture(rng)) for r in recs]
    lengths = torch.tensor([r["bert"].shape[0] for r in recs])
    bert = pad_stack([r["bert"] for r in recs])
    mask = torch.arange(bert.shape[1])[None] < lengths[:, None]
    batch = dict(bert=bert, mask=mask, weights=torch.stack([e["weights"] for e in examples]),
                 ph_f0=pad_stack([e["ph_f0"] for e in examples]),
                 ph_en=pad_stack([e["ph_en"] for e in examples]))
    return batch, examples
