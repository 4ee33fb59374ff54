"""How much a clone's similarity depends on which crops its acoustic steps render: the
clone's fit (core.voice_fit.clone settings) on the bench reference, measured after
several step counts, for several crop seeds and crop placements.

    python bench/clone_seeds.py [--seeds 0,1,2] [--placements random,even]
                                [--checkpoints 14,16,18,20] [--frames 34] [--lr X]

The reference is measured and the prosody half fitted once; each (placement, seed) then
runs the acoustic steps from the same start (the loop of core.voice_fit._Fit.acoustic)
and prints the similarity figure (core.voice_fit.acoustic.figures) at each checkpoint.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def even_crops(spans: list[tuple[int, int]], n: int, frames: int,
               seed: int) -> list[tuple[int, int]]:
    """n (recording, start frame) pairs spread evenly over the speech: each recording's
    share at evenly spaced starts with one random shift, in a shuffled order."""
    import numpy as np
    rng = np.random.default_rng(seed)
    out = []
    for r, (a, b) in enumerate(spans):
        k = n // len(spans) + (r < n % len(spans))
        gap = max(0, b - frames - a) / max(k, 1)
        shift = rng.uniform(0, gap)
        out += [(r, a + int(shift + j * gap)) for j in range(k)]
    return [out[i] for i in rng.permutation(len(out))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--placements", default="random,even")
    ap.add_argument("--checkpoints", default="14,16,18,20")
    ap.add_argument("--frames", type=int, default=34)
    ap.add_argument("--lr", type=float, default=None, help="acoustic lr (default: the clone's)")
    args = ap.parse_args()
    os.environ["INSTRUCTDUB_CACHE"] = tempfile.mkdtemp(prefix="clone_seeds_")
    import torch
    torch.set_num_threads(1)
    from clone_speed import LJ, reference
    from core.constants import SAMPLE_RATE
    from core.speech.speaker import build_torch_dvector
    from core.speech_targets import speech_targets
    from core.synth import get_engine
    from core.voice_fit import START_PACKS, _Fit, _frozen, acoustic, prosody
    from core.voice_fit.adam import Adam
    from core.voice_fit.clone import clone_settings

    audio, text = reference(LJ, 10.0, SAMPLE_RATE)
    eng = get_engine("cpu")
    checkpoints = sorted(int(k) for k in args.checkpoints.split(","))
    base = replace(clone_settings(checkpoints[-1]), crop_frames=args.frames)
    if args.lr:
        base = replace(base, acoustic_lr=args.lr)
    targets = [speech_targets(audio, SAMPLE_RATE, text, eng=eng, what="reference")]
    model = eng.model
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    with _frozen(model):
        pdata = [prosody.prepare(eng, t) for t in targets]
        adata = acoustic.LazyData(eng, targets, [audio], base.seed)
        fit = _Fit(model, pdata, adata, base, lambda f, m: None, None)
        s0, _ = fit.start(START_PACKS, len(targets[0].tokens) - 2, average=True)
        s1 = fit.prosody(s0)
        fit._target_t = torch.from_numpy(fit.target_emb)
        dvec = build_torch_dvector()
        for placement in args.placements.split(","):
            for seed in (int(s) for s in args.seeds.split(",")):
                s = replace(base, seed=seed)
                fit.s = s
                half = s1[:, :128].clone().requires_grad_(True)
                opt = Adam(half, lr=s.acoustic_lr)
                spread = float(s1[:, :128].var())
                train = (acoustic.crops(adata.spans, checkpoints[-1], s.crop_frames, seed)
                         if placement == "random" else
                         even_crops(adata.spans, checkpoints[-1], s.crop_frames, seed))
                sims, c0 = [], time.process_time()
                for step, crop in enumerate(train, 1):
                    loss = fit._acoustic_loss(torch.cat([half, s1[:, 128:]], dim=1), [crop], dvec)
                    pull = ((half - s1[:, :128]) ** 2).mean() / spread
                    opt.zero_grad()
                    (loss + s.pull_weight * pull).backward()
                    opt.step()
                    if step in checkpoints:
                        f = fit.figures(torch.cat([half.detach(), s1[:, 128:]], dim=1))
                        sims.append(f"{step}: {f['similarity']:.3f}")
                print(f"{placement:6s} seed {seed}: similarity {', '.join(sims)} "
                      f"({time.process_time() - c0:.0f} CPU-s with the checks; load average "
                      f"{os.getloadavg()[0]:.1f})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
