"""Per-token prosody of a recording (or a render), and its change against a reference.

One measure for both sides, so real and rendered speech are compared alike:
- F0 in semitones (12 * log2 Hz), the mean over a token's voiced 12.5 ms values;
- energy in dB, the power mean of the 25 ms RMS curve over the token's values;
- duration in 25 ms frames.
A line's level is taken over its speech span (between the two "$" pads): median F0 in
semitones over voiced values, power-mean dB, and the number of speech frames.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from core.constants import CURVE_PER_FRAME, SAMPLE_RATE

SEMITONES_PER_LN = 12 / math.log(2)
MIN_VOICED = 2              # curve values a token needs for its F0 to count


@dataclass
class Measures:
    tokens: list[str]
    durations: np.ndarray        # frames per token
    st: np.ndarray               # per token, NaN where unvoiced
    db: np.ndarray               # per token, NaN for tokens without frames
    line_st: float               # NaN when the line has no voiced speech
    line_db: float
    speech_frames: int


def _power_db(db: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(10 ** (db / 10)))) if db.size else float("nan")


def measure(tokens, durations, f0: np.ndarray, db: np.ndarray) -> Measures:
    """Reduce 12.5 ms F0 (Hz, 0 unvoiced) and dB curves to tokens and to the line."""
    durations = np.asarray(durations, dtype=np.int64)
    c = CURVE_PER_FRAME
    n = int(durations.sum()) * c
    f0, db = np.asarray(f0, np.float64)[:n], np.asarray(db, np.float64)[:n]
    st_curve = np.where(f0 > 0, SEMITONES_PER_LN * np.log(np.maximum(f0, 1e-3)), np.nan)
    starts = np.concatenate([[0], np.cumsum(durations)[:-1]]) * c
    st = np.full(len(durations), np.nan)
    tok_db = np.full(len(durations), np.nan)
    for i, (a, d) in enumerate(zip(starts, durations)):
        seg = st_curve[a:a + c * d]
        voiced = seg[np.isfinite(seg)]
        if voiced.size >= MIN_VOICED:
            st[i] = voiced.mean()
        if d > 0:
            tok_db[i] = _power_db(db[a:a + c * d])
    lo, hi = c * int(durations[0]), n - c * int(durations[-1])
    span_st = st_curve[lo:hi]
    span_st = span_st[np.isfinite(span_st)]
    return Measures(list(tokens), durations, st, tok_db,
                    float(np.median(span_st)) if span_st.size else float("nan"),
                    _power_db(db[lo:hi]), int(durations[1:-1].sum()))


def measure_targets(t) -> Measures:
    """From core.speech_targets.SpeechTargets (a recording's alignment and curves)."""
    return measure(t.tokens, t.durations, t.f0, t.energy_db)


def measure_audio(audio24: np.ndarray, tokens, durations) -> Measures:
    """A render, with its own (known) timing: the same F0 tracker and dB curve as the
    recordings (core.speech_targets.f0_curve / energy_curves)."""
    from core.audio import resample
    from core.speech_targets import energy_curves, f0_curve
    n_curve = int(np.sum(durations)) * CURVE_PER_FRAME
    audio24 = np.asarray(audio24, np.float32).reshape(-1)
    f0 = f0_curve(resample(audio24, SAMPLE_RATE, 16000), n_curve)
    db, _ = energy_curves(audio24, n_curve)
    return measure(tokens, durations, f0, db)


@dataclass
class Change:
    """A reading against its reference: per token and for the line."""
    d_st: np.ndarray             # per token semitones, NaN where either is unvoiced
    d_db: np.ndarray             # per token dB
    log_ratio: np.ndarray        # per token ln(duration / reference), NaN without frames
    line_st: float
    line_db: float
    line_ratio: float            # speech frames / reference speech frames
    st_range: float              # spread of token F0 (std, semitones) / the reference's


def reference(refs: list[Measures]) -> Measures:
    """The mean of several readings of the same token sequence (e.g. both neutral takes)."""
    if len(refs) == 1:
        return refs[0]
    if any(r.tokens != refs[0].tokens for r in refs):
        raise ValueError("reference readings have different token sequences")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # all-NaN columns stay NaN
        st = np.nanmean(np.stack([r.st for r in refs]), axis=0)
        db = 10 * np.log10(np.nanmean(np.stack([10 ** (r.db / 10) for r in refs]), axis=0))
        line_st = float(np.nanmean([r.line_st for r in refs]))
    line_db = float(10 * np.log10(np.mean([10 ** (r.line_db / 10) for r in refs])))
    durations = np.mean(np.stack([r.durations for r in refs]), axis=0)
    return Measures(refs[0].tokens, durations, st, db, line_st, line_db,
                    int(round(np.mean([r.speech_frames for r in refs]))))


def change(reading: Measures, ref: Measures) -> Change:
    if reading.tokens != ref.tokens:
        raise ValueError("a reading and its reference must have the same tokens")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((reading.durations > 0) & (ref.durations > 0),
                         np.log(np.maximum(reading.durations, 1e-9) / np.maximum(ref.durations, 1e-9)),
                         np.nan)
    both = np.isfinite(reading.st) & np.isfinite(ref.st)
    spread = (float(np.std(reading.st[both]) / max(np.std(ref.st[both]), 1e-6))
              if both.sum() >= 3 else float("nan"))
    return Change(reading.st - ref.st, reading.db - ref.db, ratio,
                  reading.line_st - ref.line_st, reading.line_db - ref.line_db,
                  reading.speech_frames / max(ref.speech_frames, 1), spread)
