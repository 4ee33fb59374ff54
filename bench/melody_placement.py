"""How well the melody clause finds the script's words in a guide track.

    python bench/melody_placement.py [--lines 40] [--asr]

On held-out LJSpeech lines (LJ002-*, ../shared/realspeech), each word's span from
pocketsphinx forced alignment is the reference; the melody clause's placements
(core.instruct.melody.word_times) by letter share over the VAD speech, by the guide's
syllable nuclei, and (with --asr) by Whisper's word times are scored by the share of
words whose placed centre falls inside the word, and the mean centre error.
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "realspeech"


def reference_words(audio, words):
    """[(start, end)] s of each word by forced alignment."""
    from core.speech.phone_align import PAD_SECONDS, forced_alignment, pronunciations
    prons = pronunciations(words)

    def read(alignment):
        out = [(w.start * 0.01 - PAD_SECONDS, (w.start + w.duration) * 0.01 - PAD_SECONDS)
               for w in alignment if not w.name.startswith("<") and w.name != "sil"]
        if len(out) != len(words):
            from core.speech.checks import MeasurementError
            raise MeasurementError("word count")
        return out
    return forced_alignment(audio, prons, words, read)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=40)
    ap.add_argument("--asr", action="store_true")
    args = ap.parse_args()
    from core.guide_audio import syllable_nuclei
    from core.instruct.melody import norm_words, word_times
    from core.speech.checks import load_audio
    from core.speech.vad import speech_probabilities, speech_segments
    rows = [r for r in csv.DictReader(open(DATA / "ljspeech" / "manifest.csv"))
            if "LJ002-" in r["path"]][: args.lines]
    scores: dict[str, list] = {"letters": [], "nuclei": [], "asr": []}
    for r in rows:
        audio = load_audio(DATA / r["path"])
        words = [w for w in norm_words(r["text"]) if w]
        text = " ".join(words)
        try:
            ref = np.array(reference_words(audio, words))
        except Exception as e:                      # noqa: BLE001 - skip unalignable lines
            print(f"{r['path']}: skipped ({e})", file=sys.stderr)
            continue
        segs = speech_segments(speech_probabilities(audio))
        nuclei = [t for t in syllable_nuclei(audio) if any(s <= t <= e for s, e in segs)]
        placed = {"letters": word_times(text, segs, None), "nuclei": word_times(text, segs, None, nuclei)}
        if args.asr:
            from core.speech.asr import word_timings
            placed["asr"] = word_times(text, segs, word_timings(audio), nuclei)
        for name, spans in placed.items():
            c = np.array([(a + b) / 2 for a, b in spans])
            inside = (c >= ref[:, 0]) & (c <= ref[:, 1])
            scores[name].append((inside.mean(), np.abs(c - ref.mean(1)).mean() * 1000, len(words)))
    print(f"{len(scores['letters'])} LJ002 lines (of {len(rows)}), words placed against forced alignment:")
    for name, vals in scores.items():
        if vals:
            a = np.array(vals)
            w = a[:, 2] / a[:, 2].sum()
            print(f"  {name:8s} centre inside the word {np.sum(a[:, 0] * w):.1%}, "
                  f"mean centre error {np.sum(a[:, 1] * w):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
