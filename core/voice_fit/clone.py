"""Cloning a voice from one transcribed reference clip with the fit of core.voice_fit.

Cost on one CPU thread (measured on a quiet machine, see the voice_fit tests and the
report of issue 9): about 1 s per 0.5 s of prosody step on a 10 s clip and about 3 s per
acoustic step (a 1 s crop through the decoder, forward and backward), plus a few
seconds to measure the clip and pick the start. `steps` sets the acoustic steps.
"""
from __future__ import annotations

import numpy as np

from core.voice_fit import FitSettings, fit_voice

CLONE_PROSODY_STEPS = 30


def clone_settings(steps: int) -> FitSettings:
    return FitSettings(prosody_steps=CLONE_PROSODY_STEPS, prosody_batch=1, acoustic_steps=steps,
                       crop_frames=40, val_crops=2)


def clone_by_fit(ref24: np.ndarray, transcript: str, transcript_from: str, *, steps: int,
                 eng=None, progress=None, cancel=None, name: str = "") -> dict:
    """{"vector", "clone": {...}, "fit": {...}}; "clone" keeps voice_clone's fields."""
    voice = fit_voice([(ref24, transcript, name or "reference")], clone_settings(steps),
                      eng=eng, progress=progress, cancel=cancel)
    fit = voice["fit"]
    return {"vector": voice["vector"],
            "clone": {"reference": name, "method": "fit", "transcript": transcript,
                      "transcript_from": transcript_from, "start_pack": fit["start"]["acoustic"],
                      "steps": steps, "kept_step": steps, "f0_ratio": 1.0,
                      "before": {"similarity": fit["before"]["similarity"], "wer": None},
                      "after": {"similarity": fit["after"]["similarity"], "wer": None},
                      "history": [], "seconds": fit["seconds"]},
            "fit": fit}
