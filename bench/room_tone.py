"""How the room-tone floor is read on real recordings (core.ambience, issue 9).

    python bench/room_tone.py [--manifest ../shared/clips/manifest.json] [--lj N]

For each clip's original track, the demo and N held-out LJSpeech lines: the floor as
analysis reads it (VAD pauses; the quietest moments under continuous speech or when the
pauses hold music), and as the quietest moments alone read it, with the distance of
their levels and shapes. Prints a markdown table.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _recordings(manifest: Path, lj: int) -> list[Path]:
    out = []
    if manifest.is_file():
        man = json.loads(manifest.read_text())
        out += [manifest.parent / c["video"] for c in man["clips"]]
    out.append(ROOT / "resources" / "demo" / "grid_s17_bbwe4n.mp4")
    out += sorted((ROOT.parent / "shared" / "realspeech" / "ljspeech").glob("LJ002-*.flac"))[:lj]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(ROOT.parent / "shared" / "clips" / "manifest.json"))
    ap.add_argument("--lj", type=int, default=4, help="held-out LJSpeech lines (LJ002-*)")
    args = ap.parse_args()
    from core import ambience as amb
    from core.constants import ANALYSIS_SR
    from core.speech.checks import load_audio
    from core.speech.vad import Vad, speech_segments
    vad = Vad()
    print("| recording | analysis reads from | dB under the speech | quietest moments alone | "
          "level gap dB | shape gap dB (mean over bands) |")
    print("|---|---|---|---|---|---|")
    for path in _recordings(Path(args.manifest), args.lj):
        x = load_audio(path, ANALYSIS_SR)
        vad.reset()
        got = amb.measure(x, ANALYSIS_SR, speech_segments(vad.feed(x)))
        least = amb.measure(x, ANALYSIS_SR, [(0.0, len(x) / ANALYSIS_SR)])
        cell = lambda m: "–" if m is None else f"{m['below_speech_db']:.1f}"
        row = [path.name, got["read_from"] if got else "none (silent or too short)", cell(got), cell(least)]
        if got is not None and least is not None:
            row += [f"{abs(got['below_speech_db'] - least['below_speech_db']):.1f}",
                    f"{np.abs(np.subtract(got['bands_db'], least['bands_db'])).mean():.1f}"]
        else:
            row += ["–", "–"]
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
