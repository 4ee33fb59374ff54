"""The project's own dub of one evaluation clip, made by the project's pipeline.

The clip becomes a one-cue project: analysed from the video (core.analyze: cue in/out
from the picture, the two instructions) or, with timing="oracle", timed by the ground
truth's speech span (VAD on the original track). The cue is then brought up to date
by the editor's own `Session.update` (predict with IDD/IEC in the voice's register,
render) and the line is laid on a track of the clip's length at its in-time, as export
builds the dialogue stem (core.line_match.matched_stem).
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from core.constants import DEFAULT_VOICE, SAMPLE_RATE
from core.constants import ANALYSIS_SR as EVAL_SR
from core.line_match import matched_stem, steps
from core.speech.checks import MeasurementError as MetricError
from core.speech.checks import load_audio
from core.project import Cue, Project
from core.session import Session

log = logging.getLogger(__name__)
TIMINGS = ("auto", "video", "guide", "oracle")


def _analysed_cue(video: Path, script: str, use_guide_audio: bool, info: dict) -> Cue:
    """The clip's cue from core.analyze: in/out times and the two instructions."""
    from core.analyze import AnalysisOptions, analyze
    from core.script import parse_text
    project = analyze(video, parse_text(script), AnalysisOptions(use_audio=use_guide_audio))
    cue = project.cues[0]
    info["analysis"] = "core.analyze" + (" with the original track" if use_guide_audio else
                                         " (picture only)")
    info["timing"] = cue.measurements.get("timing", "analysis")
    return cue


def _oracle_cue(video: Path, script: str, info: dict) -> Cue:
    from core.speech.vad import speech_span
    gt = load_audio(video, EVAL_SR)
    info["timing"] = "ground-truth speech span (VAD, oracle)"
    start, end = speech_span(gt, "ground truth")
    return Cue(id="clip", text=script, start=start, end=end)


def clip_project(video: Path, script: str, voice, timing: str, clip_seconds: float,
                 info: dict) -> Project:
    """A one-cue project for the clip: the whole script as one line, in `voice`."""
    if timing not in TIMINGS:
        raise MetricError(f"unknown timing {timing!r}; use one of {', '.join(TIMINGS)}")
    if timing == "oracle":
        cue = _oracle_cue(video, script, info)
    else:
        cue = _analysed_cue(video, script, timing == "guide", info)
    cue.text, cue.voice = script, voice
    cue.end = min(cue.end, clip_seconds)
    return Project(cues=[cue])


def dub_clip(video: str | Path, script: str, voice=DEFAULT_VOICE, *, eng=None,
             timing: str = "auto", info: dict | None = None, match_tone: bool = False,
             match_ambience: bool = False) -> np.ndarray:
    """24 kHz mono dub of `script` laid on a silent track as long as the clip.

    timing: "auto" or "video" (analysis of the picture), "guide" (analysis using the
    original track too) or "oracle" (the ground truth's VAD span). A cloned voice is
    rendered in the register it records. `match_tone`: EQ the line towards the guide
    track as export does (core.tone; guide timing only); `match_ambience`: lay the guide's
    floor under it (core.ambience). `info` is filled with what ran.
    """
    video = Path(video)
    info = {} if info is None else info
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    clip_seconds = len(load_audio(video, EVAL_SR)) / EVAL_SR
    project = clip_project(video, script, voice, timing, clip_seconds, info)
    cue = project.cues[0]
    info["slot_s"] = [round(cue.start, 3), round(cue.end, 3)]
    info["instructions"] = {"rate": cue.rate_instruction, "emotion": cue.emotion_instruction,
                            "entities": dict(cue.entities)}
    result = Session(project, engine_factory=lambda: eng).update(cue.id)
    al = result.alignment
    info["predictor"] = "core.session.Session.update (IDD/IEC)"
    info["predictor_notes"] = list(al.extra.get("notes", []))
    info["entities_used"] = al.entities
    for key in ("f0_ratio", "register_st"):
        if key in al.extra:
            info[key] = round(al.extra[key], 3)
    project.video.duration = clip_seconds
    stem = matched_stem(project, {cue.id: result.audio}, SAMPLE_RATE, SAMPLE_RATE,
                        match_tone, match_ambience)          # as export builds the stem
    if match_tone or match_ambience:
        done = steps(cue, match_tone, match_ambience)
        info["tone_matched"] = "tone" in done
        info["ambience_matched"] = "ambience" in done
    return stem.array()
