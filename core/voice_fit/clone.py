"""Cloning a voice from one transcribed reference clip with the fit of core.voice_fit.

Made for a 10-s clip on one CPU thread (bench/results/clone_speed.md has the profile):
the voice starts from `en_lj` (native English timing and melody, a clean sound), the
prosody half takes a few large steps, and the acoustic half learns the reference's
speaker embedding alone: a clip from a film carries music, effects and room, and a
mel-spectrum loss taught the decoder those too (docs/evaluation.md, "Cloning from film
audio": MOS 1.2-1.3 on such clips). Only the fitted voice is rendered to be measured, once: its
similarity and mel figures come from the same 4-s render (the start's similarity is None;
bench/clone_speed.py --set measure_start=True measures it).
An acoustic step (a 34-frame crop through the decoder, forward and backward, and the
torch d-vector: one 0.8-s window) costs about 2.3 s; `steps` sets how many (18 by
default, core.constants.CLONE_STEPS, at lr 0.02).
"""
from __future__ import annotations

import numpy as np

from core.voice_fit import FitSettings, fit_voice

CLONE_START = ("en_lj",)          # the voice a clone starts from (both halves)
CLONE_PROSODY_STEPS = 6
CLONE_ACOUSTIC_LR = 0.02          # 18 steps: similarity 0.776 over 3 crop seeds (0.01, 20: 0.740)


def clone_settings(steps: int) -> FitSettings:
    return FitSettings(prosody_steps=CLONE_PROSODY_STEPS, prosody_batch=1, prosody_lr=0.05,
                       acoustic_steps=steps, acoustic_lr=CLONE_ACOUSTIC_LR, crop_frames=34,
                       val_crops=0, mel_weight=0.0,
                       acoustic_start="average", measure_start=False)


def clone_by_fit(ref24: np.ndarray, transcript: str, transcript_from: str, *, steps: int,
                 eng=None, progress=None, cancel=None, name: str = "", check: bool = True) -> dict:
    """{"vector", "clone": {...}, "fit": {...}}; "clone" keeps voice_clone's fields.
    check: rate the fitted voice and pull a broken timbre back (core.voice_fit.check)."""
    from core.voice_fit.check import guard_timbre
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    voice = fit_voice([(ref24, transcript, name or "reference")], clone_settings(steps),
                      eng=eng, progress=progress, cancel=cancel, start_packs=CLONE_START)
    fit, vector, checked = voice["fit"], voice["vector"], None
    if check:
        if progress:
            progress(0.98, "checking that the voice sounds clean")
        kept, checked = guard_timbre(eng, vector, voice["start_vector"], cancel)
        vector = [round(float(x), 6) for x in kept]
    return {"vector": vector,
            "clone": {"reference": name, "method": "fit", "transcript": transcript,
                      "transcript_from": transcript_from,
                      "start_pack": "+".join(fit["start"].get("acoustic_packs", CLONE_START)),
                      "steps": steps, "kept_step": steps, "f0_ratio": 1.0,
                      "before": {"similarity": fit["before"]["similarity"], "wer": None},
                      "after": {"similarity": fit["after"]["similarity"], "wer": None},
                      "check": checked, "history": [], "seconds": fit["seconds"]},
            "fit": fit}
