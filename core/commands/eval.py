"""`eval`: score the project's dubs and other systems' against real clips."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.constants import CLONE_STEPS, DEFAULT_VOICE
from core.errors import UserError


def register(subparsers) -> None:
    from core.evaluate.runner import METRIC_GROUPS
    p = subparsers.add_parser(
        "eval", help="score dubs against the clips' original audio (DD, WER, MOS, SECS, ...)",
        description="For every clip in a manifest, dub the line with this project (analyse, "
                    "predict, render in the clip's reference voice) and score it, the other "
                    "systems' outputs and the original track: DD and phone-duration error "
                    "(pocketsphinx), WER (Whisper tiny.en), MOS (DistillMOS), SECS (d-vector), "
                    "an EMO-SIM stand-in (prosodic+spectral cosine), speech onset/offset error "
                    "(silero-vad) and F0 correlation (swift-f0). Prints a table of means and "
                    "writes per-clip values. A metric that fails on a clip is recorded as null "
                    "with the reason. See README.md (Evaluation) for the manifest format.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("manifest", help="manifest.json (clips, scripts, references, peer outputs)")
    p.add_argument("-o", "--output", required=True, help="results file to write (.json)")
    p.add_argument("--metrics", default=",".join(METRIC_GROUPS),
                   help="comma-separated subset of: " + ", ".join(METRIC_GROUPS))
    p.add_argument("--systems", default=None,
                   help="comma-separated peer systems to score (default: all in the manifest)")
    p.add_argument("--clips", default=None, help="comma-separated clip ids (default: all)")
    p.add_argument("--no-own", action="store_true", help="do not make and score this project's dubs")
    p.add_argument("--no-ground-truth", action="store_true", help="do not score the original track")
    p.add_argument("--voice", default=DEFAULT_VOICE,
                   help="voice for clips without a reference (or with --no-clone)")
    p.add_argument("--no-clone", action="store_true",
                   help="do not clone reference voices (cloning takes minutes per voice on CPU; "
                        "clones are cached)")
    p.add_argument("--clone-steps", type=int, default=CLONE_STEPS,
                   help="tuning steps per cloned voice")
    p.add_argument("--gt-reference", action="store_true",
                   help="for clips without a reference recording, clone the voice from the "
                        "clip's own original track (the V2C 'Dub 1.0' / Setting 1 protocol)")
    p.add_argument("--max-refs", type=int, default=None,
                   help="own dubs per clip: one per reference voice, at most this many")
    p.add_argument("--match-tone", action="store_true",
                   help="EQ own dubs towards the guide track, as `dub --match-tone` (guide timing)")
    p.add_argument("--match-ambience", action="store_true",
                   help="lay the guide's noise floor under own dubs, as `dub --match-ambience`")
    p.add_argument("--timing", choices=["auto", "video", "guide", "oracle"], default="auto",
                   help="where the own dub's slot comes from: the picture (video), the picture "
                        "and the original track (guide), or the original speech span (oracle); "
                        "auto = video")
    p.add_argument("--save-audio", metavar="DIR", default=None, help="also write the own dubs as WAV")
    p.add_argument("--force", action="store_true", help="overwrite an existing results file")
    p.set_defaults(func=run)


def _csv(text):
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else None


def run(args) -> int:
    import os

    import torch

    from core.evaluate.manifest import load_manifest
    from core.evaluate.runner import METRIC_GROUPS, EvalOptions, format_table, run_eval
    from core.fileio import guard_outputs
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    out = guard_outputs({"results": args.output}, [args.manifest], args.force,
                        {"audio folder": args.save_audio})[0]
    groups = _csv(args.metrics) or ()
    bad = [g for g in groups if g not in METRIC_GROUPS]
    if bad or not groups:
        raise UserError(f"unknown metric(s) {', '.join(bad) or '(none given)'}; "
                        f"choose from {', '.join(METRIC_GROUPS)}")
    if args.clone_steps < 0:
        raise UserError("--clone-steps must be 0 or more")
    if args.save_audio:
        Path(args.save_audio).mkdir(parents=True, exist_ok=True)
    man = load_manifest(args.manifest)
    opts = EvalOptions(groups=groups, systems=_csv(args.systems), clips=_csv(args.clips),
                       own=not args.no_own, ground_truth=not args.no_ground_truth,
                       voice=args.voice, clone=not args.no_clone, clone_steps=args.clone_steps,
                       gt_reference=args.gt_reference,
                       max_refs=args.max_refs, timing=args.timing, match_tone=args.match_tone,
                       match_ambience=args.match_ambience,
                       save_audio=Path(args.save_audio) if args.save_audio else None)
    if opts.own:
        from core.voices import style_vector
        style_vector(opts.voice, 1)            # a bad --voice fails now, not per clip
    results = run_eval(man, opts, out, report=lambda m: print(m, file=sys.stderr, flush=True))
    print(format_table(results["summary"]))
    failed = sum(1 for r in results["clips"] for e in r["systems"].values()
                 for v in e.get("metrics", {}).values() if v is None)
    print(f"\n{len(results['clips'])} clip(s) in {results['seconds']:.0f} s; "
          f"{failed} metric value(s) null (reasons in {out})")
    return 0
