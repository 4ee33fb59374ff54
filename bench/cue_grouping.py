"""Guide timing on multi-line scenes built from real speech: are the script lines put on
the right speech spans? (core.video.cues.assign; issue 9's guide timing)

    python bench/cue_grouping.py [--scenes 20] [--lines 6] [--noise-db -50]

Each scene strings `--lines` held-out LJSpeech lines (LJ002-*, with their transcripts)
with gaps of 0.35-1.5 s, over a steady noise floor `--noise-db` under the speech peak.
The VAD finds the speech spans (real pauses inside lines included) and `assign` groups
them onto the transcripts. Prints the share of lines whose in and out both land within
0.15 s of the truth, and the mean in/out error.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LJ = ROOT.parent / "shared" / "realspeech" / "ljspeech"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenes", type=int, default=20)
    ap.add_argument("--lines", type=int, default=6)
    ap.add_argument("--noise-db", type=float, default=-50.0)
    args = ap.parse_args()
    from core.constants import ANALYSIS_SR as SR
    from core.speech.checks import load_audio
    from core.speech.vad import Vad, speech_span, speech_segments
    from core.video import cues
    rows = [r for r in csv.DictReader(open(LJ / "manifest.csv")) if Path(r["path"]).name.startswith("LJ002")]
    rng = np.random.default_rng(0)
    vad = Vad()
    hits, errs = 0, []
    for _ in range(args.scenes):
        pick = rng.choice(len(rows), args.lines, replace=False)
        parts, truth, texts, t = [], [], [], 0.0
        for i in pick:
            x = load_audio(LJ.parent / rows[i]["path"], SR)
            s, e = speech_span(x, "line")
            x = x[int(s * SR):int(e * SR)]
            gap = rng.uniform(0.35, 1.5)
            parts += [np.zeros(int(gap * SR), np.float32), x]
            t += gap
            truth.append((t, t + len(x) / SR))
            texts.append(rows[i]["text"])
            t += len(x) / SR
        track = np.concatenate(parts + [np.zeros(SR // 2, np.float32)])
        track += (np.abs(track).max() * 10 ** (args.noise_db / 20)
                  * rng.standard_normal(len(track))).astype(np.float32)
        vad.reset()
        spans = speech_segments(vad.feed(track))
        times, _ = cues.assign(spans, texts, len(track) / SR)
        for (a, b), (ta, tb) in zip(times, truth):
            errs.append((abs(a - ta), abs(b - tb)))
            hits += abs(a - ta) <= 0.15 and abs(b - tb) <= 0.15
    e = np.array(errs)
    n = len(errs)
    print(f"{args.scenes} scenes x "
          f"{args.lines} lines, noise {args.noise_db:.0f} dB: {hits}/{n} lines within 0.15 s "
          f"({100 * hits / n:.0f} %), mean error in {1000 * e[:, 0].mean():.0f} ms, "
          f"out {1000 * e[:, 1].mean():.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
