"""How far the forced aligner of core.speech_targets is from the truth.

Kokoro renders a line at durations we know; the aligner (with the conventions of
core.speech_targets: stress marks and spaces share the next phone, the acoustic lead)
then times the render, and we compare the start of every token between the pads (ms,
signed: the bias is what ACOUSTIC_LEAD_S should absorb), and of every phone group.

    python bench/aligner_error.py [--voices jm_kumo,jf_alpha] [--limit N]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINES = ["The birch canoe slid on the smooth planks.",
         "Glue the sheet to the dark blue background.",
         "It's easy to tell the depth of a well.",
         "These days a chicken leg is a rare dish.",
         "Rice is often served in round bowls.",
         "The juice of lemons makes fine punch.",
         "The box was thrown beside the parked truck.",
         "Four hours of steady work faced us.",
         "A large size in stockings is hard to sell.",
         "The boy was there when the sun rose."]


def measure(eng, text: str, voice: str) -> dict:
    from core.audio import resample
    from core.speech_targets import align_tokens, token_groups, token_kinds
    from core.speech_targets.tokens import token_words
    al = eng.predict(eng.phonemize(text), voice)
    audio16 = resample(eng.render(al), 24000, 16000)
    times = align_tokens(audio16, al.phonemes, "render")
    starts = np.cumsum([0] + al.durations[:-1]) * 25.0           # true token starts, ms
    kinds = token_kinds(al.phonemes)
    phone_index = [-1] * len(kinds)
    for k, (idx, _) in enumerate(p for w in token_words(al.phonemes) for p in w):
        for j in idx:
            phone_index[j] = k
    groups = [g for g, kind in token_groups(kinds, phone_index, al.durations) if kind == "phone"]
    inner = range(1, len(kinds) - 1)
    token_err = [times[i, 0] * 1000 - starts[i] for i in inner]          # signed, ms
    group_err = [times[g[0], 0] * 1000 - starts[g[0]] for g in groups]
    return {"token": token_err, "group": group_err}


UserError = Exception      # set in main()


def main(argv=None) -> int:
    global UserError
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--voices", default="jm_kumo,jf_alpha,jf_gongitsune")
    ap.add_argument("--limit", type=int, default=0, help="lines per voice (0 = all)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "aligner_error.json"))
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(int(os.environ.get("INSTRUCTDUB_THREADS", "1")))
    from core.errors import UserError
    from core.synth import get_engine
    eng = get_engine()
    lines = LINES[: args.limit] if args.limit else LINES
    t0 = time.perf_counter()
    per_voice = {}
    for voice in args.voices.split(","):
        tok, group, failed = [], [], 0
        for text in lines:
            try:
                r = measure(eng, text, voice)
            except UserError as e:
                print(f"  {voice}: {text!r}: {e}")
                failed += 1
                continue
            tok += r["token"]
            group += r["group"]
        tok, group = np.asarray(tok), np.asarray(group)
        per_voice[voice] = v = {
            "boundaries": len(tok), "lines_failed": failed,
            "mae_ms_token": round(float(np.abs(tok).mean()), 1),
            "bias_ms_token": round(float(tok.mean()), 1),
            "mae_ms_token_unbiased": round(float(np.abs(tok - tok.mean()).mean()), 1),
            "mae_ms_group": round(float(np.abs(group).mean()), 1),
            "within_25ms": round(float(np.mean(np.abs(tok) <= 25)), 3)}
        print(f"{voice:14s} {v['boundaries']:4d} token boundaries: MAE {v['mae_ms_token']:.1f} ms "
              f"(bias {v['bias_ms_token']:+.1f} ms, {v['mae_ms_token_unbiased']:.1f} ms without it); "
              f"phone-group starts {v['mae_ms_group']:.1f} ms; {v['within_25ms']:.0%} within 25 ms; "
              f"{failed} lines failed")
    allv = list(per_voice.values())
    print(f"mean over voices: token boundary MAE {np.mean([v['mae_ms_token'] for v in allv]):.1f} ms, "
          f"bias {np.mean([v['bias_ms_token'] for v in allv]):+.1f} ms "
          f"({time.perf_counter() - t0:.0f} s)")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"lines": len(lines), "voices": per_voice}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
