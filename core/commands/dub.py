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
                    "video muxed with the dub. Existing files are kept unless --overwrite.")
    p.add_argument("project", help="project JSON (see resources/demo/demo.json)")
    p.add_argument("--export", metavar="OUTDIR", required=True, help="folder for the files")
    p.add_argument("--name", default="dub", help="base name of the files (default: dub)")
    p.add_argument("--no-loudness", action="store_true",
                   help="leave the level as rendered (default: -23 LUFS, -1 dBTP)")
    p.add_argument("--lufs", type=float, default=-23.0, help="integrated loudness target")
    p.add_argument("--ceiling", type=float, default=-1.0, help="true-peak ceiling, dBTP")
    p.add_argument("--mix", action="store_true",
                   help="also write a video mixing the dub with the original audio")
    p.add_argument("--no-video", action="store_true", help="skip the muxed video")
    p.add_argument("--save", action="store_true",
                   help="save the rendered timing back into the project file")
    p.add_argument("--overwrite", action="store_true", help="replace existing files")
    p.set_defaults(func=run)


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
    from core.export import ExportOptions, export_session
    from core.project import Project, ProjectError
    from core.session import Session
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
                         mix_original=args.mix, overwrite=args.overwrite)
    session = Session(project, args.project)
    bar = Bar()
    try:
        res = export_session(session, opts, bar)
    finally:
        bar.close()
    for cue in project.cues:
        note = session.state(cue.id).note
        if note:
            print(f"note: {cue.id}: {note}", file=sys.stderr)
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
    return 0
