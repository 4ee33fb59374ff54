"""Export for the mix stage: dialogue stem, per-cue WAVs, muxed video, SRT.

Every file is written atomically (temp file + rename), so a failure part-way
leaves earlier files intact; existing files are never replaced unless
`ExportOptions.overwrite` is set.
"""
from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

import numpy as np

from core import audio as au
from core import loudness as ld
from core.constants import FRAMES_PER_SECOND, SAMPLE_RATE
from core.errors import UserError
from core.fileio import atomic_write_text, probe_folder, refuse_inputs, remove_stale_temps
from core.loudness import LoudnessMeter, normalized, plan_normalization
from core.export_video import export_videos, mux  # noqa: F401
from core.project import Project
from core.line_match import matched_stem, unmatched_note
from core.stem import Stem, stem_length  # noqa: F401

Progress = Callable[[float, str], None]
Cancel = Callable[[], bool]


class ExportError(UserError):
    """An export that could not be completed; the message says why."""


class ExportExistsError(ExportError):
    """Some output files exist already and overwriting was not allowed."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        names = ", ".join(str(p) for p in paths[:5]) + (" ..." if len(paths) > 5 else "")
        super().__init__(f"{len(paths)} file(s) exist already: {names}. "
                         "Choose another folder or allow overwriting (--overwrite).")


class ExportCancelled(ExportError):
    pass


@dataclass
class ExportOptions:
    outdir: Path
    basename: str = "dub"
    stem: bool = True
    per_cue: bool = True
    srt: bool = True
    video: bool = True                   # the video muxed with the dub
    mix_original: bool = False           # and a second video with dub + original
    original_gain_db: float = -12.0      # level of the original under the dub in the mix
    match_tone: bool = False             # EQ each line towards its guide track (core.tone)
    match_ambience: bool = False         # lay the guide's noise floor under each line (core.ambience)
    normalize: bool = True
    target_lufs: float = -23.0
    ceiling_dbtp: float = -1.0
    sample_rate: int = 48000
    overwrite: bool = False


@dataclass
class ExportResult:
    files: list[Path] = field(default_factory=list)
    gain_db: float = 0.0
    loudness_lufs: float = float("nan")
    warnings: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- naming
def timecode(seconds: float, fps: float) -> str:
    """Non-drop-frame SMPTE-style timecode HH:MM:SS:FF."""
    if not (np.isfinite(fps) and fps > 0):
        raise ExportError(f"the video frame rate must be above 0 to write timecodes (it is {fps})")
    nominal = max(1, round(fps))
    frames = int(np.floor(max(0.0, seconds) * fps + 1e-6))   # the frame on screen
    ff = frames % nominal
    total = frames // nominal
    return f"{total // 3600:02d}:{total // 60 % 60:02d}:{total % 60:02d}:{ff:02d}"


def safe_name(text: str, limit: int = 40) -> str:
    s = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return s[:limit].strip("-") or "cue"


def cue_filename(index: int, cue, fps: float) -> str:
    tc = timecode(cue.start, fps).replace(":", "-")
    return f"{index + 1:03d}_{tc}_{safe_name(cue.id)}.wav"


def planned_files(project: Project, opts: ExportOptions) -> list[Path]:
    out, base = Path(opts.outdir), opts.basename
    files = []
    if opts.stem:
        files.append(out / f"{base}_dialogue.wav")
    if opts.per_cue:
        files += [out / "cues" / cue_filename(i, c, project.video.fps)
                  for i, c in enumerate(project.cues)]
    if opts.srt:
        files.append(out / f"{base}.srt")
    if opts.video and has_video(project):
        files.append(out / f"{base}_dub.mp4")
        if opts.mix_original and project.video.has_audio:
            files.append(out / f"{base}_mix.mp4")
    return files


def has_video(project: Project) -> bool:
    return bool(project.video.path) and Path(project.video.path).exists()


# ---------------------------------------------------------------- building
def build_stem(project: Project, cue_audio: dict, sr: int) -> tuple[np.ndarray, list[str]]:
    """All cues placed at their in-times on a track as long as the video (whole)."""
    stem = Stem(project, cue_audio, sr)
    return stem.array(), stem.warnings


def write_srt(path: Path, project: Project) -> None:
    import srt
    subs = [srt.Subtitle(index=i + 1, start=timedelta(seconds=c.start),
                         end=timedelta(seconds=max(c.end, c.start + 0.04)), content=c.text)
            for i, c in enumerate(sorted(project.cues, key=lambda c: c.start))]
    atomic_write_text(path, srt.compose(subs))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- checks before work
def check_before_export(project: Project, opts: ExportOptions, inputs=()) -> list[Path]:
    """Everything that can be known before any rendering: no output is an input, no file
    is replaced unless allowed, the video is there, the folder takes files. Also removes
    hidden temp files that a killed export left. Returns the planned files."""
    if opts.video and project.video.path and not Path(project.video.path).is_file():
        raise ExportError(f"the project's video is missing: {project.video.path}; relink it, "
                          "or export without the muxed video")
    fps = project.video.fps
    if not (isinstance(fps, (int, float)) and np.isfinite(fps) and fps > 0):
        raise ExportError(f"the video frame rate must be above 0 (it is {fps}); fix the project's 'fps'")
    files = planned_files(project, opts)
    try:
        refuse_inputs({f"export file {p.name}": p for p in files}, [project.video.path, *inputs])
    except UserError as e:
        raise ExportError(str(e)) from None
    existing = [p for p in files if p.exists()]
    if existing and not opts.overwrite:
        raise ExportExistsError(existing)
    for p in files:
        if p.is_dir():
            raise ExportError(f"could not write {p}: a folder has that name")
    for folder in sorted({p.parent for p in files} | {Path(opts.outdir)}):
        try:
            probe_folder(folder)
        except OSError as e:
            raise ExportError(f"could not write in {folder}: {e.strerror or e}") from None
    for p in files:
        remove_stale_temps(p)
    return files


# ---------------------------------------------------------------- the export
def export_project(project: Project, cue_audio: dict, opts: ExportOptions,
                   progress: Progress | None = None, cancel: Cancel | None = None,
                   inputs=()) -> ExportResult:
    """Write every selected output. `cue_audio`: {cue id: 24 kHz float32}; `inputs`:
    files the export reads besides the video (the project file)."""
    progress = progress or (lambda f, m: None)
    files = check_before_export(project, opts, inputs)
    outdir = Path(opts.outdir)
    res = ExportResult()
    sr = opts.sample_rate

    def step(frac, msg):
        if cancel and cancel():
            raise ExportCancelled("export cancelled; the files written so far are complete")
        progress(frac, msg)

    def write(path: Path, fn):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fn(path)
            os.chmod(path, 0o666 & ~_umask())     # temp files are private; exports are not
        except OSError as e:
            raise ExportError(
                f"could not write {path}: {e.strerror or e}. Files written before it are "
                "complete and no earlier file was replaced by a partial one.") from None
        res.files.append(path)

    step(0.0, "measuring the dialogue stem")
    stem = matched_stem(project, cue_audio, SAMPLE_RATE, sr, opts.match_tone, opts.match_ambience)
    cue_audio = stem.lines                               # as matched
    res.warnings = list(stem.warnings)
    if opts.match_tone or opts.match_ambience:
        res.warnings += unmatched_note(project, opts.match_tone, opts.match_ambience)
    ceiling = opts.ceiling_dbtp if opts.normalize else None
    if opts.normalize:
        res.gain_db, limit = plan_normalization(stem.blocks, sr, opts.target_lufs, ceiling)
    else:
        limit = False

    def final_stem():
        return normalized(stem.blocks(), sr, res.gain_db, limit, ceiling)
    meter = LoudnessMeter(sr)              # measured as it is written (one pass less)
    stem_file = files[0] if opts.stem else None
    if opts.stem:
        step(0.15, "writing the dialogue stem")
        write(stem_file, lambda p: au.write_wav_blocks(p, meter.tee(final_stem()), sr))
    else:
        meter.tee_all(final_stem())
    res.loudness_lufs = meter.integrated()
    if opts.per_cue:
        for i, c in enumerate(project.cues):
            step(0.2 + 0.4 * i / max(1, len(project.cues)), f"writing cue {c.id}")
            clip = cue_audio.get(c.id)
            if clip is None:
                continue
            clip = au.resample(clip, SAMPLE_RATE, sr) * au.db_to_gain(res.gain_db)
            if opts.normalize and ld.true_peak_db(clip, sr) > opts.ceiling_dbtp:
                clip = ld.limit_peaks(clip, sr, opts.ceiling_dbtp)
            name = outdir / "cues" / cue_filename(i, c, project.video.fps)
            write(name, lambda p, a=clip: au.write_wav(p, a, sr))
    if opts.srt:
        step(0.65, "writing subtitles")
        write(outdir / f"{opts.basename}.srt", lambda p: write_srt(p, project))
    if opts.video and has_video(project):
        export_videos(project, final_stem, stem_file, opts, step, write)
    elif opts.video:
        res.warnings.append("no video file: the muxed video was skipped")
    step(1.0, "export finished")
    return res


def export_session(session, opts: ExportOptions, progress: Progress | None = None,
                   cancel: Cancel | None = None, spill: bool = False) -> ExportResult:
    """Render every cue that is not up to date, then export (the editor and `dub`).
    Everything that can fail before rendering is checked first. `spill`: keep the
    rendered lines on disk, not in the session (`dub`: memory flat with film length)."""
    progress = progress or (lambda f, m: None)
    inputs = [session.path] if session.path else []
    check_before_export(session.project, opts, inputs)
    check_cues(session)
    from core.spill import SpilledAudio
    with SpilledAudio(near=opts.outdir) if spill else contextlib.nullcontext() as store:
        audio = session.render_all(lambda f, m: progress(0.7 * f, m), cancel, into=store)
        return export_project(session.project, audio, opts,
                              lambda f, m: progress(0.7 + 0.3 * f, m), cancel, inputs)


def check_cues(session) -> None:
    """Each cue can be rendered: its voice exists and, when it must be predicted, its text
    has phonemes and its slot gives each of them a 25 ms frame. The error names the cue."""
    from core.g2p import phonemize
    from core.limits import check_slot
    from core.voices import style_vector
    for cue in session.project.cues:
        where = f"cue {cue.id} ({cue.text[:40]!r})"
        predict = cue.alignment is None or session.needs(cue.id) == "predict"
        try:
            style_vector(cue.voice, 1)
            if predict:
                check_slot(cue.end - cue.start, "its slot")
                n = len(phonemize(cue.text)) + 2
        except (UserError, ValueError) as e:
            raise ExportError(f"{where}: {e}") from None
        if predict and round(cue.slot * FRAMES_PER_SECOND) < n:
            raise ExportError(f"{where}: its slot of {cue.slot:.3f} s cannot hold its {n} phonemes "
                              f"(at least {n / FRAMES_PER_SECOND:.3f} s); lengthen the cue or shorten the line")
