"""Training examples: a cached line + a sampled rate profile / emotion mixture.

Rate instructions come from a pre-written bank (phrasing.py) whose MiniLM token
embeddings are computed once; the continuous profile values are drawn afresh
for each example within the categories the text states.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

import numpy as np
import torch

from core.instruct import corpus, phrasing
from core.instruct.embed import pad_tokens, token_embeddings_many
from core.instruct.idd_predict import gap_mask
from core.instruct.iec import N_PER_RENDERED_DB, expand_to_curve, phoneme_inputs, weights_vector


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
                   pause_rate=rng.uniform(*corpus.PAUSE_RATES) if profile.pause_rate > 0 else 0.0,
                   pause_frames=rng.uniform(4, 10) if profile.pause_rate > 0 else 0.0,
                   emphasis_factor=rng.uniform(1.5, 1.9) if profile.emphasis != "none" else 1.0,
                   seed=rng.randrange(1 << 30))


def line_values(prof: corpus.RateProfile, measured: bool = False) -> torch.Tensor:
    """What a profile states about the whole line, as IDD's line head gives it: log tempo,
    log end/start trend and the pause frames at a word gap without punctuation.
    A drawn profile pauses at most gaps (corpus.PAUSE_RATES): its pause length, each
    gap's median. A measured one (a half/half ratio: log-linear, so squared; real
    speakers pause at few gaps) gives its mean extra frames per gap."""
    if measured:
        trend, pause = 2 * math.log(max(prof.trend_ratio, 1e-3)), prof.pause_rate * prof.pause_frames
    else:
        trend, pause = math.log(max(prof.trend_ratio, 1e-3)), prof.pause_frames * (prof.pause_rate > 0)
    return torch.tensor([math.log(max(prof.tempo, 1e-3)), trend, pause], dtype=torch.float32)


def rate_target(rec: dict, entry: BankEntry, rng: random.Random, emotion_tempo: float = 1.0):
    """(target durations, line_values) of a script line under the entry's profile."""
    base = rec["base"].numpy().astype(np.float64)
    prof = redraw(entry.profile, rng, emotion_tempo)
    return (torch.tensor(corpus.apply_profile(base, rec["tokens"], prof), dtype=torch.float32),
            line_values(prof))


def pad_stack(seqs: list[torch.Tensor], value: float = 0.0) -> torch.Tensor:
    n = max(s.shape[0] for s in seqs)
    out = torch.full((len(seqs), n) + tuple(seqs[0].shape[1:]), value, dtype=torch.float32)
    for i, s in enumerate(seqs):
        out[i, :s.shape[0]] = s.float()
    return out


def idd_batch(records: list[dict], entries: list[BankEntry], targets: list[torch.Tensor],
              lines: list[torch.Tensor] | None = None) -> dict:
    bert = pad_stack([r["bert"] for r in records])
    base = pad_stack([r["base"] for r in records], 1.0)
    lengths = torch.tensor([r["bert"].shape[0] for r in records])
    mask = torch.arange(bert.shape[1])[None] < lengths[:, None]
    instr, instr_mask = pad_tokens([e.tokens for e in entries])
    return dict(bert=bert, base=base, mask=mask, instr=instr, instr_mask=instr_mask,
                target=pad_stack(targets, 1.0), **line_parts(records, bert.shape[1]),
                **({"line": torch.stack(lines)} if lines else {}))


def line_parts(records: list[dict], n: int) -> dict:
    """Masks [B, n] of each line's first and second half (pads left out, as
    corpus.measured_profile splits a line) and of its word boundaries without punctuation."""
    out = {k: torch.zeros(len(records), n, dtype=torch.bool) for k in ("first", "second", "gaps")}
    for i, rec in enumerate(records):
        inner = len(rec["tokens"]) - 2
        half = inner // 2
        out["first"][i, 1:1 + half] = True
        out["second"][i, 1 + half:1 + inner] = True
        out["gaps"][i] = gap_mask(rec["tokens"], n)
    return out


def real_entry(rec: dict, rng: random.Random) -> BankEntry:
    """For a line with real timing: an instruction written from its measured tempo,
    trend and pauses (one per line, embedded once)."""
    if "_real_entry" not in rec:
        from core.instruct.embed import token_embeddings
        prof = corpus.measured_profile(rec["base"].numpy(), rec["duration_gt"].numpy(), rec["tokens"])
        fam = rng.choice(phrasing.TRAIN_FAMILIES)
        text = phrasing.rate_instruction(prof, fam, rng)
        rec["_real_entry"] = BankEntry(text, fam, prof, token_embeddings(text))
    return rec["_real_entry"]


def real_under_profile(rec: dict, entry: BankEntry, rng: random.Random) -> tuple[torch.Tensor, torch.Tensor]:
    """Real timing under a drawn rate profile: the recording's durations brought to the
    backbone's tempo (its own rhythm, pauses and final lengthening kept), then the
    profile's tempo, trend, pauses and emphasis; the bank's text states that profile."""
    gt = rec["duration_gt"].numpy().astype(np.float64)
    base = rec["base"].numpy().astype(np.float64)
    gt[1:-1] *= base[1:-1].sum() / max(gt[1:-1].sum(), 1e-6)
    gt = untilted(gt, base)
    prof = redraw(entry.profile, rng)
    return (torch.tensor(corpus.apply_profile(np.maximum(gt, 0.5), rec["tokens"], prof),
                         dtype=torch.float32), line_values(prof))


