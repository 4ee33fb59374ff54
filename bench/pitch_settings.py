"""swift-f0 settings: the analysis built SwiftF0(threads=1) (spin on), the evaluation
SwiftF0(threads=1, spin=False). This compares the two on the same audio: are the F0
tracks the same, and how long does a call take? core.speech.pitch uses the choice.

    .venv/bin/python bench/pitch_settings.py [--shared ../shared] [--repeat 20]

Without ../shared it uses a synthetic voice only.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

from core.constants import ANALYSIS_SR  # noqa: E402
from core.speech.checks import load_audio  # noqa: E402
from core.speech.pitch import FMAX, FMIN  # noqa: E402


def recordings(shared: Path) -> list[tuple[str, np.ndarray]]:
    from _synth_video import babble
    out = [("synthetic babble 3 s", np.tile(babble(4.0, 1.5), 2))]
    for path in sorted((shared / "clips").rglob("*.mp4"))[:10] if shared.is_dir() else []:
        out.append((path.name, load_audio(path)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from swift_f0 import SwiftF0
    settings = {"spin on (analysis)": SwiftF0(threads=1), "spin off (evaluation)": SwiftF0(threads=1, spin=False)}
    clips = recordings(args.shared)
    seconds = sum(len(a) for _, a in clips) / ANALYSIS_SR
    tracks: dict = {}
    for name, det in settings.items():
        t0 = time.process_time(), time.perf_counter()
        for _ in range(args.repeat):
            tracks[name] = [det.detect(a, ANALYSIS_SR, fmin=FMIN, fmax=FMAX) for _, a in clips]
        cpu, wall = time.process_time() - t0[0], time.perf_counter() - t0[1]
        n = args.repeat * len(clips)
        print(f"{name:22s} {wall / n * 1000:7.2f} ms wall, {cpu / n * 1000:7.2f} ms CPU per call "
              f"({len(clips)} recordings, {seconds:.1f} s of audio, x{args.repeat})")
    a, b = tracks.values()
    same = all(np.array_equal(x.pitch_hz, y.pitch_hz) and np.array_equal(x.confidence, y.confidence)
               for x, y in zip(a, b))
    print(f"identical F0 and confidence in every frame: {same}")


if __name__ == "__main__":
    main()
