"""Where first audio's and a drag's CPU time goes (issue 11), on the bench's ~5-s line.

    python bench/latency_profile.py [--repeats 5] [--threads 1] [--no-ort]

Runs the bench's session (bench/edit_latency.py): instruction edits, each stopped at its
first chunk, then boundary drags, under cProfile with the process's CPU time as its
clock, and prints the CPU ms per edit of each part (cumulative: a part includes the
parts indented under it).
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# (label, file suffix, function name): cumulative CPU time of that function
FIRST_AUDIO = [("predict (session: predict_cue)", "cue_audio.py", "predict_cue"),
               ("  MiniLM on the new instruction", "embed.py", "token_embeddings"),
               ("  IDD (durations)", "idd_predict.py", "predict_durations"),
               ("  F0/energy predictor", "synth.py", "prosody"),
               ("  IEC (F0/energy residual)", "pipeline.py", "_iec_curves"),
               ("first chunk (ProgressiveRender.chunks, to its first chunk)", "progressive.py", "chunks"),
               ("  choosing its statistics (lead_statistics)", "progressive.py", "lead_statistics"),
               ("  decoder front on its frames (window_features)", "preview_decoder.py", "window_features"),
               ("    harmonic source (its window)", "preview_decoder.py", "harmonic_window"),
               ("  generator (ONNX Runtime or torch)", "preview_decoder.py", "generator_window")]
DRAG = [("render_edit", "synth.py", "render_edit"),
        ("  inputs (text features, expansion)", "synth.py", "_inputs"),
        ("  which frames changed", "edit_splice.py", "changed_frames"),
        ("  decoder front on the window (window_features)", "preview_decoder.py", "window_features"),
        ("    harmonic source (its window)", "preview_decoder.py", "harmonic_window"),
        ("  generator (ONNX Runtime or torch)", "preview_decoder.py", "generator_window"),
        ("  splice", "edit_splice.py", "splice")]


class Stop(Exception):
    pass


def stop_at_first(_cue, _chunk):
    raise Stop


def report(title: str, prof: cProfile.Profile, parts, n: int, totals: list) -> None:
    stats = pstats.Stats(prof).stats
    print(f"\n{title}: CPU ms per edit, mean of {n} (measured total: median "
          f"{sorted(totals)[len(totals) // 2]:.0f} ms, worst {max(totals):.0f} ms)")
    for label, file, func in parts:
        ct = sum(v[3] for (f, _, fn), v in stats.items() if f.endswith(file) and fn == func)
        print(f"  {label:58s} {ct / n * 1000:7.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-ort", action="store_true")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from bench.edit_latency import LINE, RATES
    from core.edits import Retime, SetInstruction
    from core.preview_ort import enable_fast_generator
    from core.project import Cue, Project
    from core.session import Session
    from core.synth import get_engine
    eng = get_engine("cpu")
    eng.renders.max_entries = 0           # time every render: no kept renders (core/render_cache.py)
    cue = Cue(id="c1", text=LINE, start=0.0, end=5.0, rate_instruction=RATES[0],
              emotion_instruction="Calm.")
    s = Session(Project(cues=[cue]), engine_factory=lambda: eng)
    s.update("c1")
    print(f"ONNX Runtime generator: {'on' if not args.no_ort and enable_fast_generator(eng) else 'off'}")
    prof, totals = cProfile.Profile(time.process_time), []
    for i in range(args.repeats):
        s.apply(SetInstruction("c1", "rate", f"{RATES[(i + 1) % len(RATES)]} (profile {i})"))
        c0 = time.process_time()
        prof.enable()
        try:
            s.update_progressive("c1", stop_at_first)
        except Stop:
            pass
        prof.disable()
        totals.append((time.process_time() - c0) * 1000)
        s.update_progressive("c1")          # the whole line again, not profiled
    report("instruction edit -> first audio", prof, FIRST_AUDIO, args.repeats, totals)
    prof, totals = cProfile.Profile(time.process_time), []
    n = len(s.project.cue("c1").alignment.durations)
    for i in range(args.repeats * 2):
        d = list(s.project.cue("c1").alignment.durations)
        d[2 + (i * 7) % (n - 4)] += 2 if i % 2 == 0 else 1
        s.apply(Retime("c1", tuple(d)))
        c0 = time.process_time()
        prof.enable()
        s.update_progressive("c1")
        prof.disable()
        totals.append((time.process_time() - c0) * 1000)
    report("drag -> audio", prof, DRAG, args.repeats * 2, totals)


if __name__ == "__main__":
    main()
