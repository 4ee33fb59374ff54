"""`voices`: list the built-in voices; clone a voice from a reference recording."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.errors import UserError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "voices", help="list voices, or clone one from a reference recording",
        description="`voices list` shows the built-in style packs. `voices clone REF.wav -o "
                    "VOICE.json` tunes a voice to sound like the speaker in REF.wav (a few "
                    "seconds of clean speech) and saves it; use the file wherever a voice is "
                    "asked for. Cloning takes a few minutes on a CPU.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sub = p.add_subparsers(dest="voices_command", metavar="ACTION", required=True)
    ls = sub.add_parser("list", help="list the built-in voices")
    ls.set_defaults(func=run_list)
    cl = sub.add_parser("clone", help="clone a voice from a reference recording",
                        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    cl.add_argument("reference", help="a recording of the target speaker (wav, mp3, mp4, ...)")
    cl.add_argument("-o", "--output", required=True, help="the voice file to write (.json)")
    cl.add_argument("--steps", type=int, default=30, help="tuning steps (more = closer, slower)")
    cl.add_argument("--no-wer-check", action="store_true",
                    help="pick the checkpoint by speaker similarity alone (skips Whisper)")
    cl.add_argument("--force", action="store_true", help="overwrite an existing voice file")
    cl.set_defaults(func=run_clone)


def run_list(args) -> int:
    from core.voices import DEFAULT_VOICE, list_voices
    for name in list_voices():
        print(name + ("  (default)" if name == DEFAULT_VOICE else ""))
    return 0


def run_clone(args) -> int:
    import os

    import torch

    from core.constants import SAMPLE_RATE
    from core.speech.checks import MeasurementError as MetricError
    from core.speech.checks import load_audio
    from core.fileio import guard_outputs
    from core.voice_clone import clone_voice, save_voice
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    out = Path(args.output)
    if out.suffix.lower() != ".json":
        raise UserError("the voice file must end in .json")
    guard_outputs({"voice file": out}, [args.reference], args.force)
    if args.steps < 0:
        raise UserError("--steps must be 0 or more")
    try:
        audio = load_audio(args.reference, SAMPLE_RATE)
    except MetricError as e:
        raise UserError(str(e)) from None
    tty = sys.stderr.isatty()

    def progress(frac: float, msg: str) -> None:
        end = "" if tty else "\n"
        print(f"{chr(13) if tty else ''}{frac:4.0%} {msg[:70]:<70}", end=end, file=sys.stderr,
              flush=True)

    voice = clone_voice(audio, SAMPLE_RATE, steps=args.steps, progress=progress,
                        use_wer=not args.no_wer_check, name=Path(args.reference).name)
    if tty:
        print(file=sys.stderr)
    save_voice(voice, out)
    c = voice["clone"]
    print(f"{out}: from {c['start_pack']}, speaker similarity {c['before']['similarity']:.2f} -> "
          f"{c['after']['similarity']:.2f} (kept step {c['kept_step']}/{c['steps']}), "
          f"{c['seconds']:.0f} s")
    return 0
