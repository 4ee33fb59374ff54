"""Time from an edit to audio ready, on a ~5 s line: a boundary drag (partial
re-render) and an instruction edit (re-predict + full render).

    python bench/edit_latency.py [--device cpu|cuda] [--repeats 7] [--threads 1]

Prints one line per figure. Goal: boundary drag <= 150 ms on the CPU.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

LINE = "We can look at that colour intensity later, when the light is better."
RATES = ["Speak steadily at a calm, even pace.", "Start fast and rushed, then slow right down."]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sweep", action="store_true",
                    help="also try other decoder context sizes for the partial re-render: "
                         "time, and SNR against a full render of the same edit")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from core.edits import Retime, SetInstruction
    from core.project import Cue, Project
    from core.session import Session
    from core.synth import get_engine

    eng = get_engine(args.device)
    cue = Cue(id="c1", text=LINE, start=0.0, end=5.0, rate_instruction=RATES[0],
              emotion_instruction="Calm.")
    s = Session(Project(cues=[cue]), engine_factory=lambda: eng)
    t = time.perf_counter()
    first = s.update("c1")
    print(f"device {eng.device}, torch threads {args.threads}, line {first.alignment.seconds:.2f} s "
          f"({len(first.alignment.phonemes)} tokens)")
    print(f"first predict + render (includes model load): {time.perf_counter() - t:.2f} s")
    if first.note:
        print(f"note: {first.note}")

    def timed(edit):
        t0 = time.perf_counter()
        edit()
        r = s.update("c1")
        if eng.device.type == "cuda":
            torch.cuda.synchronize()
        return (time.perf_counter() - t0) * 1000, r

    # full render of the same alignment, for reference
    full = []
    for _ in range(3):
        t0 = time.perf_counter()
        eng.render(s.project.cue("c1").alignment)
        full.append((time.perf_counter() - t0) * 1000)
    print(f"full render (reference):         median {statistics.median(full):7.1f} ms")

    # boundary drags at different places in the line, +-2 frames, each a new alignment
    drags, partial = [], 0
    n = len(first.alignment.durations)
    for i in range(args.repeats):
        k = 2 + (i * 7) % (n - 4)
        d = list(s.project.cue("c1").alignment.durations)
        d[k] += 2 if i % 2 == 0 else 1          # always a real change (no cache hit)
        ms, r = timed(lambda d=d: s.apply(Retime("c1", tuple(d))))
        drags.append(ms)
        partial += r.partial and not r.cached
    print(f"boundary drag -> audio ready:    median {statistics.median(drags):7.1f} ms, "
          f"min {min(drags):.1f}, max {max(drags):.1f} ({partial}/{len(drags)} partial)"
          f"  goal 150 ms")

    # instruction edits: re-predict (IDD/IEC) + full render; alternate two texts,
    # appending a counter so the prediction cache never answers
    instr = []
    for i in range(max(3, args.repeats // 2)):
        rate = f"{RATES[i % 2]} ({i})"
        ms, r = timed(lambda rate=rate: s.apply(SetInstruction("c1", "rate", rate)))
        instr.append(ms)
    print(f"instruction edit -> audio ready: median {statistics.median(instr):7.1f} ms, "
          f"min {min(instr):.1f}, max {max(instr):.1f}"
          + ("  (the prediction did not change: nothing re-rendered)"
             if s.state("c1").note and "missing" in s.state("c1").note else ""))
    # the same, when the new prediction changes the whole line: predict + full render
    forced = []
    for i in range(3):
        def edit(i=i):
            s.apply(SetInstruction("c1", "rate", f"{RATES[i % 2]} [{i}]"))
            st = s.state("c1")
            st.audio, st.alignment = None, None     # no earlier audio to patch
        ms, r = timed(edit)
        forced.append(ms)
    print(f"instruction edit, whole line re-rendered: median {statistics.median(forced):7.1f} ms")
    if args.sweep:
        sweep(eng, s, args.repeats)
    return 0


def sweep(eng, s, repeats: int) -> None:
    """Partial re-render time and fidelity for several context sizes (frames each side).

    Fidelity is the mean absolute log-mel difference (dB) between the partial result
    and a full render of the same edit: phase-blind, since the tail of a ripple edit
    keeps its old waveform phase while a full render shifts it."""
    import numpy as np

    import core.synth as synth
    from core.audio import mel_spectrogram
    from core.alignment import retime
    base_al = s.project.cue("c1").alignment
    base_audio = eng.render(base_al)             # also records the norm statistics
    edits = []
    n = len(base_al.durations)
    for i in range(repeats):
        d = list(base_al.durations)
        k = 2 + (i * 7) % (n - 4)
        d[k] += 2
        new = retime(base_al, d)
        edits.append((new, eng.render(new)))     # the full render to compare against
    eng.render(base_al)
    default = synth.EDIT_CONTEXT
    for ctx in (2, 4, 6, 8, 12, 16):
        synth.EDIT_CONTEXT = ctx
        times, dists = [], []
        for new, full in edits:
            t0 = time.perf_counter()
            part = eng.render_edit(base_al, base_audio, new)
            times.append((time.perf_counter() - t0) * 1000)
            a, b = mel_spectrogram(part), mel_spectrogram(full)
            loud = b > b.max() - 60                  # ignore the silence floor
            dists.append(float(np.mean(np.abs(a - b)[loud])))
        print(f"context {ctx:2d} frames{' (engine default)' if ctx == default else ''}: "
              f"partial re-render median {statistics.median(times):6.1f} ms, "
              f"log-mel distance to a full render median {statistics.median(dists):4.2f} dB, "
              f"worst {max(dists):4.2f} dB")
    synth.EDIT_CONTEXT = default


if __name__ == "__main__":
    sys.exit(main())
