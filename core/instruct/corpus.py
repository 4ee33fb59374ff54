"""The training corpus: real script lines, controlled rate profiles, emotion prosody.

No audio is synthesised. A training target is the backbone's own prediction for a
real script line (durations, F0, energy), transformed by
- a speaking-rate profile: global tempo, an accelerating or slowing trend,
  pauses at word boundaries, a lengthened (emphasised) first or last word;
- an emotion mixture: per-entity F0 level and range, energy and tempo.
The instruction writer (phrasing.py) then describes the profile in words.

The real corpus files are read by core.instruct.corpus_files (its names are
re-exported here).
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np

from core.instruct.corpus_files import (CorpusFormatError, CorpusLine, read_corpus,  # noqa: F401 - re-exported
                                        read_jsonl, read_list, select_lines, split_files)
from core.project import ENTITIES


# ---- speaking-rate profiles --------------------------------------------------------
TEMPO_RANGES = {                    # duration multipliers (< 1 = faster)
    "much_faster": (0.55, 0.70), "faster": (0.76, 0.88), "normal": (0.94, 1.06),
    "slower": (1.15, 1.35), "much_slower": (1.45, 1.80)}
TREND_RANGES = {                    # end/start duration ratio
    "steady": (1.0, 1.0), "accelerating": (0.55, 0.72), "slowing": (1.4, 1.8)}
# Share of word boundaries that get a pause when pauses are asked for. Most of them: where
# the pauses fall is drawn at random, and a per-phoneme L1 learns each boundary's median,
# which is no pause at all unless more than half of them pause.
PAUSE_RATES = (0.55, 0.9)
TEMPO_CATS = tuple(TEMPO_RANGES)
TRENDS = tuple(TREND_RANGES)


@dataclass
class RateProfile:
    tempo_cat: str = "normal"
    tempo: float = 1.0
    trend: str = "steady"
    trend_ratio: float = 1.0
    pause_rate: float = 0.0         # share of word boundaries that get a pause
    pause_frames: float = 0.0
    emphasis: str = "none"          # none | first | last
    emphasis_factor: float = 1.0
    seed: int = 0


def sample_profile(rng: random.Random) -> RateProfile:
    cat = rng.choice(TEMPO_CATS)
    trend = rng.choices(TRENDS, weights=(0.5, 0.25, 0.25))[0]
    pauses = rng.random() < 0.25
    emphasis = rng.choices(("none", "first", "last"), weights=(0.7, 0.15, 0.15))[0]
    return RateProfile(
        tempo_cat=cat, tempo=rng.uniform(*TEMPO_RANGES[cat]),
        trend=trend, trend_ratio=rng.uniform(*TREND_RANGES[trend]),
        pause_rate=rng.uniform(*PAUSE_RATES) if pauses else 0.0,
        pause_frames=rng.uniform(4, 10) if pauses else 0.0,
        emphasis=emphasis, emphasis_factor=rng.uniform(1.5, 1.9) if emphasis != "none" else 1.0,
        seed=rng.randrange(1 << 30))


def word_spans(tokens: list[str]) -> list[tuple[int, int]]:
    """[start, end) token ranges of words (runs without spaces, pads or punctuation)."""
    spans, start = [], None
    for i, t in enumerate(tokens):
        inside = t not in ("$", " ") and (t.isalpha() or t in "ˈˌːʲ")
        if inside and start is None:
            start = i
        if not inside and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(tokens)))
    return spans


def apply_profile(base: np.ndarray, tokens: list[str], profile: RateProfile) -> np.ndarray:
    """Target float durations: the backbone's, under the profile. Pads keep theirs."""
    d = base.astype(np.float64).copy()
    inner = np.array([t != "$" for t in tokens])
    n = len(d)
    pos = np.linspace(0.0, 1.0, n)
    trend = np.exp(math.log(profile.trend_ratio) * (pos - 0.5))
    d[inner] *= profile.tempo * trend[inner]
    spans = word_spans(tokens)
    if profile.emphasis != "none" and spans:
        a, b = spans[0] if profile.emphasis == "first" else spans[-1]
        d[a:b] *= profile.emphasis_factor
    if profile.pause_rate > 0 and len(spans) > 1:
        rng = random.Random(profile.seed)
        gaps = [spans[i][1] for i in range(len(spans) - 1)]          # token after each word
        gaps = [g for g in gaps if tokens[g] == " "] or gaps
        chosen = [g for g in gaps if rng.random() < profile.pause_rate] or [rng.choice(gaps)]
        for g in chosen:
            d[g] += profile.pause_frames
    return np.maximum(d, 0.5)


PAUSE_FRAMES = 4                    # a boundary this much longer than the tempo implies is a pause
MEASURED_PAUSE_RATE = 0.3           # share of gaps that must pause for "with pauses" (a halting read)
TREND_LIMITS = (0.8, 1.25)          # measured half/half ratio: below accelerating, above slowing


def boundaries(tokens: list[str], spaces_only: bool = False) -> list[int]:
    """Token indices between two words (spaces and punctuation), each gap counted once:
    its punctuation if any, else its space. spaces_only: only the gaps without
    punctuation (a pause there is the speaker's choice, not the text's)."""
    spans = word_spans(tokens)
    out = []
    for (_, end), (start, _) in zip(spans, spans[1:]):
        gap = list(range(end, start))
        punct = [i for i in gap if tokens[i] not in (" ", "$")]
        if not (punct and spaces_only):
            out.append((punct or gap or [end])[0])
    return out


