"""Sync: how far the dub's speech onset and offset fall from the ground truth's (ms).

Both tracks are assumed to start at the clip's first frame (a dub is laid from 0).
"""
from __future__ import annotations

import numpy as np

from core.speech.vad import speech_span


def sync_error(gt: np.ndarray, dub: np.ndarray) -> dict:
    """{'onset_ms', 'offset_ms', 'sync_ms' (their mean)}, all absolute errors."""
    gt_on, gt_off = speech_span(gt, "ground truth")
    dub_on, dub_off = speech_span(dub, "dub")
    onset = abs(dub_on - gt_on) * 1000
    offset = abs(dub_off - gt_off) * 1000
    return {"onset_ms": round(onset, 1), "offset_ms": round(offset, 1),
            "sync_ms": round((onset + offset) / 2, 1),
            "gt_span_s": [round(gt_on, 3), round(gt_off, 3)],
            "dub_span_s": [round(dub_on, 3), round(dub_off, 3)]}
