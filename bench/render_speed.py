"""Where a render's time goes, and how fast each way of decoding is, for a ~5 s line.

    python bench/render_speed.py [--device cpu|cuda] [--threads 1] [--repeats 3]
                                 [--profile] [--sweep]

Prints the real-time factor of predict, a one-piece render, a progressive render and a
partial re-render (drag), in torch and with the ONNX Runtime generator. --profile adds
the time per part of the network (forward hooks; CPU time of this process, so other
load on the machine counts less). --sweep adds context-size sweeps: time and log-mel
distance to a one-piece render, for the drag and for progressive chunks.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINE = "We can look at that colour intensity later, when the light is better."


def timed(fn, repeats: int, sync=lambda: None) -> tuple[float, float]:
    """Median (wall, CPU) seconds of fn()."""
    wall, cpu = [], []
    for _ in range(repeats):
        sync()
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        sync()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def profile(eng, al, repeats: int) -> None:
    """CPU time per part of predict and render (forward hooks)."""
    m, acc = eng.model, defaultdict(float)
    g = m.decoder.generator
    parts = {"predict: PL-BERT": [m.bert, m.bert_encoder],
             "predict: duration encoder + LSTM": [m.predictor.text_encoder, m.predictor.lstm,
                                                  *m.predictor.duration_proj.children()],
             "predict: F0/energy predictor": [m.predictor.shared, *m.predictor.F0,
                                              *m.predictor.N, m.predictor.F0_proj,
                                              m.predictor.N_proj],
             "render: text encoder": [m.text_encoder],
             "render: decoder front (frame rate)": [m.decoder.encode, *m.decoder.decode,
                                                    m.decoder.F0_conv, m.decoder.N_conv,
                                                    m.decoder.asr_res],
             "render: generator level 0 resblocks (800 Hz, 256 ch)": list(g.resblocks[:3]),
             "render: generator level 0 noise branch": [g.noise_convs[0], g.noise_res[0]],
             "render: generator level 1 resblocks (4800 Hz, 128 ch)": list(g.resblocks[3:]),
             "render: generator level 1 noise branch": [g.noise_convs[1], g.noise_res[1]],
             "render: generator upsampling + conv_post": [*g.ups, g.conv_post]}
    handles = []
    for name, mods in parts.items():
        for mod in mods:
            handles.append(mod.register_forward_pre_hook(
                lambda _m, _i: setattr(_m, "_t0", time.process_time())))
            handles.append(mod.register_forward_hook(
                lambda _m, _i, _o, name=name: acc.__setitem__(
                    name, acc[name] + time.process_time() - _m._t0)))
    phon = eng.phonemize(LINE)
    totals = defaultdict(float)
    for _ in range(repeats):
        c0 = time.process_time()
        enc = eng.encode(phon)
        eng.prosody(enc, al.durations)
        totals["predict (backbone only)"] += time.process_time() - c0
        eng._text_cache.clear()
        c0 = time.process_time()
        eng.render(al)
        totals["render (one piece)"] += time.process_time() - c0
    for h in handles:
        h.remove()
    print(f"\nCPU time per part, {al.seconds:.2f} s line, mean of {repeats}:")
    print("| part | ms | share of its stage |\n|---|---|---|")
    for name, v in acc.items():
        stage = totals["render (one piece)" if name.startswith("render") else
                       "predict (backbone only)"]
        print(f"| {name} | {v / repeats * 1000:.0f} | {v / stage:.0%} |")
    for name, v in totals.items():
        print(f"| **{name}** | {v / repeats * 1000:.0f} | |")


def drag_sweep(eng, al, repeats: int) -> None:
    """Partial re-render (drag) time and fidelity against a one-piece render of the edit."""
    import core.synth as synth
    from core.alignment import retime
    from core.preview_decoder import FRONT_MARGIN
    from core.progressive import log_mel_distance
    base_audio = eng.render(al)              # also records the norm statistics
    edits = []
    n = len(al.durations)
    for i in range(repeats):
        d = list(al.durations)
        d[2 + (i * 7) % (n - 4)] += 2
        new = retime(al, d)
        edits.append((new, eng.render(new)))
    eng.render(al)
    default, margin = synth.EDIT_CONTEXT, synth.EDIT_MARGIN
    synth.EDIT_CONTEXT, synth.EDIT_MARGIN = 10, FRONT_MARGIN   # ample context, the exact front
    ideal = [eng.render_edit(al, base_audio, new) for new, _ in edits]
    for ctx, m in ((0.5, margin), (1, margin), (1, FRONT_MARGIN), (2, margin), (2, FRONT_MARGIN),
                   (3, FRONT_MARGIN), (4, FRONT_MARGIN)):
        synth.EDIT_CONTEXT, synth.EDIT_MARGIN = ctx, m
        times, dists, cut = [], [], []
        for (new, full), best in zip(edits, ideal):
            c0 = time.process_time()
            part = eng.render_edit(al, base_audio, new)
            times.append((time.process_time() - c0) * 1000)
            dists.append(log_mel_distance(part, full))
            cut.append(log_mel_distance(part, best))
        dflt = ctx == default and m == margin
        print(f"drag, context {ctx:>3} frames, front margin >= {m:2d}"
              f"{' (engine default)' if dflt else ''}: "
              f"CPU median {statistics.median(times):6.1f} ms, log-mel distance to a one-piece "
              f"render median {statistics.median(dists):4.2f} dB, worst {max(dists):4.2f} dB; "
              f"to a context-10 drag median {statistics.median(cut):5.3f} dB, worst "
              f"{max(cut):5.3f} dB")
    synth.EDIT_CONTEXT, synth.EDIT_MARGIN = default, margin


def progressive_sweep(eng, al) -> None:
    """Chunk seams alone (exact statistics): context size against fidelity and time."""
    import core.progressive as prog
    from core.progressive import log_mel_distance
    ref = eng.render(al)                 # the exact statistics of this very line
    default = prog.CONTEXT
    for ctx in (2, 3, 4):
        prog.CONTEXT = ctx
        pr = prog.ProgressiveRender(eng, al)
        c0 = time.process_time()
        first = None
        for ch in pr.chunks():
            first = first or time.process_time() - c0
        total = time.process_time() - c0
        print(f"progressive, context {ctx} frames{' (default)' if ctx == default else ''}: "
              f"{len(pr.plan)} chunks, first chunk CPU {first * 1000:.0f} ms, whole line "
              f"{total * 1000:.0f} ms, seams cost {log_mel_distance(pr.audio, ref):.3f} dB")
    prog.CONTEXT = default


def main() -> None:
    import torch

    from core.alignment import move_boundary
    from core.preview_ort import disable_fast_generator, enable_fast_generator
    from core.progressive import ProgressiveRender
    from core.synth import Engine

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--sweep", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    eng = Engine(args.device)
    eng.renders.max_entries = 0           # time every render: no kept renders (core/render_cache.py)
    sync = torch.cuda.synchronize if eng.device.type == "cuda" else (lambda: None)
    phon = eng.phonemize(LINE)
    al = eng.predict(phon)            # warm-up and model load
    audio = eng.render(al)
    sec = al.seconds
    name = torch.cuda.get_device_name() if eng.device.type == "cuda" else f"CPU x{args.threads} threads"
    print(f"device: {name}; line: {sec:.2f} s of audio, {len(phon)} phonemes")

    def row(label, fn):
        w, c = timed(fn, args.repeats, sync)
        print(f"{label:44s} wall {w * 1000:7.0f} ms  CPU {c * 1000:7.0f} ms  RTF {w / sec:.3f} "
              f"(CPU {c / sec:.3f})")
    drag = move_boundary(al, len(al.durations) // 2, 2)
    row("predict (backbone only)", lambda: eng.predict(phon))
    row("one-piece render", lambda: eng.render(al))
    for backend in ("torch", "onnxruntime"):
        if backend == "onnxruntime" and not enable_fast_generator(eng):
            print("onnxruntime generator unavailable")
            continue
        row(f"progressive render, {backend}", lambda: ProgressiveRender(eng, al).run())
        row(f"partial re-render (drag), {backend}", lambda: eng.render_edit(al, audio, drag))
        if args.sweep:
            drag_sweep(eng, al, args.repeats)
            progressive_sweep(eng, al)
        disable_fast_generator(eng)
    if args.profile:
        profile(eng, al, args.repeats)


if __name__ == "__main__":
    main()
