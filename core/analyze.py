"""Video + script -> Project: cue times, mouth curves, expression, guide-audio
figures and the two instructions per cue.

Streams: frames are decoded cue by cue (or once through, when the mouth alone must
find the cues) and only per-frame numbers are kept, never frames.
`analyze_cue` re-runs one cue for the editor, with progress and cancel.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import Cancelled, UserError   # Cancelled: the job runner says "cancelled"
from core.limits import is_number
from core.project import Cue, Project, VideoInfo, file_sha256
from core.script import Script, load_script
from core.video.cues import crowded

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
MIN_CUE_SECONDS = 0.04          # one video frame at 25 fps
AUDIO_CACHE_SECONDS = 600.0     # a track up to this long (38 MB at 16 kHz) is read once


class AnalysisCancelled(Cancelled, UserError):
    """The user stopped the analysis; nothing was changed. (A core.session.Cancelled, so
    the editor's job runner reports it as cancelled, not failed.)"""


@dataclass
class AnalysisOptions:
    max_width: int = 640            # frames are downscaled to this width before FaceMesh
    analysis_fps: float = 30.0      # FaceMesh runs on every Nth frame, N = round(fps / this)
    expression_fps: float = 5.0     # expression model rate per face
    max_faces: int = 2
    margin: float = 0.15            # seconds read around a cue (audio and video)
    use_audio: bool = True          # use the guide track when the video has one
    mllm_dir: str | None = None     # a local transformers model directory (optional backend)
    mllm_frames: int = 8
    asr: bool = False               # word timings of the guide track (Whisper tiny.en; slower)


OPTION_RANGES = {"analysis_fps": (0.0, 1000.0, "--analysis-fps"), "expression_fps": (0.0, 1000.0, None),
                 "max_width": (0.0, 100000.0, None)}


def check_options(opts: AnalysisOptions) -> AnalysisOptions:
    """Refuse rates and sizes the analysis cannot work with, before any decoding."""
    for name, (lo, hi, flag) in OPTION_RANGES.items():
        v = getattr(opts, name)
        if not (is_number(v) and math.isfinite(v) and lo < v <= hi):
            what = name.replace("_", " ") + (f" ({flag})" if flag else "")
            raise UserError(f"the {what} must be a number above {lo:g} and at most {hi:g}, got {v}")
    if not (is_number(opts.margin) and math.isfinite(opts.margin) and opts.margin >= 0):
        raise UserError(f"the analysis margin must be 0 s or more, got {opts.margin}")
    return opts


def _cancelled(cancel) -> bool:
    if cancel is None:
        return False
    if isinstance(cancel, threading.Event) or hasattr(cancel, "is_set"):
        return cancel.is_set()
    return bool(cancel())


class _Models:
    """Lazily built, reused across cues."""

    def __init__(self, opts: AnalysisOptions):
        self.opts = opts
        self._faces = self._expr = self._vad = self._mllm = None
        self._audio = None          # (path, samples, rate) of a short video's whole track

    @property
    def faces(self):
        if self._faces is None:
            from core.video.face import FaceFinder
            self._faces = FaceFinder(max_faces=self.opts.max_faces)
        return self._faces

    @property
    def expression(self):
        if self._expr is None:
            from core.video.expression import ExpressionModel
            self._expr = ExpressionModel()
        return self._expr

    @property
    def vad(self):
        if self._vad is None:
            from core.speech.vad import Vad
            self._vad = Vad()
        return self._vad

    @property
    def mllm(self):
        if self._mllm is None and self.opts.mllm_dir:
            from core.video.mllm import MllmBackend
            self._mllm = MllmBackend(self.opts.mllm_dir)
        return self._mllm

    def audio_blocks(self, meta, block_seconds: float = 20.0):
        """The whole track in blocks; a short video's track is also kept for the cues."""
        from core.video.decode import AUDIO_SR, iter_audio_blocks
        keep = meta.duration <= AUDIO_CACHE_SECONDS
        kept = []
        for b in iter_audio_blocks(meta.path, block_seconds):
            if keep:
                kept.append(b)
            yield b
        if keep:
            self._audio = (meta.path, np.concatenate(kept) if kept else np.zeros(0, np.float32), AUDIO_SR)

    def audio_span(self, meta, t0: float, t1: float) -> np.ndarray:
        """Audio of [t0, t1): from the kept track, else read from the file (one seek)."""
        from core.video.decode import read_audio
        if self._audio is not None and self._audio[0] == meta.path:
            _, audio, sr = self._audio
            return audio[int(t0 * sr):int(t1 * sr)]
        return read_audio(meta.path, t0, t1 - t0)

    def close(self):
        if self._faces is not None:
            self._faces.close()
            self._faces = None


# Built models are kept for the next analysis: FaceMesh alone takes about 0.4 s of CPU
# to build, a tenth of the budget for a 3 s cue. A pool, so parallel jobs never share one.
_POOL: list[_Models] = []
_POOL_LOCK = threading.Lock()
_POOL_SIZE = 2


@contextmanager
def _pooled_models(opts: AnalysisOptions):
    key = (opts.max_faces, opts.mllm_dir)
    with _POOL_LOCK:
        found = next((m for m in _POOL if (m.opts.max_faces, m.opts.mllm_dir) == key), None)
        if found is not None:
            _POOL.remove(found)
    models = found or _Models(opts)
    models.opts = opts
    if models._faces is not None:
        models._faces.reset()
    try:
        yield models
    finally:
        models._audio = None
        with _POOL_LOCK:
            _POOL.append(models)
            while len(_POOL) > _POOL_SIZE:
                _POOL.pop(0).close()


def visual_pass(meta, start: float, end: float, models: _Models, progress: Progress | None = None,
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
        if _cancelled(cancel):
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


def _mouth_and_expression(tracks, meta, start: float, end: float,
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


def _guide(meta, start: float, end: float, models: _Models, margin: float) -> dict | None:
    """Guide-track measurements of [start, end) (with VAD run on the cue's audio)."""
    if not (meta.has_audio and models.opts.use_audio):
        return None
    from core.constants import ANALYSIS_SR
    from core.guide_audio import measure
    from core.speech.vad import speech_segments
    a0 = max(0.0, start - margin)
    audio = models.audio_span(meta, a0, end + margin)
    models.vad.reset()
    probs = models.vad.feed(audio)
    segs = [(s + a0, e + a0) for s, e in speech_segments(probs)]
    segs = [(max(s, start), min(e, end)) for s, e in segs if e > start and s < end]
    lo, hi = int((start - a0) * ANALYSIS_SR), int((end - a0) * ANALYSIS_SR)
    out = measure(audio[lo:hi], segs, offset=start)
    if models.opts.asr and out.get("speech_found"):
        from core.speech.asr import word_pauses, word_timings
        out["words"] = word_timings(audio[lo:hi], offset=start)
        out["word_pauses"] = word_pauses(out["words"])
    return out


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


def _run_cue(cue: Cue, meta, models: _Models, tracks=None, progress=None, cancel=None,
             face_at: tuple[float, float] | None = None) -> Cue:
    opts = models.opts
    frames = []
    if tracks is None:
        lo, hi = max(0.0, cue.start - opts.margin), min(meta.duration, cue.end + opts.margin)
        tracks, frames = visual_pass(meta, lo, hi, models, progress, cancel,
                                     keep_frames=opts.mllm_frames if opts.mllm_dir else 0)
    else:                                  # whole-video tracks: keep only this cue's frames
        tracks = tracks.window(cue.start - opts.margin, cue.end + opts.margin)
    visual = _mouth_and_expression(tracks, meta, cue.start, cue.end, face_at)
    guide = _guide(meta, cue.start, cue.end, models, opts.margin)
    summarise_cue(cue, meta, visual, guide)
    if models.mllm is not None:
        if progress:
            progress(0.95, "asking the MLLM")
        rate, emo = models.mllm.instructions(cue.text, frames, cue.measurements)
        cue.measurements["embedded_instructions"] = {"rate": cue.rate_instruction,
                                                     "emotion": cue.emotion_instruction}
        cue.rate_instruction, cue.emotion_instruction = rate, emo
        cue.measurements["instruction_source"] = f"mllm:{Path(opts.mllm_dir).name}"
    else:
        cue.measurements["instruction_source"] = "embedded"
    return cue


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
    with _pooled_models(check_options(options)) as models:
        work = Cue.from_dict(cue.to_dict())          # untouched until the run succeeds
        _run_cue(work, meta, models, progress=progress, cancel=cancel, face_at=face_at)
    cue.measurements, cue.entities = work.measurements, work.entities
    cue.rate_instruction, cue.emotion_instruction = work.rate_instruction, work.emotion_instruction
    if progress:
        progress(1.0, "done")
    return cue


def _watched(blocks, duration: float, progress=None, cancel=None, sr: int = 16000):
    """Pass audio blocks through, reporting progress and honouring cancel between them."""
    done = 0
    for b in blocks:
        if _cancelled(cancel):
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


def cue_times(script: Script, meta, models: _Models, progress=None, cancel=None):
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
    with _pooled_models(opts) as models:
        times, how, tracks = cue_times(script, meta, models,
                                       (lambda f, m: report(0.2 * f, m)), cancel)
        timing_warnings = crowded(times, [ln.text for ln in script.lines])
        for w in timing_warnings:
            log.info(w)
        cues = []
        for i, (ln, (s, e)) in enumerate(zip(script.lines, times)):
            if _cancelled(cancel):
                raise AnalysisCancelled("analysis cancelled")
            e = min(float(e), meta.duration) if meta.duration > 0 else float(e)
            e = max(e, float(s) + MIN_CUE_SECONDS)        # a cue always has a length
            cue = Cue(id=f"c{i + 1:03d}", text=ln.text, start=round(float(s), 3), end=round(e, 3))
            report(0.2 + 0.8 * i / n, f"cue {i + 1}/{n}")
            sub = (lambda f, m, i=i: report(0.2 + 0.8 * (i + f) / n, f"cue {i + 1}/{n}: {m}"))
            _run_cue(cue, meta, models, tracks, sub, cancel)
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
