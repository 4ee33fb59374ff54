"""Video + script -> Project: cue times, mouth curves, expression, guide-audio
figures and the two instructions per cue.

Streams: frames are decoded cue by cue (or once through, when the mouth alone must
find the cues) and only per-frame numbers are kept, never frames.
`analyze_cue` re-runs one cue for the editor, with progress and cancel. The per-cue
step is core.analysis_cue; the options and the pooled models are core.analysis_models.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from core.analysis_cue import run_cue, visual_pass
from core.analysis_models import (AnalysisCancelled, AnalysisModels, AnalysisOptions, Progress,  # noqa: F401
                                  cancelled, check_options, pooled_models)
from core.errors import UserError
from core.project import Cue, Project, VideoInfo, file_sha256
from core.script import Script, load_script
from core.video.cues import crowded

log = logging.getLogger(__name__)

MIN_CUE_SECONDS = 0.04          # one video frame at 25 fps


def analyze_cue(project: Project, cue_id: str, progress: Progress | None = None, cancel=None,
                face: int | None = None, face_at: tuple[float, float] | None = None,
                options: AnalysisOptions | None = None) -> Cue:
    """Re-analyse one cue of a project in place (the editor calls this after the user
    moves a cue or picks another face). `cancel` is a threading.Event or a callable.

    The speaking face is, in order: `face_at` (x / width, y / height, e.g. a click on
    the video), entry `face` of the cue's `measurements["faces"]`, the face chosen
    before (`measurements["face_choice"]`), else the face whose mouth moves most."""
    from core.video.decode import probe
    cue = project.cue(cue_id)
    meta = probe(project.video.path)
    if face_at is None and face is not None:
        listed = cue.measurements.get("faces") or []
        if not 0 <= face < len(listed):
            raise UserError(f"this cue has no face {face} (it lists {len(listed)})")
        face_at = tuple(listed[face]["center"])
    if face_at is None and cue.measurements.get("face_choice"):
        face_at = tuple(cue.measurements["face_choice"])
    if options is None:       # the options the project was analysed with (known fields only)
        saved = project.settings.get("analysis", {}).get("options") or {}
        options = AnalysisOptions(**{k: v for k, v in saved.items() if k in AnalysisOptions.__dataclass_fields__})
    with pooled_models(check_options(options)) as models:
        work = Cue.from_dict(cue.to_dict())          # untouched until the run succeeds
        run_cue(work, meta, models, progress=progress, cancel=cancel, face_at=face_at)
    cue.measurements, cue.entities = work.measurements, work.entities
    cue.rate_instruction, cue.emotion_instruction = work.rate_instruction, work.emotion_instruction
    if progress:
        progress(1.0, "done")
    return cue


def _watched(blocks, duration: float, progress=None, cancel=None, sr: int = 16000):
    """Pass audio blocks through, reporting progress and honouring cancel between them."""
    done = 0
    for b in blocks:
        if cancelled(cancel):
            raise AnalysisCancelled("analysis cancelled")
        done += len(b)
        if progress and duration > 0:
            progress(min(1.0, done / sr / duration), f"speech {done / sr:.0f}/{duration:.0f} s")
        yield b


def _union(spans: list) -> list:
    out: list = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def cue_times(script: Script, meta, models: AnalysisModels, progress=None, cancel=None):
    """(times, how, tracks) — tracks only when the whole video had to be scanned."""
    from core.video.cues import assign
    texts = [ln.text for ln in script.lines]
    if script.timed:
        for i, ln in enumerate(script.lines, 1):
            if meta.duration > 0 and ln.start >= meta.duration:
                raise UserError(f"subtitle {i} starts at {ln.start:.2f} s, after the end of the video "
                                f"({meta.duration:.2f} s): is this the subtitle file for this video?")
        return [(ln.start, ln.end) for ln in script.lines], "srt", None
    if meta.has_audio and models.opts.use_audio:
        from core.speech.vad import detect_speech
        if progress:
            progress(0.0, "finding speech in the audio")
        spans = detect_speech(_watched(models.audio_blocks(meta), meta.duration, progress, cancel),
                              models.vad)
        if spans:
            times, how = assign(spans, texts, meta.duration)
            return times, f"guide audio ({how})", None
        log.warning("no speech found in the audio track; timing the cues from the mouth")
    from core.video.mouth import activity_spans, to_frame_rate
    tracks, _ = visual_pass(meta, 0.0, meta.duration, models, progress, cancel)
    n = max(1, int(round(meta.duration * meta.fps)))
    spans: list = []
    for s in tracks.summary():           # talk of any face counts (speakers change over a film)
        if s["share"] * len(tracks.times) >= meta.fps * 0.3:
            curve = to_frame_rate(np.array(tracks.times), tracks.mouth_series(s["track"]), meta.fps, 0.0, n)
            spans += activity_spans(curve, meta.fps)
    spans = _union(spans)
    times, how = assign(spans, texts, meta.duration)
    return times, f"mouth activity ({how})" if spans else "even split (no speech found)", tracks


def analyze(video: str | Path, script: Script | str | Path, options: AnalysisOptions | None = None,
            progress: Progress | None = None, cancel=None) -> Project:
    """Analyse a video and its script into a new Project."""
    from core.video.decode import probe
    opts = check_options(options or AnalysisOptions())
    t_start = time.perf_counter()
    meta = probe(video)
    if not isinstance(script, Script):
        script = load_script(script)
    for w in script.warnings:
        log.warning(w)
    n = len(script.lines)
    report = progress or (lambda f, m: None)
    with pooled_models(opts) as models:
        times, how, tracks = cue_times(script, meta, models,
                                       (lambda f, m: report(0.2 * f, m)), cancel)
        timing_warnings = crowded(times, [ln.text for ln in script.lines])
        for w in timing_warnings:
            log.info(w)
        cues = []
        for i, (ln, (s, e)) in enumerate(zip(script.lines, times)):
            if cancelled(cancel):
                raise AnalysisCancelled("analysis cancelled")
            e = min(float(e), meta.duration) if meta.duration > 0 else float(e)
            e = max(e, float(s) + MIN_CUE_SECONDS)        # a cue always has a length
            cue = Cue(id=f"c{i + 1:03d}", text=ln.text, start=round(float(s), 3), end=round(e, 3))
            report(0.2 + 0.8 * i / n, f"cue {i + 1}/{n}")
            sub = (lambda f, m, i=i: report(0.2 + 0.8 * (i + f) / n, f"cue {i + 1}/{n}: {m}"))
            run_cue(cue, meta, models, tracks, sub, cancel)
            cue.measurements["timing"] = how
            cues.append(cue)
    info = VideoInfo(path=str(Path(video).resolve()), sha256=file_sha256(video), fps=meta.fps,
                     duration=round(meta.duration, 4), has_audio=meta.has_audio)
    elapsed = time.perf_counter() - t_start
    settings = {"analysis": {"timing": how, "warnings": script.warnings + timing_warnings,
                             "options": asdict(opts), "seconds": round(elapsed, 2),
                             "size": [meta.width, meta.height]}}
    report(1.0, "done")
    return Project(video=info, cues=cues, settings=settings)
