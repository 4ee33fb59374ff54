"""`analyze`: a video and its script -> a project with cues and instructions."""
from __future__ import annotations

import argparse
import sys



def register(subparsers) -> None:
    p = subparsers.add_parser(
        "analyze", help="turn a video and its script into a project (cues + instructions)",
        description="Find one cue per script line (from SRT times, else the video's own speech, "
                    "else visible mouth movement), measure the speaking face's mouth and "
                    "expression and the guide audio, and write a speaking-rate and an emotion "
                    "instruction per cue.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("video", help="the video file (any format FFmpeg reads)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--script", help="plain text (one line per cue) or an .srt file")
    src.add_argument("--text", help="the dialogue itself; one cue per line")
    p.add_argument("-o", "--output", required=True, help="the project file to write (.json)")
    p.add_argument("--mllm", metavar="DIR", default=None,
                   help="a local transformers model directory (e.g. Qwen2.5-VL) to write the "
                        "instructions instead of the embedded analyser; never downloads")
    p.add_argument("--asr", action="store_true",
                   help="also transcribe the guide audio (Whisper tiny.en) to place pauses after "
                        "the words actually heard; slower")
    p.add_argument("--no-audio", action="store_true",
                   help="ignore the video's audio track (time cues from the mouth instead)")
    p.add_argument("--analysis-fps", type=float, default=30.0,
                   help="frames per second given to the face tracker")
    p.add_argument("--force", action="store_true", help="overwrite an existing project file")
    p.add_argument("--workers", type=int, default=0, metavar="N",
                   help="analyse ranges of cues in N local processes (see docs/batch.md)")
    p.add_argument("--ray", metavar="ADDRESS", default=None,
                   help="analyse ranges of cues on a Ray cluster (HOST:6379, or auto); the "
                        "video must be at the same path on every node")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.analyze import AnalysisOptions, analyze
    from core.fileio import guard_outputs
    from core.script import load_script

    out = guard_outputs({"project": args.output}, [args.video, args.script], args.force)[0]
    script = load_script(path=args.script) if args.script else load_script(text=args.text)
    for w in script.warnings:
        print(f"warning: {w}", file=sys.stderr)
    opts = AnalysisOptions(use_audio=not args.no_audio, mllm_dir=args.mllm,
                           analysis_fps=args.analysis_fps, asr=args.asr)
    tty = sys.stderr.isatty()

    def progress(frac: float, msg: str) -> None:
        if tty:
            print(f"\r{frac:4.0%} {msg[:70]:<70}", end="", file=sys.stderr, flush=True)

    if args.workers > 1 or args.ray:
        from core.batch.analysis import analyze_split
        project = analyze_split(args.video, script, opts, args.workers, args.ray, progress=progress)
    else:
        project = analyze(args.video, script, opts, progress)
    if tty:
        print(file=sys.stderr)
    project.save(out)
    a = project.settings["analysis"]
    for w in a["warnings"][len(script.warnings):]:        # found by the analysis itself
        print(f"warning: {w}", file=sys.stderr)
    print(f"{out}: {len(project.cues)} cue(s), timing from {a['timing']}, "
          f"{project.video.duration:.1f} s of video analysed in {a['seconds']:.1f} s")
    for c in project.cues:
        share = c.measurements.get("face_found_share", 0.0)
        print(f"  {c.id} {c.start:7.2f}-{c.end:7.2f}  face {share:4.0%}  {c.text[:50]}")
    return 0