def untilted(gt: np.ndarray, base: np.ndarray) -> np.ndarray:
    """Real durations with their own log-linear trend against the backbone taken out (the
    half/half ratio squared, as apply_profile tilts), so a drawn trend is the line's only
    one: RAVDESS's readings end ~1.3x slower than the backbone's, which left "accelerate"
    on them a steady target and the head's trend for it at x1.0."""
    ratio = corpus.measured_profile(base, gt).trend_ratio
    pos = np.linspace(0.0, 1.0, len(gt))
    out = gt.copy()
    out[1:-1] *= np.exp(-2 * math.log(max(ratio, 1e-3)) * (pos[1:-1] - 0.5))
    return out


def measured_target(rec: dict, rng: random.Random) -> tuple[BankEntry, torch.Tensor, torch.Tensor]:
    """A real line as recorded: (its measured instruction, its durations, line_values)."""
    entry = real_entry(rec, rng)
    return entry, rec["duration_gt"].float(), line_values(entry.profile, measured=True)


def sample_idd_batch(records, bank, rng: random.Random, size: int, real=(),
                     real_share: float = 0.0, augment: float = 0.0) -> dict:
    """Synthetic lines (rule-made profiles on the backbone's timing) and, a `real_share`
    of the time, real lines: as measured with a measured instruction, or (`augment` of
    those) under a drawn profile from the bank."""
    recs, entries, targets, lines = [], [], [], []
    for _ in range(size):
        if real and rng.random() < real_share:
            rec = rng.choice(real)
            if bank and rng.random() < augment:
                entry = rng.choice(bank)
                target, line = real_under_profile(rec, entry, rng)
            else:
                entry, target, line = measured_target(rec, rng)
        else:
            rec = rng.choice(records)
            if "duration_gt" in rec:                      # real timing: no synthetic profile
                entry, target, line = measured_target(rec, rng)
            else:
                entry = rng.choice(bank)
                mix = corpus.sample_mixture(rng)
                target, line = rate_target(rec, entry, rng, corpus.mixture_params(mix)[3])
        recs.append(rec)
        entries.append(entry)
        targets.append(target)
        lines.append(line)
    return idd_batch(recs, entries, targets, lines)


def iec_example(rec: dict, weights: dict, table: dict | None = None) -> dict:
    """A line under an entity mixture: the rules' transform (EMOTION_PROSODY, no line
    targets) or, with a table measured from real speech, that table's level and range on
    F0 and its gain and tempo as line targets (no energy-curve offset: the gain has it)."""
    f0, energy = rec["f0"].numpy(), rec["energy"].numpy()
    durations = rec["durations"].tolist()
    ph_f0, ph_en = phoneme_inputs(f0, energy, durations)
    line = None
    if table is None:
        t_f0, t_en = corpus.apply_emotion(f0, energy, weights)
    else:
        level, rng_factor, gain_db, tempo = corpus.mixture_params(weights, table)
        t_f0, _ = corpus.apply_emotion(f0, energy, weights, table)
        t_en = energy
        line = torch.tensor([gain_db, np.log(tempo)], dtype=torch.float32)
    return dict(weights=weights_vector(weights), ph_f0=torch.from_numpy(ph_f0),
                ph_en=torch.from_numpy(ph_en), durations=durations,
                f0=torch.from_numpy(f0), energy=torch.from_numpy(energy),
                t_f0=torch.as_tensor(t_f0), t_en=torch.as_tensor(t_en), line=line)


def real_iec_example(ex: dict) -> dict:
    """A RAVDESS reading against neutral (real_data.emotion_examples) on the backbone's
    curves for that sentence: per-token F0 offsets and energy shape, line gain and tempo."""
    if "_example" not in ex:
        rec = ex["rec"]
        f0, energy = rec["f0"].numpy(), rec["energy"].numpy()
        durations = rec["durations"].tolist()
        ph_f0, ph_en = phoneme_inputs(f0, energy, durations)
        f0_t, en_t = torch.from_numpy(f0), torch.from_numpy(energy)
        ex["_example"] = dict(
            weights=weights_vector(ex["weights"]), ph_f0=torch.from_numpy(ph_f0),
            ph_en=torch.from_numpy(ph_en), durations=durations, f0=f0_t, energy=en_t,
            t_f0=f0_t * torch.exp(expand_to_curve(ex["d_logf0"], durations)),
            t_en=en_t + expand_to_curve(ex["shape_db"] * N_PER_RENDERED_DB, durations),
            line=ex["line"])
    return ex["_example"]


def sample_iec_batch(records, rng: random.Random, size: int, real=(), real_share: float = 0.0,
                     table: dict | None = None) -> tuple[dict, list[dict], list]:
    recs, examples = [], []
    for _ in range(size):
        if real and rng.random() < real_share:
            ex = rng.choice(real)
            recs.append(ex["rec"])
            examples.append(real_iec_example(ex))
        else:
            recs.append(rng.choice(records))
            examples.append(iec_example(recs[-1], corpus.sample_mixture(rng), table))
    lengths = torch.tensor([r["bert"].shape[0] for r in recs])
    bert = pad_stack([r["bert"] for r in recs])
    mask = torch.arange(bert.shape[1])[None] < lengths[:, None]
    batch = dict(bert=bert, mask=mask, weights=torch.stack([e["weights"] for e in examples]),
                 ph_f0=pad_stack([e["ph_f0"] for e in examples]),
                 ph_en=pad_stack([e["ph_en"] for e in examples]))
    return batch, examples
