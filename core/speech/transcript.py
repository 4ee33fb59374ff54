"""Comparing what was said with what was meant: text normalisation (shared by WER and
the forced aligner: lower case, plain apostrophes, numbers spelt out, punctuation
dropped) and the word error rate."""
from __future__ import annotations

import re

from core.speech.checks import MeasurementError

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
         "fourteen fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """Spell out 0 <= n < 1,000,000 ('twenty one', 'three hundred five')."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return number_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + number_words(rest))
    return " ".join(_ONES[int(c)] for c in str(n))


def normalize_text(text: str) -> str:
    """'Sly fox, dumb bunny!' -> 'sly fox dumb bunny'; "It's 7." -> "it's seven"."""
    t = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    t = t.replace("%", " percent").replace("&", " and ")
    t = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", t)
    t = re.sub(r"[-\u2013\u2014/]", " ", t)
    t = re.sub(r"[^a-z' ]+", " ", t)          # punctuation and symbols
    words = [w.strip("'") for w in t.split()]
    return " ".join(w for w in words if w)


def words_of(text: str) -> list[str]:
    return normalize_text(text).split()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = words_of(reference)
    if not ref:
        raise MeasurementError("the reference script has no words")
    return edit_distance(ref, words_of(hypothesis)) / len(ref)
