"""Real-time factor of full synthesis and of a decoder-only re-render for a ~5 s line.

    python bench/render_speed.py [--device cpu|cuda] [--threads N] [--repeats N]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINE = "We can look at that colour intensity, and it is very bright in the morning light."


def timed(fn, repeats: int, sync) -> float:
    times = []
    for _ in range(repeats):
        sync()
        t0 = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    import torch

    from core.alignment import move_boundary
    from core.synth import Engine

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    eng = Engine(args.device)
    sync = torch.cuda.synchronize if eng.device.type == "cuda" else (lambda: None)
    phon = eng.phonemize(LINE)
    al = eng.predict(phon)            # warm-up and model load
    audio = eng.render(al)
    seconds = al.seconds
    full = timed(lambda: eng.render(eng.predict(phon)), args.repeats, sync)
    predict = timed(lambda: eng.predict(phon), args.repeats, sync)
    render = timed(lambda: eng.render(al), args.repeats, sync)
    drag = move_boundary(al, len(al.durations) // 2, 2)
    edit = timed(lambda: eng.render_edit(al, audio, drag), args.repeats, sync)
    name = torch.cuda.get_device_name() if eng.device.type == "cuda" else f"CPU x{args.threads} threads"
    print(f"device: {name}; line: {seconds:.2f} s of audio, {len(phon)} phonemes")
    print(f"full synthesis (predict+render): {full:.3f} s  RTF {full / seconds:.3f}")
    print(f"predict only:                    {predict:.3f} s  RTF {predict / seconds:.3f}")
    print(f"decoder-only re-render:          {render:.3f} s  RTF {render / seconds:.3f}")
    print(f"partial re-render (drag):        {edit * 1000:.0f} ms")


if __name__ == "__main__":
    main()