def measured_profile(base: np.ndarray, target: np.ndarray, tokens: list[str] | None = None) -> RateProfile:
    """Describe real durations against the backbone's: tempo and trend over the speech
    (pads left out), and pauses at word boundaries without punctuation (with tokens): a
    reader's pause at a comma is the text's, not a "with pauses" delivery. Nor is a
    breath pause at one gap in ten (LJSpeech's lines): "with pauses" means what the
    drawn profiles mean, a pause at many gaps (MEASURED_PAUSE_RATE and over), and then
    the stated tempo is the speech's without them, as a drawn profile adds them after it."""
    base = np.asarray(base, np.float64)[1:-1]
    target = np.asarray(target, np.float64)[1:-1]
    tempo = float(target.sum() / max(base.sum(), 1e-6))
    cat = min(TEMPO_CATS, key=lambda c: abs(math.log(tempo) - math.log(sum(TEMPO_RANGES[c]) / 2)))
    half = len(base) // 2
    r1 = target[:half].sum() / max(base[:half].sum(), 1e-6)
    r2 = target[half:].sum() / max(base[half:].sum(), 1e-6)
    ratio = float(r2 / max(r1, 1e-6))
    trend = "accelerating" if ratio < TREND_LIMITS[0] else "slowing" if ratio > TREND_LIMITS[1] else "steady"
    prof = RateProfile(tempo_cat=cat, tempo=tempo, trend=trend, trend_ratio=ratio)
    gaps = [i - 1 for i in boundaries(tokens, spaces_only=True)] if tokens is not None else []
    extra = np.array([target[i] - tempo * base[i] for i in gaps])
    paused = [i for i, e in zip(gaps, extra) if e >= PAUSE_FRAMES]
    if paused and len(paused) / len(gaps) >= MEASURED_PAUSE_RATE:
        rest = np.ones(len(base), bool)
        rest[paused] = False
        prof.tempo = float(target[rest].sum() / max(base[rest].sum(), 1e-6))
        prof.pause_rate = len(paused) / len(gaps)
        prof.pause_frames = float(np.mean(target[paused] - prof.tempo * base[paused]))
    return prof


# ---- emotion prosody ---------------------------------------------------------------
# Per-entity F0 level (semitones), F0 range (factor on log-F0 deviations), energy
# (dB, applied to the backbone's log-energy curve) and tempo (duration factor).
# Directions follow the cue patterns reviewed in Juslin & Laukka (2003,
# Psychol. Bull. 129:770) and Banse & Scherer (1996, JPSP 70:614): anger and joy
# raise F0 level, range and intensity and speed up; sadness lowers F0, narrows its
# range, softens and slows; fear raises F0 with a narrower range and a faster
# rate; disgust lowers F0 and slows; surprise has the highest F0 and widest range.
EMOTION_PROSODY = {
    #            level_st range energy_db tempo
    "happy":    (+2.0, 1.25, +2.0, 0.93),
    "angry":    (+1.5, 1.35, +4.0, 0.92),
    "disgust":  (-1.5, 0.90, -1.5, 1.12),
    "fear":     (+3.0, 0.80, -1.0, 0.90),
    "neutral":  (0.0, 1.00, 0.0, 1.00),
    "sad":      (-2.0, 0.65, -4.0, 1.20),
    "surprise": (+4.0, 1.50, +2.5, 0.97),
}
# The backbone's energy curve is a natural-log amplitude: 1 dB = ln(10)/20.
ENERGY_PER_DB = math.log(10) / 20


def mixture_params(weights: dict[str, float], table: dict | None = None) -> tuple[float, float, float, float]:
    """Weighted mix of the per-entity parameters (range and tempo in log domain), from
    EMOTION_PROSODY or a table of the same form (e.g. measured from real speech)."""
    table = table or EMOTION_PROSODY
    total = sum(weights.values()) or 1.0
    level = energy = 0.0
    log_range = log_tempo = 0.0
    for name, w in weights.items():
        lv, rg, en, tp = table[name]
        level += w / total * lv
        log_range += w / total * math.log(rg)
        energy += w / total * en
        log_tempo += w / total * math.log(tp)
    return level, math.exp(log_range), energy, math.exp(log_tempo)


def sample_mixture(rng: random.Random) -> dict[str, float]:
    r = rng.random()
    a = rng.choice(ENTITIES)
    if r < 0.6 or a == "neutral":
        return {a: 1.0}
    b = rng.choice([e for e in ENTITIES if e not in (a, "neutral")])
    w = rng.choice((0.6, 0.7, 0.8))
    return {a: w, b: round(1 - w, 2)}


def apply_emotion(f0: np.ndarray, energy: np.ndarray, weights: dict[str, float],
                  table: dict | None = None):
    """Transform the backbone's F0 (Hz, 0 = unvoiced) and energy curves."""
    level, rng_factor, energy_db, _ = mixture_params(weights, table)
    from core.instruct.iec import VOICED_HZ
    voiced = f0 > VOICED_HZ
    out_f0 = f0.astype(np.float64).copy()
    if voiced.any():
        logf0 = np.log(f0[voiced])
        mu = logf0.mean()
        out_f0[voiced] = np.exp(mu + rng_factor * (logf0 - mu) + level * math.log(2) / 12)
    out_en = energy.astype(np.float64) + energy_db * ENERGY_PER_DB
    return out_f0.astype(np.float32), out_en.astype(np.float32)
