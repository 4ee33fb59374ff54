"""The project's own dub of one evaluation clip, made by the project's pipeline.

Preferred path: analyse the video (core.analyze: cue in/out from the picture, the two
instructions), predict with the instructed predictor (IDD/IEC, durations fitted to
the cue's slot), render with the voice, and lay the line on a silent track of the
clip's length at the cue's in-time.

Fallbacks, each recorded in `info`: without core.analyze the slot is the ground
truth's speech span (VAD on the original track: oracle timing); without the
instructed predictor the backbone's own durations are scaled to the slot.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from core.alignment import FRAME_SAMPLES, FRAMES_PER_SECOND, SAMPLE_RATE, Alignment
from core.evaluate.audio_io import EVAL_SR, MetricError, load_audio

log = logging.getLogger(__name__)


def fit_durations(durations, n_frames: int) -> list[int]:
    """Scale durations so they sum to exactly n_frames, each at least 1 frame."""
    d = np.asarray(durations, dtype=np.float64)
    if n_frames < len(d):
        raise MetricError(f"slot of {n_frames} frames is shorter than {len(d)} phonemes")
    scaled = np.maximum(1.0, d * n_frames / max(d.sum(), 1e-9))
    out = np.maximum(1, np.floor(scaled)).astype(int)
    rest = n_frames - out.sum()
    order = np.argsort(-(scaled - np.floor(scaled)))       # largest remainders first
    i = 0
    while rest != 0:
        k = order[i % len(order)]
        if rest > 0:
            out[k] += 1
            rest -= 1
        elif out[k] > 1:
            out[k] -= 1
            rest += 1
        i += 1
    return out.tolist()


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


SILENT = set("$.,!?;:\"'()-—… ")                 # tokens that make no sound


FINAL_MAX = 8          # frames: the backbone gives a line's last phoneme ~0.4 s, mostly fade


def _kept(phonemes, durations, lead: int, tail: int) -> list[int]:
    keep = [int(d) for d in durations]
    keep[0] = min(keep[0], lead)
    last = max((i for i, p in enumerate(phonemes) if p not in SILENT), default=0)
    if last > 0:
        keep[last] = min(keep[last], FINAL_MAX)
    for i in range(max(last + 1, 1), len(keep)):
        keep[i] = min(keep[i], tail)
    return keep


def trim_edges(al: Alignment, lead: int = 1, tail: int = 2) -> Alignment:
    """Shorten the leading pad to `lead` frames, the last sounding phoneme to FINAL_MAX
    and each silent token after it to `tail` frames. Kokoro opens a line with ~0.4 s of
    silence and closes it with a long final phoneme and a pause for the full stop; a
    dub must speak from its cue's in-time to its out-time."""
    out = al.copy()
    keep = _kept(out.phonemes, out.durations, lead, tail)
    c = 2                                          # two curve values per frame
    f0, energy, t = [], [], 0
    for i, (d, k) in enumerate(zip(out.durations, keep)):
        a = t + d - k if i == 0 else t             # the lead pad keeps its end, others their start
        f0 += out.f0[c * a: c * (a + k)]
        energy += out.energy[c * a: c * (a + k)]
        t += d
    out.durations, out.f0, out.energy = keep, f0, energy
    return out


def trimmed_frames(phonemes, durations) -> int:
    """Frames trim_edges would remove."""
    return int(sum(durations)) - sum(_kept(phonemes, durations, 1, 2))


def _predict(eng, phonemes, voice, rate, emotion, entities, slot: float, info: dict) -> Alignment:
    """An alignment whose speech fills `slot` seconds from its first frame."""
    n_frames = max(1, int(round(slot * FRAMES_PER_SECOND)))
    try:
        from core.instruct.pipeline import instructed_predict
    except ImportError as e:
        instructed_predict = None
        info["predictor"] = f"backbone durations scaled to the slot (instructed predictor unavailable: {e})"
    if instructed_predict is not None:
        info["predictor"] = "core.instruct.pipeline.instructed_predict (IDD/IEC)"
        al = instructed_predict(eng, phonemes, voice, rate, emotion, entities or None, slot)
        for _ in range(4):  # predict for the slot plus the edge silences, which are dropped
            speech = al.n_frames - trimmed_frames(al.phonemes, al.durations)
            if abs(speech - n_frames) <= 1:
                break
            al = instructed_predict(eng, phonemes, voice, rate, emotion, entities or None,
                                    (al.n_frames + n_frames - speech) / FRAMES_PER_SECOND)
        info["predictor_notes"] = list(al.extra.get("notes", []))
        info["entities_used"] = al.entities
        return trim_edges(al)
    enc = eng.encode(phonemes, voice)
    base = enc.base_durations.cpu().numpy()
    rounded = [max(1, int(round(float(d)))) for d in base]
    speech = sum(rounded) - trimmed_frames(enc.tokens, rounded)
    total = int(round(sum(rounded) * n_frames / max(1, speech)))   # the slot plus edge silences
    durs = fit_durations(base, max(len(base), total))
    f0, energy = eng.prosody(enc, durs)
    return trim_edges(Alignment(phonemes=enc.tokens, durations=durs, f0=f0.tolist(),
                                energy=energy.tolist(), voice=voice))


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
