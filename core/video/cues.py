"""Cue in/out times: from SRT when given, else from the guide audio's speech
spans, else from visible mouth activity. Script lines are matched to spans in
order, by their share of the syllables."""
from __future__ import annotations

import numpy as np

from core.script import count_syllables

Span = tuple[float, float]


MAX_SPANS_PER_LINE = 40
RATE_SPREAD = 0.3          # spread of ln(a line's speech time / its syllable share of all)
BREAK_GAP = 0.3            # seconds of silence as likely between lines as within one
BREAK_SLOPE = 0.08         # seconds: how sharply longer gaps become line breaks


def _group(spans: list[Span], weights: list[float]) -> list[Span]:
    """Split `spans` (sorted, >= len(weights)) into len(weights) consecutive groups, the
    most likely way: each group's speech time near its syllable share (log-normal, spread
    RATE_SPREAD), line breaks at long gaps and none at short ones (logistic in the gap
    around BREAK_GAP). Dynamic programming over the gaps, vectorised over the end span, at
    most MAX_SPANS_PER_LINE spans a line (a feature film's thousand lines take a fraction
    of a second)."""
    n, k = len(spans), len(weights)
    dur = np.array([e - s for s, e in spans])
    cum = np.concatenate([[0.0], np.cumsum(dur)])
    target = np.array(weights, dtype=np.float64) / sum(weights) * cum[-1]
    gaps = np.array([spans[i + 1][0] - spans[i][1] for i in range(n - 1)])
    x = (gaps - BREAK_GAP) / BREAK_SLOPE
    cut = np.concatenate([[0.0], np.logaddexp(0.0, -x)])        # -ln P(break) before span i
    keep = np.concatenate([[0.0], np.cumsum(np.logaddexp(0.0, x))])  # -ln P(no break), summed
    g = min(MAX_SPANS_PER_LINE, n - k + 1)
    cost = np.full((k + 1, n + 1), np.inf)
    back = np.zeros((k + 1, n + 1), dtype=np.int64)
    cost[0, 0] = 0.0
    idx = np.arange(n + 1)
    for j in range(1, k + 1):
        for length in range(1, g + 1):      # group j = spans [start, i)
            start = idx - length
            ok = start >= 0
            i, h = idx[ok], start[ok]
            speech = np.maximum(cum[i] - cum[h], 1e-6)
            c = np.full(n + 1, np.inf)
            c[ok] = (cost[j - 1, h] + np.log(speech / target[j - 1]) ** 2 / (2 * RATE_SPREAD ** 2)
                     + keep[i - 1] - keep[h] + np.where(h > 0, cut[h], 0.0))
            better = c < cost[j]
            cost[j, better], back[j, better] = c[better], start[better]
    if not np.isfinite(cost[k, n]):          # more spans than k lines x g can hold
        return _split(spans, weights)
    out, i = [], n
    for j in range(k, 0, -1):
        h = int(back[j, i])
        out.append((spans[h][0], spans[i - 1][1]))
        i = h
    return out[::-1]


def _split(spans: list[Span], weights: list[float]) -> list[Span]:
    """Fewer spans than lines: lay the lines along the speech time by syllable share."""
    dur = np.array([e - s for s, e in spans])
    cum = np.concatenate([[0.0], np.cumsum(dur)])

    def at(x: float) -> float:                      # speech-time position -> video time
        i = int(np.clip(np.searchsorted(cum, x, side="right") - 1, 0, len(spans) - 1))
        return spans[i][0] + min(x - cum[i], dur[i])

    share = np.concatenate([[0.0], np.cumsum(weights)]) / sum(weights) * cum[-1]
    return [(round(float(at(share[j])), 3), round(float(at(share[j + 1] - 1e-6)), 3))
            for j in range(len(weights))]


def assign(spans: list[Span], texts: list[str], duration: float) -> tuple[list[Span], str]:
    """Cue times for `texts` from activity `spans`. Returns (times, how) where how
    says what the times rest on."""
    weights = [max(1, count_syllables(t)) for t in texts]
    spans = sorted((float(s), float(e)) for s, e in spans if e > s)
    if not spans:
        step = duration / max(1, len(texts))
        return [(round(i * step, 3), round((i + 1) * step, 3)) for i in range(len(texts))], "even split"
    if len(spans) >= len(texts):
        return [(round(s, 3), round(e, 3)) for s, e in _group(spans, weights)], "grouped"
    return _split(spans, weights), "split by syllables"


MIN_SYLLABLE_SECONDS = 0.08     # over 12 syllables a second: nobody speaks that fast


def crowded(times: list[Span], texts: list[str], shown: int = 3) -> list[str]:
    """Warnings for cues too short for their line (more script lines than speech found)."""
    bad = []
    for i, ((s, e), t) in enumerate(zip(times, texts), 1):
        syl = max(1, count_syllables(t))
        if e - s < syl * MIN_SYLLABLE_SECONDS:
            bad.append(f"line {i} ({t[:30]!r}) gets {max(0.0, e - s):.2f} s for {syl} syllable(s)")
    if not bad:
        return []
    speech = sum(max(0.0, e - s) for s, e in times)
    more = f"; and {len(bad) - shown} more" if len(bad) > shown else ""
    return [f"{len(bad)} of {len(texts)} cues are too short to speak their line "
            f"({speech:.1f} s of cue time in all): " + "; ".join(bad[:shown]) + more
            + ". The script may have more lines than the speech found: check the cue times "
            "(or give an .srt with them)"]
