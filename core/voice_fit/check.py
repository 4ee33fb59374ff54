"""A clone's last check: does the fitted voice still sound like speech?

One short sentence is rendered in the fitted voice and rated by DistillMOS
(core.speech.mos). On the shared film clips the fitted timbre rated 3.2-4.2 on this
check for most references and 1.2 for one (a 2-s clip under music): that voice was
broken in every line. Under MIN_MOS the timbre (the acoustic half) is moved back towards
the start's in KEEP steps until the check passes; the fitted timing and melody stay.
"""
from __future__ import annotations

import numpy as np

from core.constants import ANALYSIS_SR, SAMPLE_RATE

CHECK_TEXT = "These days a chicken leg is a rare dish."
MIN_MOS = 2.5              # en_lj 4.5; sound clones 3.2-4.2; the broken one 1.2
KEEP = (0.4, 0.0)          # shares of the fitted timbre tried when the check fails


def rate(eng, vector) -> float:
    """DistillMOS of CHECK_TEXT rendered in the voice `vector` (256 numbers)."""
    from core.audio import resample
    from core.speech.mos import mos_metric
    al = eng.predict(eng.phonemize(CHECK_TEXT), {"vector": [float(x) for x in vector]})
    return mos_metric(resample(eng.render(al), SAMPLE_RATE, ANALYSIS_SR))["mos"]


def guard_timbre(eng, vector, start, cancel=None) -> tuple[np.ndarray, dict]:
    """(the vector to keep, what the check found). `start`: the vector the fit began from.
    Without DistillMOS the vector is kept unchecked, and the result says why."""
    from core.errors import ModelMissingError
    from core.voice_fit import check_cancel
    vector, start = np.asarray(vector, np.float32), np.asarray(start, np.float32)
    try:
        mos = rate(eng, vector)
    except ModelMissingError as e:
        return vector, {"skipped": str(e)}
    tried, out = [{"timbre_kept": 1.0, "mos": mos}], vector
    if mos < MIN_MOS:
        for keep in KEEP:
            check_cancel(cancel)
            out = vector.copy()
            out[:128] = start[:128] + keep * (vector[:128] - start[:128])
            tried.append({"timbre_kept": keep, "mos": rate(eng, out)})
            if tried[-1]["mos"] >= MIN_MOS:
                break
    return out, {"text": CHECK_TEXT, "min_mos": MIN_MOS, "tried": tried,
                 "timbre_kept": tried[-1]["timbre_kept"], "mos": tried[-1]["mos"]}
