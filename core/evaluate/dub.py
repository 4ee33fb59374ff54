"""The project's own dub of one evaluation clip, made by the project's pipeline.

Preferred path: analyse the video (core.analyze: cue in/out from the picture, the two
instructions), predict with the instructed predictor (IDD/IEC, durations fitted to
the cue's slot), render with the voice, and lay the line on a silent track of the
clip's length at the cue's in-time.

Without core.analyze (or with timing="oracle") the slot is the ground truth's
speech span (VAD on the original track), recorded in `info`.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from core.alignment import FRAME_SAMPLES, SAMPLE_RATE, Alignment
from core.evaluate.audio_io import EVAL_SR, MetricError, load_audio

log = logging.getLogger(__name__)


def _analysis_cue(video: Path, script: str, use_guide_audio: bool, info: dict):
    """(start, end, rate, emotion, entities) from core.analyze, or None when absent."""
    try:
        from core.analyze import AnalysisOptions, analyze
        from core.script import parse_text
    except ImportError as e:
        info["analysis"] = f"unavailable ({e})"
        return None
    project = analyze(video, parse_text(script), AnalysisOptions(use_audio=use_guide_audio))
    cue = project.cues[0]
    info["analysis"] = "core.analyze" + (" with the original track" if use_guide_audio else
                                         " (picture only)")
    info["timing"] = cue.measurements.get("timing", "analysis")
    return cue.start, cue.end, cue.rate_instruction, cue.emotion_instruction, dict(cue.entities)


def _oracle_span(video: Path, info: dict) -> tuple[float, float]:
    from core.evaluate.vad import speech_span
    gt = load_audio(video, EVAL_SR)
    info["timing"] = "ground-truth speech span (VAD, oracle)"
    return speech_span(gt, "ground truth")


def _predict(eng, phonemes, voice, rate, emotion, entities, slot: float, info: dict) -> Alignment:
    """An alignment whose speech fills `slot` seconds (idd.slot_plan)."""
    from core.instruct.pipeline import instructed_predict
    info["predictor"] = "core.instruct.pipeline.instructed_predict (IDD/IEC)"
    al = instructed_predict(eng, phonemes, voice, rate, emotion, entities or None, slot)
    info["predictor_notes"] = list(al.extra.get("notes", []))
    info["entities_used"] = al.entities
    return al


def dub_clip(video: str | Path, script: str, voice="jm_kumo", *, eng=None,
             timing: str = "auto", f0_ratio: float = 1.0, info: dict | None = None) -> np.ndarray:
    """24 kHz mono dub of `script` laid on a silent track as long as the clip.

    timing: "auto" (analysis of the picture when core.analyze exists, else oracle),
    "video", "guide" (analysis using the original track too) or "oracle" (the
    ground truth's VAD span). `f0_ratio` scales the predicted pitch (cloned voices
    record their speaker's register). `info` is filled with what ran.
    """
    video = Path(video)
    info = {} if info is None else info
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    clip_seconds = len(load_audio(video, EVAL_SR)) / EVAL_SR
    cue = None
    if timing in ("auto", "video", "guide"):
        cue = _analysis_cue(video, script, timing == "guide", info)
        if cue is None and timing != "auto":
            raise MetricError(f"timing={timing!r} needs core.analyze: {info['analysis']}")
    if cue is None:
        start, end = _oracle_span(video, info)
        rate = emotion = ""
        entities = {}
    else:
        start, end, rate, emotion, entities = cue
    end = min(end, clip_seconds)
    info["slot_s"] = [round(start, 3), round(end, 3)]
    al = _predict(eng, eng.phonemize(script), voice, rate, emotion, entities, end - start, info)
    if f0_ratio != 1.0:
        al.f0 = [f * f0_ratio for f in al.f0]
        info["f0_ratio"] = round(f0_ratio, 3)
    info["instructions"] = {"rate": rate, "emotion": emotion, "entities": entities}
    line = eng.render(al)
    track = np.zeros(int(round(clip_seconds * SAMPLE_RATE)) + FRAME_SAMPLES, np.float32)
    at = int(round(start * SAMPLE_RATE))
    n = min(len(line), len(track) - at)
    track[at:at + n] = line[:n]
    return track[: int(round(clip_seconds * SAMPLE_RATE))]
