"""Export for the mix stage: dialogue stem, per-cue WAVs, muxed video, SRT.

Every file is written atomically (temp file + rename), so a failure part-way
leaves earlier files intact; existing files are never replaced unless
`ExportOptions.overwrite` is set.
"""
from __future__ import annotations

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

import numpy as np

from core import audio as au
from core.alignment import SAMPLE_RATE
from core.errors import UserError
from core.fileio import atomic_write_text
from core.project import Project

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
def stem_length(project: Project, cue_audio: dict, sr: int) -> int:
    end = project.video.duration
    if end <= 0:  # no video: as long as the last line
        end = max((c.start + len(cue_audio.get(c.id, ())) / SAMPLE_RATE
                   for c in project.cues), default=0.0)
    return int(round(end * sr))


def build_stem(project: Project, cue_audio: dict, sr: int) -> tuple[np.ndarray, list[str]]:
    """All cues placed at their in-times on a track as long as the video."""
    track = np.zeros(stem_length(project, cue_audio, sr), dtype=np.float32)
    warnings = []
    for c in project.cues:
        clip = cue_audio.get(c.id)
        if clip is None:
            warnings.append(f"cue {c.id} has no audio and is silent in the stem")
            continue
        clip = au.resample(clip, SAMPLE_RATE, sr)
        at = int(round(c.start * sr))
        if at + len(clip) > len(track):
            warnings.append(f"cue {c.id} runs past the end of the video and is cut")
        au.place(track, clip, at)
    return track, warnings


def write_srt(path: Path, project: Project) -> None:
    import srt
    subs = [srt.Subtitle(index=i + 1, start=timedelta(seconds=c.start),
                         end=timedelta(seconds=max(c.end, c.start + 0.04)), content=c.text)
            for i, c in enumerate(sorted(project.cues, key=lambda c: c.start))]
    atomic_write_text(path, srt.compose(subs))


def mux(video: Path, wav: Path, out: Path, duration: float) -> None:
    """Video stream copied, `wav` as the AAC audio track; atomic via a temp name."""
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    cmd = [au.ffmpeg_exe(), "-v", "error", "-nostdin", "-y", "-i", str(video), "-i", str(wav),
           "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-b:a", "192k"]
    if duration > 0:
        cmd += ["-t", f"{duration:.3f}"]
    proc = subprocess.run(cmd + [str(tmp)], capture_output=True)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        lines = proc.stderr.decode(errors="replace").strip().splitlines()
        raise OSError(f"ffmpeg failed: {lines[-1] if lines else proc.returncode}")
    os.replace(tmp, out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---------------------------------------------------------------- the export
def export_project(project: Project, cue_audio: dict, opts: ExportOptions,
                   progress: Progress | None = None, cancel: Cancel | None = None) -> ExportResult:
    """Write every selected output. `cue_audio`: {cue id: 24 kHz float32}."""
    progress = progress or (lambda f, m: None)
    files = planned_files(project, opts)
    existing = [p for p in files if p.exists()]
    if existing and not opts.overwrite:
        raise ExportExistsError(existing)
    outdir = Path(opts.outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ExportError(f"cannot create the folder {outdir}: {e.strerror or e}") from None
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

    step(0.0, "building the dialogue stem")
    stem, res.warnings = build_stem(project, cue_audio, sr)
    if opts.normalize:
        stem, res.gain_db = au.normalize_loudness(stem, sr, opts.target_lufs, opts.ceiling_dbtp)
    res.loudness_lufs = au.loudness(stem, sr)
    if opts.stem:
        step(0.15, "writing the dialogue stem")
        write(files[0], lambda p: au.write_wav(p, stem, sr))
    if opts.per_cue:
        for i, c in enumerate(project.cues):
            step(0.2 + 0.4 * i / max(1, len(project.cues)), f"writing cue {c.id}")
            clip = cue_audio.get(c.id)
            if clip is None:
                continue
            clip = au.resample(clip, SAMPLE_RATE, sr) * au.db_to_gain(res.gain_db)
            if opts.normalize and au.true_peak_db(clip, sr) > opts.ceiling_dbtp:
                clip = au.limit_peaks(clip, sr, opts.ceiling_dbtp)
            name = outdir / "cues" / cue_filename(i, c, project.video.fps)
            write(name, lambda p, a=clip: au.write_wav(p, a, sr))
    if opts.srt:
        step(0.65, "writing subtitles")
        write(outdir / f"{opts.basename}.srt", lambda p: write_srt(p, project))
    if opts.video and has_video(project):
        _export_videos(project, stem, opts, step, write)
    elif opts.video:
        res.warnings.append("no video file: the muxed video was skipped")
    step(1.0, "export finished")
    return res


def _export_videos(project, stem, opts, step, write):
    sr, outdir, video = opts.sample_rate, Path(opts.outdir), Path(project.video.path)
    with tempfile.TemporaryDirectory(prefix="instructdub-export-") as tmp:
        dub_wav = Path(tmp) / "dub.wav"
        au.write_wav(dub_wav, stem, sr)
        step(0.7, "muxing the video with the dub")
        write(outdir / f"{opts.basename}_dub.mp4",
              lambda p: mux(video, dub_wav, p, project.video.duration))
        if opts.mix_original and project.video.has_audio:
            step(0.85, "mixing with the original audio")
            orig = au.fit_length(au.read_media_audio(video, sr), len(stem))
            mixed = au.mix(stem, orig, 1.0, au.db_to_gain(opts.original_gain_db))
            if au.true_peak_db(mixed, sr) > opts.ceiling_dbtp:
                mixed = au.limit_peaks(mixed, sr, opts.ceiling_dbtp)
            mix_wav = Path(tmp) / "mix.wav"
            au.write_wav(mix_wav, mixed, sr)
            write(outdir / f"{opts.basename}_mix.mp4",
                  lambda p: mux(video, mix_wav, p, project.video.duration))


def refuse_existing(project: Project, opts: ExportOptions) -> None:
    """Raise ExportExistsError when outputs exist and overwriting is off (call it
    before minutes of rendering)."""
    existing = [p for p in planned_files(project, opts) if p.exists()]
    if existing and not opts.overwrite:
        raise ExportExistsError(existing)


def export_session(session, opts: ExportOptions, progress: Progress | None = None,
                   cancel: Cancel | None = None) -> ExportResult:
    """Render every cue that is not up to date, then export (the editor and `dub`).
    `dub --workers/--ray` renders with core.batch and calls export_project itself."""
    progress = progress or (lambda f, m: None)
    refuse_existing(session.project, opts)
    audio = session.render_all(lambda f, m: progress(0.7 * f, m), cancel)
    return export_project(session.project, audio, opts,
                          lambda f, m: progress(0.7 + 0.3 * f, m), cancel)
