"""`voices`: list the built-in voices; fit a voice to transcribed recordings; clone a
voice from a reference recording."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.constants import CLONE_STEPS
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
    cl.add_argument("--steps", type=int, default=CLONE_STEPS,
                    help="acoustic tuning steps (more = closer, slower)")
    cl.add_argument("--no-wer-check", action="store_true",
                    help="skip the quality checks (Whisper for the speaker-embedding route, "
                         "DistillMOS for the fit)")
    cl.add_argument("--force", action="store_true", help="overwrite an existing voice file")
    cl.set_defaults(func=run_clone)
    _register_fit(sub)


def _register_fit(sub) -> None:
    # no core.voice_fit import here: it loads torch, and every command (the editor's
    # start included) builds this parser; the step defaults are FitSettings'
    fit = sub.add_parser(
        "fit", help="fit a voice to transcribed recordings of one speaker",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description="SOURCE is a manifest CSV (columns path,text and optionally speaker; "
                    "paths relative to it), a folder holding manifest.csv, or a folder of "
                    "audio files each with a same-named .txt transcript (a.wav + a.txt). "
                    "About 20 recordings take a few minutes on a CPU; the fit is cached.")
    fit.add_argument("source", help="a folder or manifest of transcribed recordings")
    fit.add_argument("-o", "--output", required=True, help="the voice file to write (.json)")
    fit.add_argument("--speaker", help="only this speaker's rows of a manifest")
    fit.add_argument("--limit", type=int, default=0, help="use the first N recordings (0 = all)")
    fit.add_argument("--name", default="", help="the voice's name (default: the file's stem)")
    fit.add_argument("--source-note", default="", help="where the recordings come from")
    fit.add_argument("--licence", default="", help="the recordings' licence")
    fit.add_argument("--prosody-steps", type=int, default=argparse.SUPPRESS,
                     help="prosody steps (default: core.voice_fit.FitSettings's, 60)")
    fit.add_argument("--acoustic-steps", type=int, default=argparse.SUPPRESS,
                     help="acoustic steps (default: core.voice_fit.FitSettings's, 30)")
    fit.add_argument("--no-cache", action="store_true", help="fit again even if cached")
    fit.add_argument("--force", action="store_true", help="overwrite an existing voice file")
    fit.set_defaults(func=run_fit)


def run_list(args) -> int:
    from core.voices import DEFAULT_VOICE, list_voices, shipped_voice_info
    for name in list_voices():
        info = shipped_voice_info(name)
        note = f"  {info.get('source', '')}; {info.get('licence', '')}" if info else ""
        print(name + ("  (default)" if name == DEFAULT_VOICE else "") + note)
    return 0


def _progress_printer():
    tty = sys.stderr.isatty()

    def progress(frac: float, msg: str) -> None:
        end = "" if tty else "\n"
        print(f"{chr(13) if tty else ''}{frac:4.0%} {msg[:70]:<70}", end=end, file=sys.stderr,
              flush=True)
    return progress, tty


def run_fit(args) -> int:
    import os

    import torch

    from core.fileio import prepare_output
    from core.voice_clone import save_voice
    from core.voice_fit import FitSettings, fit_files
    from core.voice_fit.sources import read_recordings
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    out = Path(args.output)
    if out.suffix.lower() != ".json":
        raise UserError("the voice file must end in .json")
    d = FitSettings()
    args.prosody_steps = getattr(args, "prosody_steps", d.prosody_steps)
    args.acoustic_steps = getattr(args, "acoustic_steps", d.acoustic_steps)
    if args.limit < 0 or args.prosody_steps < 0 or args.acoustic_steps < 0:
        raise UserError("--limit and the step counts must be 0 or more")
    recs = read_recordings(args.source, args.speaker, args.limit)
    inputs = {Path(args.source).resolve()} | {r.path for r in recs}
    inputs |= {r.path.with_suffix(".txt") for r in recs}
    if out.resolve() in inputs or (Path(args.source).is_dir()
                                   and out.resolve() == Path(args.source, "manifest.csv").resolve()):
        raise UserError(f"{out} is one of the fit's inputs; choose another output")
    prepare_output(out, args.force, "voice file")
    settings = FitSettings(prosody_steps=args.prosody_steps, acoustic_steps=args.acoustic_steps)
    progress, tty = _progress_printer()
    voice = fit_files(recs, settings, progress=progress, use_cache=not args.no_cache)
    if tty:
        print(file=sys.stderr)
    voice = {"name": args.name or out.stem, "vector": voice["vector"],
             "source": args.source_note or str(Path(args.source)),
             "licence": args.licence or "unknown (the recordings' own)", "fit": voice["fit"]}
    save_voice(voice, out)
    b, a = voice["fit"]["before"], voice["fit"]["after"]
    print(f"{out}: {len(recs)} recordings; duration error {b['duration_mae_ms']:.0f} -> "
          f"{a['duration_mae_ms']:.0f} ms, F0 error {b['f0_rmse_st']:.1f} -> "
          f"{a['f0_rmse_st']:.1f} st, last vowel voiced {b['last_vowel_voiced']:.0%} -> "
          f"{a['last_vowel_voiced']:.0%}, speaker similarity {b['similarity']:.2f} -> "
          f"{a['similarity']:.2f} ({voice['fit']['seconds']:.0f} s)")
    return 0


def run_clone(args) -> int:
    import os

    import torch

    from core.constants import SAMPLE_RATE
    from core.speech.checks import MeasurementError as MetricError
    from core.speech.checks import load_audio
    from core.fileio import guard_outputs
    from core.voice_clone import clone_note, clone_voice, save_voice
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
    progress, tty = _progress_printer()
    voice = clone_voice(audio, SAMPLE_RATE, steps=args.steps, progress=progress,
                        use_wer=not args.no_wer_check, name=Path(args.reference).name)
    if tty:
        print(file=sys.stderr)
    save_voice(voice, out)
    c = voice["clone"]
    start = c["before"]["similarity"]            # None when the clone did not measure it
    start = "" if start is None else f"{start:.2f} -> "
    print(f"{out}: from {c['start_pack']}, speaker similarity {start}"
          f"{c['after']['similarity']:.2f} (kept step {c['kept_step']}/{c['steps']}), "
          f"{c['seconds']:.0f} s")
    if note := clone_note(voice):
        print(f"note: {note}", file=sys.stderr)
    return 0
