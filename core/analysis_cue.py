"""One cue's analysis: the visual pass over its span, the mouth and expression
measurements of the speaking face, the guide-audio figures, and the two
instructions written from them (or asked of the optional MLLM)."""
from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np

from core.analysis_models import AnalysisCancelled, AnalysisModels, Progress, cancelled
from core.errors import ModelMissingError, UserError
from core.project import Cue


def visual_pass(meta, start: float, end: float, models: AnalysisModels, progress: Progress | None = None,
                cancel=None, keep_frames: int = 0):
    """Faces, mouths and expressions over [start, end). Returns (FaceTracks, frames)
    where frames are up to `keep_frames` small RGB frames spread over the span (for the MLLM)."""
    import cv2
    from core.video.decode import iter_frames
    from core.video.face import FaceTracks

    opts = models.opts
    stride = max(1, int(round(meta.fps / opts.analysis_fps)))
    expr_every = max(1, int(round(meta.fps / stride / opts.expression_fps)))
    tracks = FaceTracks()
    models.faces.reset()                       # a seek: follow no old crop
    total = max(1, int((end - start) * meta.fps / stride))
    keep_at = set(np.linspace(0, total - 1, keep_frames).round().astype(int)) if keep_frames else set()
    kept = []
    for k, fr in enumerate(iter_frames(meta.path, meta.fps, start, end, stride, opts.max_width)):
        if cancelled(cancel):
            raise AnalysisCancelled("analysis cancelled")
        faces = models.faces.find(fr.small, fr.full)
        ids = tracks.add(fr.index, fr.time, faces)
        if k % expr_every == 0:
            for tid, f in zip(ids, faces):
                tracks.set_expression(tid, models.expression.predict(fr.full, f.box))
        if k in keep_at:
            kept.append(cv2.cvtColor(fr.small, cv2.COLOR_BGR2RGB))
        if progress and k % 10 == 0:
            progress(min(1.0, k / total), f"faces {fr.time:.1f}/{end:.1f} s")
    return tracks, kept


def mouth_and_expression(tracks, meta, start: float, end: float,
                          face_at: tuple[float, float] | None = None) -> dict:
    """Per-cue visual measurements from tracks that cover [start, end)."""
    from core.video.expression import summarise
    from core.video.mouth import analyse_mouth, to_frame_rate

    f0 = int(np.ceil(start * meta.fps - 1e-6))
    f1 = max(f0 + 1, int(np.ceil(end * meta.fps - 1e-6)))
    t0 = f0 / meta.fps
    faces = tracks.summary()
    times = np.array(tracks.times, dtype=np.float64)
    in_cue = (times >= start) & (times < end)
    chosen = None
    if face_at is not None:      # the user's choice: the face nearest that point
        chosen = tracks.nearest_track(face_at)
        if chosen is None:
            raise UserError(f"no face was found near ({face_at[0]:.2f}, {face_at[1]:.2f}) in this cue")
    if chosen is None:        # the face whose mouth moves most inside the cue
        best = 0.0
        for s in faces:
            m = tracks.mouth_series(s["track"])[in_cue]
            seen = np.isfinite(m)
            score = float(np.nanstd(m)) * seen.mean() if seen.sum() > 2 else 0.0
            if seen.mean() > 0.05 and (chosen is None or score > best):
                chosen, best = s["track"], score
    out = {"faces": faces, "face_track": chosen, "mouth_fps": meta.fps, "mouth_t0": round(t0, 4)}
    if face_at is not None:
        out["face_choice"] = [round(float(face_at[0]), 3), round(float(face_at[1]), 3)]
    if chosen is None:
        out.update({"mouth_curve": [None] * (f1 - f0), "face_found_share": 0.0,
                    "mouth": {"face_found_share": 0.0, "visible": False, "reason": "no face found"},
                    "expression": None})
        return out
    curve = to_frame_rate(times, tracks.mouth_series(chosen), meta.fps, t0, f1 - f0,
                          max_gap=1.5 / max(1e-6, meta.fps) + (times[1] - times[0] if len(times) > 1 else 0))
    mouth = analyse_mouth(curve, meta.fps, t0)
    et, ep = tracks.expression_series(chosen)
    sel = (et >= start) & (et < end)
    out.update({"mouth_curve": [None if not np.isfinite(v) else round(float(v), 4) for v in curve],
                "face_found_share": mouth["face_found_share"], "mouth": mouth,
                "expression": summarise(et[sel], ep[sel])})
    return out


