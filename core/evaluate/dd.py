"""DD (duration divergence), as the paper's code computes it, plus the mean absolute
phone-duration error in ms. Phone durations come from pocketsphinx forced alignment
of the ground truth and of the dub against the same script."""
from __future__ import annotations

import numpy as np

from core.evaluate.phone_align import FRAME_MS, align_phones
from core.speech.checks import MeasurementError
from core.speech.transcript import words_of


def _distribution(durations) -> np.ndarray:
    d = np.asarray(durations, dtype=np.float64).copy()
    d[d == d.min()] = 1.0               # entries equal to the minimum set to 1
    d = d + 0.01
    return d / d.sum()


def duration_divergence(gt_durations, dub_durations) -> float:
    """KL(GT || dub) between the normalised phone-duration sequences."""
    if len(gt_durations) != len(dub_durations):
        raise MeasurementError(f"phone counts differ: {len(gt_durations)} (GT) vs {len(dub_durations)} (dub)")
    if len(gt_durations) == 0:
        raise MeasurementError("no phones to compare")
    p, q = _distribution(gt_durations), _distribution(dub_durations)
    return float(np.sum(p * np.log(p / q)))


def _word_variants(words: list[str]):
    """The full script, then with an edge word dropped (the aligner's usual failure)."""
    yield words
    if len(words) > 2:
        yield words[1:]
        yield words[:-1]


def dd_metric(gt: np.ndarray, dub: np.ndarray, script: str) -> dict:
    """{'dd', 'phone_mae_ms', 'n_phones', 'words_dropped'} for 16 kHz audio."""
    words = words_of(script)
    if not words:
        raise MeasurementError("the script has no words to align")
    errors = []
    for variant in _word_variants(words):
        try:
            gt_ph = align_phones(gt, variant, "ground truth")
            dub_ph = align_phones(dub, variant, "dub")
        except MeasurementError as e:
            errors.append(str(e))
            continue
        g = np.array([d for _, d in gt_ph], float)
        s = np.array([d for _, d in dub_ph], float)
        return {"dd": round(duration_divergence(g, s), 5),
                "phone_mae_ms": round(float(np.mean(np.abs(g - s))) * FRAME_MS, 2),
                "n_phones": len(g), "words_dropped": len(words) - len(variant)}
    raise MeasurementError("; ".join(dict.fromkeys(errors)))
