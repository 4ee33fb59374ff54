"""`say`: text -> speech, optionally driven by rate/emotion instructions and a time slot."""
from __future__ import annotations

import argparse

from core.constants import DEFAULT_VOICE
from core.errors import UserError


def register(sub) -> None:
    p = sub.add_parser(
        "say", help="speak English text to a WAV file",
        description="Speak TEXT offline. Instructions (--rate-instruction, --emotion-instruction, "
                    "--entities) drive durations and prosody through IDD/IEC; --slot fits the "
                    "line exactly into SECONDS.")
    p.add_argument("text", metavar="TEXT", help="English text to speak")
    p.add_argument("-o", "--output", required=True, metavar="OUT.wav", help="WAV file to write")
    p.add_argument("--voice", default=DEFAULT_VOICE,
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
    return parse(text)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from core.audio import write_wav
    from core.cue_audio import CueSpec, predict_cue, render_alignment
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
    spec = CueSpec("say", args.text, args.rate_instruction or "", args.emotion_instruction or "",
                   tuple(sorted((entities or {}).items())), voice, args.slot)
    engine = get_engine()
    engine.seed = args.seed
    al, _ = predict_cue(engine, spec, speed=args.speed)      # the editor's own predict step
    if args.pitch_shift:
        al.f0 = al.f0 * np.float32(2 ** (args.pitch_shift / 12))
    audio, _ = render_alignment(engine, al)
    write_wav(args.output, audio, al.sample_rate, "PCM_16")
    if args.alignment_out:
        al.save(args.alignment_out)
    for note in al.extra.get("notes") or []:
        print(f"note: {note}")
    print(f"wrote {args.output}: {len(audio) / al.sample_rate:.2f} s, "
          f"{len(al.phonemes)} phonemes, peak {float(np.abs(audio).max()):.2f}")
    return 0
