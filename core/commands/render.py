"""`render`: re-render an alignment JSON the user edited by hand."""
from __future__ import annotations

from core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser("render", help="render an alignment JSON to a WAV file",
                       description="Render A.json (phonemes, durations, f0, energy, voice) "
                                   "without re-predicting anything.")
    p.add_argument("alignment", metavar="A.json")
    p.add_argument("-o", "--output", required=True, metavar="OUT.wav")
    p.add_argument("--voice", default=None, help="override the alignment's voice")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--force", action="store_true", help="overwrite an existing WAV file")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.alignment import Alignment, AlignmentError
    from core.audio import write_wav
    from core.fileio import guard_outputs
    from core.synth import get_engine
    from core.voices import parse_voice_arg

    guard_outputs({"WAV": args.output}, [args.alignment, (args.voice or "").endswith(".json")
                                         and args.voice], args.force)
    try:
        al = Alignment.load(args.alignment)
    except (OSError, AlignmentError) as e:
        raise UserError(str(e)) from None
    if args.voice:
        al.voice = parse_voice_arg(args.voice)
    engine = get_engine()
    engine.seed = args.seed
    try:
        audio = engine.render(al)
    except AlignmentError as e:
        raise UserError(str(e)) from None
    write_wav(args.output, audio, al.sample_rate, "PCM_16")
    print(f"wrote {args.output}: {len(audio) / al.sample_rate:.2f} s")
    return 0
