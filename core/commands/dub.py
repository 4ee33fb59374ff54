"""`python main.py dub PROJECT.json --export OUTDIR`: render every cue and export, headless."""
from __future__ import annotations

import sys
import time
from pathlib import Path


def register(sub) -> None:
    p = sub.add_parser(
        "dub", help="render every cue of a project and export the tracks (headless)",
        description="Predict timing and prosody from each cue's instructions, render the "
                    "lines in their voices and export: a 48 kHz/24-bit dialogue stem over "
                    "the whole video, one WAV per cue named by timecode, an SRT, and the "
                    "video muxed with the dub. Existing files are kept unless --overwrite. "
                    "With --workers or --ray the cues render in parallel, finished cues are "
                    "cached beside the project (a stopped batch resumes where it stopped), and "
                    "a failing cue does not stop the others. Exit status: 0 done, 2 error, "
                    "3 some cues failed (the others were exported; see docs/batch.md).")
    p.add_argument("project", help="project JSON (see resources/demo/demo.json)")
    p.add_argument("--export", metavar="OUTDIR", required=True, help="folder for the files")
    p.add_argument("--name", default="dub", help="base name of the files (default: dub)")
    p.add_argument("--no-loudness", action="store_true",
                   help="leave the level as rendered (default: -23 LUFS, -1 dBTP)")
    p.add_argument("--lufs", type=float, default=-23.0, help="integrated loudness target")
    p.add_argument("--ceiling", type=float, default=-1.0, help="true-peak ceiling, dBTP")
    p.add_argument("--mix", action="store_true",
                   help="also write a video mixing the dub with the original audio")
    p.add_argument("--match-tone", action="store_true",
                   help="EQ each line towards its guide track (cues analysed with the original audio)")
    p.add_argument("--match-ambience", action="store_true",
                   help="lay the guide track's noise floor (room tone) under each line, at the "
                        "distance under the speech it has there (cues analysed with the original audio)")
    p.add_argument("--no-video", action="store_true", help="skip the muxed video")
    p.add_argument("--save", action="store_true",
                   help="save the rendered timing back into the project file")
    p.add_argument("--overwrite", action="store_true", help="replace existing files")
    p.add_argument("--workers", type=_positive, metavar="N",
                   help="render with N worker processes, each loading the engine once; with "
                        "--ray, N Ray workers (default there: one per GPU, else per CPU)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="render on a Ray cluster: HOST:6379 of its head node, or 'auto' (a "
                        "cluster on this machine, else a local Ray runtime). Needs the ray extra")
    p.add_argument("--threads", type=_positive, metavar="T",
                   help="torch threads per worker (default: INSTRUCTDUB_THREADS, else 1); the "
                        "output's bytes depend on it, so keep it to reproduce a run exactly")
    p.add_argument("--cache", metavar="DIR",
                   help="folder of finished cues for --workers/--ray "
                        "(default: .PROJECT.json.cache/cues beside the project)")
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    import argparse
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return n


class Bar:
    """A one-line text progress bar on stderr."""

    def __init__(self, width: int = 30):
        self.width, self.t0, self.last = width, time.monotonic(), ""

    def __call__(self, fraction: float, message: str) -> None:
        n = int(round(self.width * max(0.0, min(1.0, fraction))))
        line = (f"\r[{'#' * n}{'.' * (self.width - n)}] {100 * fraction:5.1f}% "
                f"{time.monotonic() - self.t0:6.1f}s  {message[:48]:<48}")
        if line != self.last:
            sys.stderr.write(line)
            sys.stderr.flush()
            self.last = line

    def close(self) -> None:
        sys.stderr.write("\n")


def run(args) -> int:
    from core.errors import UserError
    from core.export import ExportOptions
    from core.project import Project, ProjectError
    try:
        project = Project.load(args.project)
    except ProjectError as e:
        raise UserError(str(e)) from None
    for w in project.check_video(required=not args.no_video):   # missing: error; changed: warning
        print(f"warning: {w}", file=sys.stderr)
    if not project.cues:
        raise UserError(f"{args.project} has no cues: nothing to dub")
    opts = ExportOptions(outdir=Path(args.export), basename=args.name,
                         normalize=not args.no_loudness, target_lufs=args.lufs,
                         ceiling_dbtp=args.ceiling, video=not args.no_video,
                         mix_original=args.mix, match_tone=args.match_tone,
                         match_ambience=args.match_ambience,
                         overwrite=args.overwrite)
    if args.workers or args.ray:
        res, notes, failed = _batch(project, args, opts)
    else:
        res, notes, failed = _sequential(project, args, opts)
    for cue in project.cues:
        if notes.get(cue.id):
            print(f"note: {cue.id}: {notes[cue.id]}", file=sys.stderr)
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.save:
        try:
            project.save(args.project)
        except OSError as e:
            raise UserError(f"cannot save {args.project}: {e}") from None
    print(f"wrote {len(res.files)} files to {opts.outdir} "
          f"(stem {res.loudness_lufs:.1f} LUFS, gain {res.gain_db:+.1f} dB)")
    for p in res.files:
        print(f"  {p}")
    if failed:
        from core.batch.run import EXIT_SOME_FAILED
        print(f"{len(failed)} cue(s) failed and are silent in the export; fix them and run "
              "again: only they will render", file=sys.stderr)
        return EXIT_SOME_FAILED
    return 0


def _sequential(project, args, opts):
    """One cue after another in this process (the editor's path)."""
    import torch

    from core.batch.work import threads_default
    from core.export import export_session
    from core.session import Session
    torch.set_num_threads(args.threads or threads_default())   # a batch worker's numerics
    session = Session(project, args.project)
    bar = Bar()
    try:
        res = export_session(session, opts, bar, spill=True)
    finally:
        bar.close()
    return res, {c.id: session.state(c.id).note for c in project.cues}, []


def _batch(project, args, opts):
    """Workers render (cached, resumable), then the export; failures are reported."""
    from core.batch.run import render_batch
    from core.batch.work import threads_default
    from core.export import check_before_export, export_project
    check_before_export(project, opts, [args.project])   # say so before minutes of rendering
    batch = render_batch(project, args.project, args.workers, args.ray,
                         args.threads or threads_default(), args.cache)
    bar = Bar()
    try:
        res = export_project(project, batch.audio, opts, bar, inputs=[args.project])
    finally:
        bar.close()
    return res, batch.notes, batch.failed
