"""`python main.py train`: train IDD, IEC and the LoRA emotion analyzer.

The shipped checkpoints in resources/checkpoints were made with
    python main.py train --corpus ../shared/corpus
(see resources/checkpoints/checkpoints.json for the exact settings and times).
"""
from __future__ import annotations

import argparse

from core.constants import IDD_LINE_WEIGHT

HELP = "train IDD / IEC and the LoRA emotion analyzer on a script corpus"


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "train", help=HELP,
        description=HELP + ". The corpus is a list file (`wav_path|IPA|speaker` lines), a JSON "
        "Lines file (`path`, `phoneme_idx`, `duration_gt` in 25 ms frames) or a folder of them "
        "(files named *val* or *test* are held out). Targets are the backbone's own durations, "
        "F0 and energy under rule-based rate profiles and emotion transforms; lines whose "
        "recording exists or that carry duration_gt train on their real timing.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--corpus", required=True, action="append",
                   help="corpus file or folder (repeat for several)")
    p.add_argument("--val-corpus", action="append", default=None,
                   help="held-out corpus; without it, the *val*/*test* files of each --corpus folder")
    p.add_argument("--lines", type=int, default=1500, help="training lines (balanced over files)")
    p.add_argument("--val-lines", type=int, default=210, help="held-out lines")
    p.add_argument("--steps", type=int, default=3000, help="IDD+IEC training steps")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--mse-weight", type=float, default=0.0,
                   help="extra MSE term on durations (0 = the paper's loss; see README.md, Instructions)")
    p.add_argument("--real", default=None,
                   help="real-speech folder (ravdess/ and ljspeech/ with manifest.csv): IDD learns "
                   "their forced-aligned durations, IEC their emotion-against-neutral changes "
                   "(training splits only: RAVDESS actors 01-20, LJ001-*)")
    p.add_argument("--real-share", type=float, default=0.5,
                   help="with --real: share of IDD examples from the recordings")
    p.add_argument("--augment", type=float, default=0.5,
                   help="with --real: share of those under a drawn rate profile (trend, pauses)")
    p.add_argument("--real-iec-share", type=float, default=0.5,
                   help="with --real: share of IEC examples from RAVDESS emotion pairs")
    p.add_argument("--structure-weight", type=float, default=0.0,
                   help="weight of a per-line term on tempo, trend (half/half) and pause time "
                   "(0 = the paper's loss; see core/instruct/train.py structure_loss)")
    p.add_argument("--line-weight", type=float, default=IDD_LINE_WEIGHT,
                   help="weight of a Huber term on IDD's line head (tempo, trend, pause frames at "
                   f"word gaps) against what the instruction states (default {IDD_LINE_WEIGHT:g}; "
                   "0 = off; see core/instruct/train.py line_head_loss)")
    p.add_argument("--idd-only", action="store_true",
                   help="train and write only idd.pt (iec.pt stays as it is)")
    p.add_argument("--ablation-steps", type=int, default=None,
                   help="steps for the raw-attention ablation (default: --steps)")
    p.add_argument("--slots", type=int, default=10, help="learned duration prototypes K")
    p.add_argument("--iters", type=int, default=3, help="slot-attention iterations T")
    p.add_argument("--bank-size", type=int, default=3000,
                   help="rate instructions pre-written (and embedded) for training")
    p.add_argument("--analyzer-steps", type=int, default=60, help="LoRA steps (0: skip)")
    p.add_argument("--lora-rank", type=int, default=8)
    p.add_argument("--no-ablation", action="store_true",
                   help="skip the raw-instruction-attention model used by bench/instruct_eval.py")
    p.add_argument("--voices", default="jm_kumo,jf_gongitsune",
                   help="voices for the backbone features, taken in turn")
    p.add_argument("--out", default=None, help="checkpoint folder (default: resources/checkpoints)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1,
                   help="torch CPU threads (1 is fastest on a busy 2-core machine)")
    p.add_argument("--features-only", action="store_true", help="only build the feature cache")
    p.add_argument("--analyzer-only", action="store_true",
                   help="only train the LoRA analyzer (needs no corpus features)")
    p.set_defaults(func=run)


def command_line(args) -> str:
    """The full command, every training option spelled out (for the checkpoint sidecar)."""
    import shlex
    parts = ["python", "main.py", "train"]
    for c in args.corpus:
        parts += ["--corpus", c]
    for c in args.val_corpus or []:
        parts += ["--val-corpus", c]
    if args.real:
        parts += ["--real", args.real]
        for name in ("real_share", "augment", "real_iec_share"):
            parts += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    if args.ablation_steps is not None:
        parts += ["--ablation-steps", str(args.ablation_steps)]
    for name in ("lines", "val_lines", "steps", "batch", "lr", "hidden", "mse_weight",
                 "structure_weight", "line_weight", "slots", "iters",
                 "bank_size", "analyzer_steps", "lora_rank", "voices", "seed", "threads"):
        parts += ["--" + name.replace("_", "-"), str(getattr(args, name))]
    for flag in ("no_ablation", "analyzer_only", "idd_only"):
        if getattr(args, flag, False):
            parts.append("--" + flag.replace("_", "-"))
    return " ".join(shlex.quote(p) for p in parts)


def run(args) -> int:
    from pathlib import Path

    from core.fileio import guard_outputs
    from core.instruct import train_run
    guard_outputs({}, [*args.corpus, *(args.val_corpus or [])], folders={"checkpoint folder": args.out})
    out = Path(args.out) if args.out else None
    train_run.run_training(args, out, command_line(args))
    return 0