def _guide(meta, text: str, start: float, end: float, models: AnalysisModels,
           margin: float) -> dict | None:
    """Guide-track measurements of [start, end) (with VAD run on the cue's audio), and
    the pitch level of each word of `text` there (core.instruct.melody)."""
    if not (meta.has_audio and models.opts.use_audio):
        return None
    from core.constants import ANALYSIS_SR
    from core import tone
    from core.guide_audio import measure
    from core.speech.pitch import pitch
    from core.speech.vad import speech_segments
    a0 = max(0.0, start - margin)
    audio = models.audio_span(meta, a0, end + margin)
    models.vad.reset()
    probs = models.vad.feed(audio)
    segs = [(s + a0, e + a0) for s, e in speech_segments(probs)]
    segs = [(max(s, start), min(e, end)) for s, e in segs if e > start and s < end]
    lo, hi = int((start - a0) * ANALYSIS_SR), int((end - a0) * ANALYSIS_SR)
    clip, track = audio[lo:hi], None
    with contextlib.suppress(ModelMissingError):   # measure() says why pitch is missing
        track = pitch(clip)
    out = measure(clip, segs, offset=start, track=track)
    if models.opts.asr and out.get("speech_found"):
        from core.speech.asr import word_pauses, word_timings
        out["words"] = word_timings(clip, offset=start)
        out["word_pauses"] = word_pauses(out["words"])
    if out.get("speech_found") and len(clip) >= tone.N_FFT:
        out["tone_db"] = [round(float(x), 1) for x in tone.bands(clip, ANALYSIS_SR)]
        out["ambience"] = _ambience(meta, start, end, models)
    if out.get("f0_range_st"):
        from core.instruct.melody import guide_clause
        out["melody"] = guide_clause(track, start, segs, text, out.get("words"),
                                     out["f0_range_st"], out.get("nuclei"))
    return out


def _ambience(meta, start: float, end: float, models: AnalysisModels) -> dict | None:
    """The guide's floor around [start, end) (core.ambience), read where the VAD hears
    no speech within REACH_SECONDS of the cue."""
    from core import ambience
    from core.constants import ANALYSIS_SR
    from core.speech.vad import speech_segments
    a0 = max(0.0, start - ambience.REACH_SECONDS)
    audio = models.audio_span(meta, a0, end + ambience.REACH_SECONDS)
    models.vad.reset()
    return ambience.measure(audio, ANALYSIS_SR, speech_segments(models.vad.feed(audio)))


def summarise_cue(cue: Cue, meta, visual: dict, guide: dict | None) -> Cue:
    """Fill a cue's measurements, instructions and entity weights."""
    from core.video import writer
    m = {k: v for k, v in visual.items() if k != "mouth"}
    mouth = visual.get("mouth") or {}
    m.update({
        "syllable_rate": mouth.get("syllable_rate"),
        "pauses": mouth.get("pauses", []),
        "trend": mouth.get("trend"),
        "mouth_active": mouth.get("active"),
        "mouth_peaks": mouth.get("peak_times", []),
        "mouth_reason": mouth.get("reason"),
        "guide": guide,
    })
    cue.measurements = m
    cue.rate_instruction = writer.rate_instruction(cue.text, cue.slot, mouth, guide)
    cue.emotion_instruction = writer.emotion_instruction(
        cue.text, visual.get("expression"), guide, visual.get("face_found_share", 0.0))
    cue.entities = writer.entity_weights(visual.get("expression"))
    return cue


def run_cue(cue: Cue, meta, models: AnalysisModels, tracks=None, progress=None, cancel=None,
             face_at: tuple[float, float] | None = None) -> Cue:
    opts = models.opts
    frames = []
    if tracks is None:
        lo, hi = max(0.0, cue.start - opts.margin), min(meta.duration, cue.end + opts.margin)
        tracks, frames = visual_pass(meta, lo, hi, models, progress, cancel,
                                     keep_frames=opts.mllm_frames if opts.mllm_dir else 0)
    else:                                  # whole-video tracks: keep only this cue's frames
        tracks = tracks.window(cue.start - opts.margin, cue.end + opts.margin)
    visual = mouth_and_expression(tracks, meta, cue.start, cue.end, face_at)
    guide = _guide(meta, cue.text, cue.start, cue.end, models, opts.margin)
    summarise_cue(cue, meta, visual, guide)
    if models.mllm is not None:
        if progress:
            progress(0.95, "asking the MLLM")
        rate, emo = models.mllm.instructions(cue.text, frames, cue.measurements)
        cue.measurements["embedded_instructions"] = {"rate": cue.rate_instruction,
                                                     "emotion": cue.emotion_instruction}
        from core.instruct.melody import CLAUSE, describe
        melody = describe((guide or {}).get("melody") or [])
        cue.rate_instruction = rate
        cue.emotion_instruction = emo if CLAUSE in emo else emo.rstrip() + melody
        cue.measurements["instruction_source"] = f"mllm:{Path(opts.mllm_dir).name}"
    else:
        cue.measurements["instruction_source"] = "embedded"
    return cue
