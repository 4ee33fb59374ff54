"""Which of EMO-SIM*'s descriptors keep a system's dubs from the ground truth (issue 9).

    python bench/emo_sim_gap.py --dubs DIR/dubs [--system ProDubber]

For the 8 V2C clips every system dubbed: the mean score, the descriptors furthest from
the ground truth's (mean |z| gap, and its sign: + means the dub's is higher), and the
score if one group of descriptors were the ground truth's own (an offline substitution
in the feature vectors, not a dub). `--dubs` is the dubs folder of a bench/quality.py
run (own dubs); `--system` scores a peer's outputs instead.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GROUPS = {"pitch": range(0, 4), "voicing": range(4, 5), "loudness": range(5, 8),
          "spectral balance": range(8, 14), "cepstral means": range(14, 26),
          "cepstral spreads": range(26, 38)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(ROOT.parent / "shared" / "clips" / "manifest.json"))
    ap.add_argument("--dubs", help="the dubs folder of a bench/quality.py run")
    ap.add_argument("--system", default=None, help="a peer system's outputs instead of own dubs")
    args = ap.parse_args()
    from core.evaluate.emo_sim import FEATURES, feature_vector
    from core.speech.checks import load_audio
    from core.speech.speaker import cosine
    manifest = Path(args.manifest)
    clips = [c for c in json.loads(manifest.read_text())["clips"] if len(c.get("peer_outputs", {})) >= 5]
    pairs = []
    for c in clips:
        if args.system:
            path = manifest.parent / c["peer_outputs"][args.system]
        else:
            found = sorted(Path(args.dubs).glob(c["id"] + "__*.wav"))
            if not found:
                continue
            path = found[0]
        pairs.append((feature_vector(load_audio(path)), feature_vector(load_audio(manifest.parent / c["video"]))))
    if not pairs:
        print("no dubs found for the clips: give --dubs DIR/dubs or --system NAME")
        return 1
    gap = np.array([f - g for f, g in pairs])
    print(f"{args.system or args.dubs}: {len(pairs)} clips, EMO-SIM* {np.mean([cosine(f, g) for f, g in pairs]):.3f}")
    order = np.argsort(-np.abs(gap).mean(0))[:10]
    print("furthest descriptors: " + ", ".join(
        f"{FEATURES[i][0]} {np.abs(gap[:, i]).mean():.2f} ({gap[:, i].mean():+.2f})" for i in order))
    for name, idx in GROUPS.items():
        idx = list(idx)
        swapped = []
        for f, g in pairs:
            f2 = f.copy()
            f2[idx] = g[idx]
            swapped.append(cosine(f2, g))
        print(f"  {name} set to the ground truth's: {np.mean(swapped):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
