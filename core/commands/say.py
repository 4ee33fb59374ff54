"""`say`: text -> speech, optionally driven by rate/emotion instructions and a time slot."""
from __future__ import annotations

import argparse

from core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "say", help="speak English text to a WAV file",
        description="Speak TEXT offline. Instructions (--rate-instruction, --emotion-instruction, "
                    "--entities) drive durations and prosody through IDD/IEC; --slot fits the "
                    "line exactly into SECONDS.")
    p.add_argument("text", metavar="TEXT", help="English text to speak")
    p.add_argument("-o", "--output", required=True, metavar="OUT.wav", help="WAV file to write")
    p.add_argument("--voice", default="jm_kumo",
                   help="voice pack name, a blend 'jm_kumo=0.7,jf_alpha=0.3', or a voice .json "
                        "(see `voices list`)")
    p.add_argument("--speed", type=float, default=1.0, help="global tempo factor (default 1)")
    p.add_argument("--pitch-shift", type=float, default=0.0, metavar="SEMITONES",
                   help="shift the predicted F0 by this many semitones")
    p.add_argument("--rate-instruction", default=None, metavar="TEXT",
                   help='speaking-rate instruction, e.g. "fast at first, then slowing down"')
    p.add_argument("--emotion-instruction", default=None, metavar="TEXT",
                   help='emotion instruction, e.g. "she sounds furious"')
    p.add_argument("--entities", default=None, metavar="E=W,...",
                   help="emotion entities with weights, e.g. angry=0.7,sad=0.3 "
                        "(overrides the analyzer)")
    p.add_argument("--slot", type=float, default=None, metavar="SECONDS",
                   help="make the line last exactly this long (25 ms resolution)")
    p.add_argument("--alignment-out", default=None, metavar="A.json",
                   help="also write the alignment (phonemes, durations, F0, energy) as JSON")
    p.add_argument("--seed", type=int, default=0, help="seed of the noise source (default 0)")
    p.add_argument("--force", action="store_true", help="overwrite existing output files")
    p.set_defaults(func=run)


def parse_entities(text: str | None) -> dict | None:
    if not text:
        return None
    from core.instruct.pipeline import parse_entities as parse
    try:
        return parse(text)
    except ValueError as e:
        raise UserError(str(e)) from None


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from core.audio import write_wav
    from core.fileio import guard_outputs
    from core.limits import check_slot
    from core.synth import get_engine
    from core.voices import parse_voice_arg

    if not args.text.strip():
        raise UserError("the text is empty")
    guard_outputs({"WAV": args.output, "alignment": args.alignment_out},
                  [args.voice if args.voice.endswith(".json") else None], args.force)
    check_slot(args.slot, "--slot")
    voice = parse_voice_arg(args.voice)
    entities = parse_entities(args.entities)
    engine = get_engine()
    engine.seed = args.seed
    phonemes = engine.phonemize(args.text)
    instructed = any(v is not None for v in (args.rate_instruction, args.emotion_instruction,
                                             entities, args.slot))
    if instructed:
        try:
            from core.instruct.pipeline import instructed_predict
        except ImportError as e:
            raise UserError(f"the instruction models are not available: {e}") from None
        al = instructed_predict(engine, phonemes, voice,
                                rate_instruction=args.rate_instruction or "",
                                emotion_instruction=args.emotion_instruction or "",
                                entities=entities, slot_seconds=args.slot)
        if args.speed != 1.0:
            raise UserError("--speed cannot be combined with instructions or --slot; "
                            "say it in --rate-instruction instead")
    else:
        al = engine.predict(phonemes, voice, speed=args.speed)
    if args.pitch_shift:
        ratio = 2 ** (args.pitch_shift / 12)
        al.f0 = [f * ratio for f in al.f0]
    audio = engine.render(al)
    write_wav(args.output, audio, al.sample_rate, "PCM_16")
    if args.alignment_out:
        al.save(args.alignment_out)
    notes = al.extra.get("notes") if al.extra else None
    for note in notes or []:
        print(f"note: {note}")
    print(f"wrote {args.output}: {len(audio) / al.sample_rate:.2f} s, "
          f"{len(al.phonemes)} phonemes, peak {float(np.abs(audio).max()):.2f}")
    return 0
