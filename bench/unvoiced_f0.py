"""Where the backbone's raw F0 prediction puts unvoiced frames (before the engine's
UNVOICED_HZ clamp), over 4 sentences x 3 voices: the basis of the unvoiced thresholds.

    python bench/unvoiced_f0.py
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TEXTS = ["Wait, we can look at that.", "Bin blue with e four now.",
         "She sells sea shells by the sea shore.", "The birch canoe slid on the smooth planks."]
VOICES = ("jm_kumo", "jf_gongitsune", "jf_alpha")
EDGES = [0, 1, 5, 10, 20, 40, 60, 80, 1e9]


def main() -> None:
    from core.synth import get_engine
    torch.set_num_threads(1)
    eng = get_engine("cpu")
    curves = []
    for voice in VOICES:
        for text in TEXTS:
            enc = eng.encode(eng.phonemize(text), voice)
            durs = torch.round(enc.base_durations).clamp(min=1).long()
            with torch.no_grad():
                f0, _ = eng.model.f0_energy(enc.dur_feats, durs, enc.style)
            curves.append(f0[0].float().numpy())
    v = np.concatenate(curves)
    hist, _ = np.histogram(v, EDGES)
    print(f"{len(v)} F0 values (12.5 ms); min {v.min():.2f} Hz, max {v.max():.1f} Hz")
    for a, b, n in zip(EDGES[:-1], EDGES[1:], hist):
        print(f"  [{a:>4g}, {b:>4g}) Hz  {n:5d}  {100 * n / len(v):5.1f}%")


if __name__ == "__main__":
    main()
