"""Time from an edit to audio, on a ~5 s line: the rows of issue 11's table.

    python bench/edit_latency.py [--device cpu|cuda] [--repeats 5] [--threads 1]
                                 [--no-ort] [--startup] [--clone [REF]] [--sweep]

- instruction edit -> first audio: re-predict, then progressive rendering
  (core/progressive.py); the first chunk is what playback starts on;
- text edit -> first audio: the same, borrowing the previous text's statistics (a preview);
- drag -> audio ready: a boundary drag, re-rendered in place (Engine.render_edit);
- editor start -> window shown (--startup), clone of a 10-s reference (--clone: minutes);
- GPU edit -> audio: with --device cuda on a machine that has one.
Each timing is a median of wall-clock time, with the process's CPU time beside it: on a
shared machine the CPU time is the steadier figure. The summary also gives each figure
as a share of a one-piece render of the same line (CPU time, measured in the same run),
and that share times ISSUE_RENDER_MS: the figure on the machine where the issue's "now"
column was measured (a one-piece render of a 5-s line took 1.9 s there, 1 thread).
--sweep adds context-size sweeps (bench/render_speed.py).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

LINE = "We can look at that colour intensity later, when the light is better."
TEXTS = ["We can look at that colour intensity later, when the light is brighter.",
         "We could look at the colour intensity later, when the sun is better.",
         "You can look at that colour and its intensity later, when light is better.",
         "We can study that colour intensity later, when the light is much better.",
         "We can look at this colour intensity tomorrow, when the light is better.",
         "They can look at that colour intensity later, once the light is better."]
RATES = ["Speak steadily at a calm, even pace.", "Start fast and rushed, then slow right down.",
         "Slow and deliberate, with long pauses.", "Quick and breathless throughout.",
         "Begin slowly, then speed up towards the end.", "A relaxed pace, slightly slower than usual.",
         "Fast at first, calmer in the middle, fast again.", "Very slow and heavy."]
NEW_LINES = ["Nobody told me the train would be this late.", "Hand me that lantern, quickly.",
             "I have never seen the harbour so quiet at this hour.",
             "If you find the key, leave it under the mat.", "Thank you, that will be all."]
CLONE_REF = ROOT.parent / "shared" / "realspeech" / "ljspeech"
ISSUE_RENDER_MS = 1900.0    # issue 11: a one-piece render of the 5-s line, 1 thread


class Clock:
    """Wall and CPU time since start, in ms."""

    def __init__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return ((time.perf_counter() - self.wall) * 1000, (time.process_time() - self.cpu) * 1000)


def med(pairs) -> str:
    w, c = zip(*pairs)
    return f"median {statistics.median(w):7.1f} ms (CPU {statistics.median(c):7.1f} ms)"


class Edits:
    """Timings of progressive edits: first audio, whole line, where the statistics of the
    whole line came from, and whether the first audio came before the whole line."""

    def __init__(self):
        self.firsts, self.wholes, self.sources, self.early, self.dists = [], [], {}, 0, {}
        self.seconds = []         # the second chunk: the first frames after the line's start
        self.lead = []            # (dBFS of a borrowed first chunk, of the one piece there)

    def run(self, s, cue_id, edit, eng=None, measure=lambda source: False):
        """Apply `edit`, then update_progressive; the result (None for a cache hit). With
        `eng`, the log-mel distance to a one-piece render is kept when `measure(source)`."""
        from core.constants import FRAME_SAMPLES
        from core.progressive import log_mel_distance
        chunks = []
        clock = Clock()
        edit()
        r = s.update_progressive(cue_id, lambda _c, ch: chunks.append((clock.read(), ch)))
        whole = clock.read()
        if r.cached:
            return None
        self.firsts.append(chunks[0][0] if chunks else whole)
        self.seconds.append(chunks[1][0] if len(chunks) > 1 else whole)
        self.wholes.append(whole)
        source = chunks[-1][1].source if chunks else "cached"
        self.sources[source] = self.sources.get(source, 0) + 1
        self.early += bool(chunks) and not chunks[0][1].last
        if source == "exact" and len(chunks) > 1:     # a borrowed first chunk, then one piece
            c = chunks[0][1]                          # its level, and the one piece's there
            self.lead.append((dbfs(c.audio), dbfs(r.audio[c.lo * FRAME_SAMPLES:c.hi * FRAME_SAMPLES])))
        if eng is not None and measure(source):
            d = log_mel_distance(r.audio, eng.render(r.alignment))
            self.dists.setdefault(source, []).append(d)
        return r

    def report(self, name: str, goal: int | None = None) -> str:
        worst = max(self.firsts, key=lambda p: p[1])
        dists = "; ".join(f"{k}: {max(v):.2f} dB (worst of {len(v)})" for k, v in self.dists.items())
        return (f"{name:36s} {med(self.firsts)}, worst {worst[0]:7.1f} ms (CPU {worst[1]:7.1f} ms)"
                f"{f'  goal {goal} ms' if goal else ''}\n"
                f"{'':36s} second chunk {med(self.seconds)}; whole line {med(self.wholes)}\n"
                f"{'':36s} statistics of the whole line from "
                f"{self.sources}; first audio before the whole line in {self.early}/"
                f"{len(self.firsts)}; log-mel distance to a one-piece render: {dists or '-'}"
                + "".join(f"\n{'':36s} borrowed first chunk {a:.1f} dBFS, the one piece there "
                          f"{b:.1f} dBFS" for a, b in self.lead))


def dbfs(x) -> float:
    import numpy as np
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-9))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-ort", action="store_true", help="decode partial windows in torch")
    ap.add_argument("--startup", action="store_true", help="time editor start -> window shown")
    ap.add_argument("--clone", nargs="?", const=str(CLONE_REF), default=None, metavar="REF",
                    help="time a clone of a 10-s reference (a file, or a folder of clips)")
    ap.add_argument("--sweep", action="store_true", help="context sizes: time and fidelity")
    args = ap.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    from core.edits import Retime, SetInstruction, SetText
    from core.preview_ort import enable_fast_generator
    from core.project import Cue, Project
    from core.session import Session
    from core.synth import get_engine

    rows = {}
    eng = get_engine(args.device)
    eng.renders.max_entries = 0           # time every render: no kept renders (core/render_cache.py)
    cue = Cue(id="c1", text=LINE, start=0.0, end=5.0, rate_instruction=RATES[0],
              emotion_instruction="Calm.")
    s = Session(Project(cues=[cue]), engine_factory=lambda: eng)
    clock = Clock()
    first = s.update("c1")
    print(f"device {eng.device}, torch threads {args.threads}, line {first.alignment.seconds:.2f} s "
          f"({len(first.alignment.phonemes)} tokens), load average {os.getloadavg()[0]:.1f}")
    print(f"first predict + render (includes model load): {clock.read()[0] / 1000:.2f} s")
    clock = Clock()
    ort = not args.no_ort and enable_fast_generator(eng)
    print(f"ONNX Runtime generator: {'on' if ort else 'off'} ({clock.read()[0] / 1000:.1f} s to "
          "load or export)")
    full = reference(eng, s, [])

    # instruction edits: re-predict (IDD/IEC) + progressive render. Each a new wording; an
    # edit whose prediction equals an earlier one is a cache hit, counted but not timed.
    # The distance is measured for the first two edits and every one not borrowing "line"
    ed, hits = Edits(), 0
    for i in range(args.repeats):
        rate = RATES[(i + 1) % len(RATES)] + (f" ({i})" if i >= len(RATES) - 1 else "")
        r = ed.run(s, "c1", lambda rate=rate: s.apply(SetInstruction("c1", "rate", rate)), eng,
                   lambda src: len(ed.firsts) <= 2 or src != "line")
        hits += r is None
    rows["instruction edit -> first audio"] = (ed.firsts, 300)
    if eng.device.type == "cuda":
        rows["GPU edit -> audio"] = (ed.firsts, 30)
    print(ed.report("instruction edit -> first audio:", 300) + f"; {hits} cache hit(s) left out")

    # small text edits: new phonemes, the previous text's statistics when near enough
    ed = Edits()
    for i in range(min(args.repeats, len(TEXTS))):
        ed.run(s, "c1", lambda i=i: s.apply(SetText("c1", TEXTS[i])), eng,
               lambda src: len(ed.firsts) <= 2 or src not in ("line", "other line"))
    print(ed.report("small text edit -> first audio:"))
    s.apply(SetText("c1", LINE))
    s.update("c1")

    # the first render of a cue: nothing of its own to borrow; other lines of the voice
    ed = Edits()
    for i, text in enumerate(NEW_LINES[:args.repeats]):
        other = Session(Project(cues=[Cue(id=f"n{i}", text=text, start=0.0, end=4.0,
                                          rate_instruction=RATES[i % len(RATES)])]),
                        engine_factory=lambda: eng)
        ed.run(other, f"n{i}", lambda: None)
    print(ed.report("new cue (first render) -> first audio:"))

    # boundary drags at different places, +1/+2 frames, each a new alignment
    drags, partial = [], 0
    n = len(s.project.cue("c1").alignment.durations)
    for i in range(args.repeats * 2):
        k = 2 + (i * 7) % (n - 4)
        d = list(s.project.cue("c1").alignment.durations)
        d[k] += 2 if i % 2 == 0 else 1
        clock = Clock()
        s.apply(Retime("c1", tuple(d)))
        r = s.update_progressive("c1")
        drags.append(clock.read())
        partial += r.partial and not r.cached
    rows["drag -> audio"] = (drags, 150)
    print(f"drag -> audio ready:                 {med(drags)} ({partial}/{len(drags)} partial)"
          f"  goal 150 ms")

    full = reference(eng, s, full)
    if args.startup:
        rows["editor start -> window shown"] = ([startup_time()], 2000)
    if args.clone:
        rows["clone, 10-s reference"] = ([clone_time(eng, Path(args.clone))], 60000)
    summary(rows, statistics.median(c for _, c in full))
    if args.sweep:
        from bench.render_speed import drag_sweep
        drag_sweep(eng, s.project.cue("c1").alignment, args.repeats)
    return 0


def reference(eng, s, full: list) -> list:
    """One-piece renders of the bench line (at the start and again at the end)."""
    for _ in range(3):
        clock = Clock()
        eng.render(s.project.cue("c1").alignment)
        full.append(clock.read())
    print(f"one-piece render (reference):        {med(full)}")
    return full


def startup_time() -> tuple[float, float]:
    """`main.py edit --demo` until its window is shown (bench/startup.py), in ms."""
    from bench.startup import one_run
    platform = "xcb" if os.environ.get("DISPLAY") else "offscreen"
    wall, cpu = one_run(platform)
    print(f"editor start -> window shown:        {wall * 1000:7.1f} ms (CPU of the editor "
          f"process {cpu * 1000:7.1f} ms, {platform}; the engine loads after)")
    return wall * 1000, cpu * 1000


def clone_time(eng, ref: Path) -> tuple[float, float]:
    """core.voice_clone.clone_voice (the app's defaults) on about 10 s of `ref`: a file, or
    a folder of clips with a manifest.csv whose texts become the transcript."""
    from bench.clone_speed import reference
    from core.voice_clone import clone_voice
    audio, text = reference(ref, 10.0, 24000)
    clock = Clock()
    voice = clone_voice(audio, 24000, eng=eng, transcript=text)
    wall, cpu = clock.read()
    c = voice["clone"]
    print(f"clone of a {len(audio) / 24000:.1f}-s reference ({c['steps']} steps, transcript "
          f"{'given' if text else 'by Whisper'}): {wall / 1000:.1f} s (CPU {cpu / 1000:.1f} s); "
          f"similarity {c['before']['similarity']} -> {c['after']['similarity']}")
    return wall, cpu


def summary(rows: dict, render_cpu: float) -> None:
    print(f"\none-piece render here: {render_cpu:.0f} ms CPU; at {ISSUE_RENDER_MS:.0f} ms on the "
          "issue's machine (see the module docstring)")
    print("| measure | median wall | median CPU | share of a render (CPU) | "
          "on the issue's machine | goal |\n|---|---|---|---|---|---|")
    names = ["instruction edit -> first audio", "drag -> audio", "editor start -> window shown",
             "clone, 10-s reference", "GPU edit -> audio"]
    for name in names:
        if name not in rows:
            why = ("no GPU here (run with --device cuda where there is one)"
                   if name.startswith("GPU") else "not run (see --help)")
            print(f"| {name} | {why} | | | | |")
            continue
        pairs, goal = rows[name]
        w, c = zip(*pairs)
        share = statistics.median(c) / render_cpu
        print(f"| {name} | {statistics.median(w):.0f} ms | {statistics.median(c):.0f} ms "
              f"| {share:.3f} | ~{share * ISSUE_RENDER_MS:.0f} ms | <= {goal} ms |")


if __name__ == "__main__":
    sys.exit(main())
