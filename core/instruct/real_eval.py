"""Scoring IDD and IEC against real held-out speech (used by bench/prosody_emotion.py).

Emotion: each (emotion, intensity) is rendered through instructed_predict with the
label's entities and measured in the audio exactly as the recordings are measured
(real_measure), against the same sentence rendered without an emotion.
Durations: IDD's per-phone durations against the forced-aligned ones, with the rate
instruction written from each line's own measured tempo, trend and pauses.
"""
from __future__ import annotations

import math
import random

import numpy as np

from core.instruct import corpus, phrasing, real_measure
from core.instruct.embed import token_embeddings
from core.instruct.idd import rescale_to_slot
from core.instruct.idd_predict import predict_durations

MS_PER_FRAME = 25.0


# ---- emotion -------------------------------------------------------------------------

def render_measure(eng, phonemes, voice, entities=None) -> tuple[real_measure.Measures, dict]:
    from core.instruct.pipeline import instructed_predict
    al = instructed_predict(eng, phonemes, voice, entities=entities)
    audio = eng.render(al)
    m = real_measure.measure_audio(audio, al.phonemes, al.durations)
    return m, dict(gain_db=float(al.extra.get("gain_db", 0.0)), peak=float(np.abs(audio).max()))


def predicted_changes(eng, texts, voice, cells) -> dict:
    """(emotion, intensity) -> mean rendered change {st, db, ratio} over the texts.
    `cells` maps each (emotion, intensity) to its entity weights."""
    out = {key: [] for key in cells}
    for text in texts:
        phon = eng.phonemize(text)
        neutral, _ = render_measure(eng, phon, voice)
        for key, weights in cells.items():
            m, facts = render_measure(eng, phon, voice, weights)
            if m.tokens != neutral.tokens:
                raise ValueError("the rendered token sequences differ")
            ch = real_measure.change(m, neutral)
            out[key].append(dict(st=ch.line_st, db=ch.line_db, ratio=ch.line_ratio, **facts))
    return {key: {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
            for key, rows in out.items()}


def correlation(a, b) -> float:
    a, b = np.asarray(a, float), np.asarray(b, float)
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


# ---- durations -------------------------------------------------------------------------

def idd_durations(model, rec: dict, text: str) -> np.ndarray:
    """IDD's float durations for a backbone record under a rate instruction."""
    return predict_durations(model, rec["bert"], rec["base"], rec["tokens"], token_embeddings(text))


def phone_mae_ms(pred: np.ndarray, real: np.ndarray, groups, in_slot: bool) -> float:
    """Mean |pred - real| per phone group (real_data.groups_of) in ms; in_slot: the
    speech (pads left out) first rescaled to the real speech's length, as in a slot."""
    p, r = np.asarray(pred, float).copy(), np.asarray(real, float)
    if in_slot:
        inner, total = p[1:-1], r[1:-1].sum()
        p[1:-1] = (rescale_to_slot(inner, total / 40) if total >= len(inner)
                   else inner * total / inner.sum())
    errs = [abs(p[idx].sum() - r[idx].sum()) for idx, kind in groups if kind == "phone"]
    return float(np.mean(errs) * MS_PER_FRAME)


def half_contrast(pred: np.ndarray, base: np.ndarray) -> float:
    """(pred/base over the second half) / (same over the first half), pads left out."""
    ratio = np.asarray(pred, float)[1:-1] / np.maximum(np.asarray(base, float)[1:-1], 0.5)
    half = len(ratio) // 2
    return float(ratio[half:].mean() / ratio[:half].mean())


def boundary_pauses(pred, base, tokens) -> np.ndarray:
    """Frames at each word boundary without punctuation beyond what the line's tempo
    gives the backbone's."""
    pred, base = np.asarray(pred, float), np.asarray(base, float)
    tempo = pred[1:-1].sum() / max(base[1:-1].sum(), 1e-6)
    idx = corpus.boundaries(tokens, spaces_only=True)
    return np.array([pred[i] - tempo * base[i] for i in idx])


def duration_scores(idd, items, families, seed: int = 0) -> dict:
    """items: real_items(...). MAE (free and in the real slot) for the
    backbone and for IDD with an instruction written from the measured profile;
    trend contrast and pause presence under plain trend / pause instructions."""
    rng = random.Random(seed)
    rows = {"backbone": ([], []), "IDD, measured instruction": ([], [])}
    trend = {"accelerating": [], "slowing": [], "steady": []}
    pauses = {"with pauses": [], "without": []}
    measured = {"trend": {}, "pauses": 0}
    for rec, real, groups in items:
        base = rec["base"].numpy()
        prof = corpus.measured_profile(base, real, rec["tokens"])
        measured["trend"][prof.trend] = measured["trend"].get(prof.trend, 0) + 1
        measured["pauses"] += prof.pause_rate > 0
        fam = families[rng.randrange(len(families))]
        pred = idd_durations(idd, rec, phrasing.rate_instruction(prof, fam, rng))
        for name, p in (("backbone", base), ("IDD, measured instruction", pred)):
            rows[name][0].append(phone_mae_ms(p, real, groups, False))
            rows[name][1].append(phone_mae_ms(p, real, groups, True))
        for name in trend:
            text = phrasing.rate_instruction(corpus.RateProfile(trend=name), fam, rng)
            trend[name].append(half_contrast(idd_durations(idd, rec, text), base))
        if len(corpus.boundaries(rec["tokens"], spaces_only=True)) >= 2:
            for name, rate in (("with pauses", 0.5), ("without", 0.0)):
                text = phrasing.rate_instruction(corpus.RateProfile(pause_rate=rate), fam, rng)
                extra = boundary_pauses(idd_durations(idd, rec, text), base, rec["tokens"])
                pauses[name].append(extra)
    out = dict(lines=len(items), measured=measured,
               mae_ms={k: dict(free=float(np.mean(v[0])), in_slot=float(np.mean(v[1])))
                       for k, v in rows.items()},
               trend_contrast={k: dict(mean=float(np.mean(v)), median=float(np.median(v)))
                               for k, v in trend.items()})
    out["trend_right"] = dict(
        accelerating=float(np.mean(np.array(trend["accelerating"]) < np.array(trend["steady"]))),
        slowing=float(np.mean(np.array(trend["slowing"]) > np.array(trend["steady"]))))
    out["pauses"] = {k: dict(lines_with_a_pause=float(np.mean([(e >= corpus.PAUSE_FRAMES).any() for e in v])),
                             mean_extra_frames=float(np.mean([e.mean() for e in v])),
                             boundaries_paused=float(np.mean(np.concatenate(v) >= corpus.PAUSE_FRAMES)))
                     for k, v in pauses.items() if v}
    return out


def real_items(lines, measures, recs, voice) -> list[tuple[dict, np.ndarray, list]]:
    """(backbone record, real durations in the backbone's convention, phone groups)."""
    from core.instruct.real_data import groups_of, real_durations
    out = []
    for line in lines:
        m = measures.get(str(line.path))
        if m is not None and (tuple(m.tokens), voice) in recs:
            rec = recs[(tuple(m.tokens), voice)]
            out.append((rec, real_durations(m, rec).numpy(), groups_of(m.tokens, m.durations)))
    return out


def finite_mean(values) -> float:
    vals = [v for v in values if math.isfinite(v)]
    return float(np.mean(vals)) if vals else float("nan")
