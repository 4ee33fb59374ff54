"""Batch dubbing throughput: cues per minute for `--workers 1`, `--workers 2` and
`--ray auto` on this machine, the Ray overhead per task, and a worked (NOT RUN)
estimate for a whole film on N workers.

    python bench/batch.py [--cues 8] [--threads 1] [--modes w1,w2,ray]
                          [--film-cues 1500] [--gpu-cue-seconds S]

Each mode renders the same project from an empty cache, through core.batch exactly
as `dub --workers N` / `dub --ray auto` do (the export is not timed).
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINES = [   # (text, rate instruction, entities): what an analysed project holds
    ("We can look at that colour later, in the morning light.", "a little faster", {"happy": 1.0}),
    ("Nobody told me the train had already left.", "", {"sad": 0.7, "surprise": 0.3}),
    ("Put the red box on the table, please.", "slowly and clearly", {}),
    ("I said no, and I meant it.", "", {"angry": 1.0}),
    ("Where did you find this old photograph?", "quick", {"surprise": 1.0}),
    ("Thank you. That means a lot to me.", "", {"happy": 0.6, "neutral": 0.4}),
    ("Close the door before the cold gets in.", "a bit slower", {}),
    ("We have ten minutes, not a second more.", "fast", {"fear": 0.5, "neutral": 0.5}),
]
SLOT = 3.0          # seconds per cue, the "cues of 3 s"


def film(n: int):
    from core.project import Cue, Project, VideoInfo
    cues = []
    for i in range(n):
        text, rate, ent = LINES[i % len(LINES)]
        start = 0.5 + i * (SLOT + 0.5)
        cues.append(Cue(f"c{i + 1:04d}", text, start, start + SLOT, rate_instruction=rate,
                        entities=dict(ent)))
    return Project(video=VideoInfo(fps=25.0, duration=cues[-1].end + 0.5), cues=cues)


def backend(mode: str, threads: int):
    from core.batch.local import LocalPool
    from core.batch.ray_backend import RayPool
    if mode == "ray":
        return RayPool("auto", None, threads)
    return LocalPool(int(mode[1:]), threads)


def measure(project, mode: str, threads: int) -> dict:
    """Render from an empty cache; times of the start and of each result."""
    from core.batch.cache import CueCache
    from core.batch.schedule import run_batch
    stamps: list[float] = []
    with tempfile.TemporaryDirectory(prefix="instructdub-bench-") as tmp:
        t0 = time.perf_counter()
        res = run_batch(project, backend(mode, threads), CueCache(tmp),
                        progress=lambda r, last: stamps.append(time.perf_counter()) if last else None)
        wall = time.perf_counter() - t0
    if res.failed:
        raise SystemExit(f"{mode}: {len(res.failed)} cue(s) failed: {res.failed[0]}")
    n = len(res.rendered)
    first, last = stamps[0] - t0, stamps[-1] - t0
    steady = 60.0 * (n - 1) / (last - first) if n > 1 and last > first else float("nan")
    return dict(mode=mode, workers=res.workers, wall=wall, first=first, steady=steady,
                overall=60.0 * n / wall, cue_s=statistics.median(res.cue_seconds.values()),
                cpu_s=statistics.median(res.cue_cpu.values()))


def ray_overhead(cue_samples: int) -> tuple[float, float]:
    """(seconds per task, seconds to start Ray): round trips to a warm actor that
    returns one cue's audio, so the object store's transfer is included."""
    import ray

    from core.batch.ray_backend import task_overhead
    t0 = time.perf_counter()
    ray.init(log_to_driver=False, logging_level=logging.ERROR)
    started = time.perf_counter() - t0
    try:
        return task_overhead(200, cue_samples), started
    finally:
        ray.shutdown()


def driver_cost(cue_samples: int) -> float:
    """Seconds the driver spends per cue: caching its result (atomic npz write)."""
    import numpy as np

    from core.batch.cache import CueCache
    from core.batch.work import Rendered
    audio = np.zeros(cue_samples, np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        cache, times = CueCache(tmp), []
        for i in range(20):
            t0 = time.perf_counter()
            cache.put(f"k{i}", Rendered("c", audio, {"id": "c"}, "", 0.0, ""))
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def estimate(args, cue_s: float, per_task: float, driver_s: float, startup: float) -> None:
    n = args.film_cues
    gpu = args.gpu_cue_seconds
    c = gpu if gpu else cue_s
    print(f"\nWorked estimate for a {n:,}-cue film of {SLOT:.0f} s cues -- NOT RUN, arithmetic only:")
    print(f"  per-cue cost c = {c:.2f} s "
          + ("(given with --gpu-cue-seconds)" if gpu else
             "(measured here: median CPU time of a cue in a 1-worker run, one torch thread; "
             "no GPU was available, so a GPU worker's cost is unmeasured: pass "
             "--gpu-cue-seconds)"))
    print(f"  Ray overhead o = {per_task * 1e3:.1f} ms per task (measured), driver d = "
          f"{driver_s * 1e3:.1f} ms per cue (measured, serial), start-up s0 = {startup:.0f} s "
          "(measured: Ray start + engine load)")
    print("  time(N) = s0 + max(ceil(cues / N) * (c + o), cues * d)")
    print(f"  {'N workers':>10} {'hours':>8} {'cues/min':>9}")
    for w in args.gpu_workers:
        t = startup + max(math.ceil(n / w) * (c + per_task), n * driver_s)
        print(f"  {w:>10} {t / 3600:8.2f} {60 * n / t:9.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cues", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1, help="torch threads per worker")
    ap.add_argument("--modes", default="w1,w2,ray", help="w<N> = --workers N; ray = --ray auto")
    ap.add_argument("--film-cues", type=int, default=1500)
    ap.add_argument("--gpu-workers", type=lambda s: [int(x) for x in s.split(",")],
                    default=[1, 2, 4, 8, 16])
    ap.add_argument("--gpu-cue-seconds", type=float, default=None,
                    help="per-cue cost of one GPU worker, to use instead of this CPU's")
    args = ap.parse_args()
    os.environ.setdefault("INSTRUCTDUB_DEVICE", "cpu")
    project = film(args.cues)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPU cores, shared with other jobs (load average "
          f"{load:.1f} at start): figures are noisy; {args.threads} torch thread(s) per worker")
    print(f"project: {args.cues} cues, {SLOT:.0f} s slots, rate instructions and entities "
          "as an analysed project has them; each mode starts from an empty cache\n")
    print(f"{'mode':<12} {'workers':>7} {'wall s':>7} {'1st cue s':>9} {'cues/min':>9} "
          f"{'steady':>7} {'s/cue in worker':>16} {'CPU s/cue':>10}")
    rows = []
    for mode in args.modes.split(","):
        r = measure(project, mode, args.threads)
        rows.append(r)
        name = "--ray auto" if mode == "ray" else f"--workers {mode[1:]}"
        print(f"{name:<12} {r['workers']:>7} {r['wall']:7.1f} {r['first']:9.1f} "
              f"{r['overall']:9.1f} {r['steady']:7.1f} {r['cue_s']:16.2f} {r['cpu_s']:10.2f}",
              flush=True)
    print("(cues/min over the whole run, start-up included; steady: from the first cue "
          "to the last;\n s/cue in worker: median wall time of one cue inside its worker; CPU s/cue: "
          "its CPU time, which contention from other jobs inflates far less)")
    samples = int(SLOT * 24000)
    per_task, ray_start = ray_overhead(samples)
    driver_s = driver_cost(samples)
    one = next((r for r in rows if r["workers"] == 1), rows[0])
    ray_row = next((r for r in rows if r["mode"] == "ray"), None)
    startup = ray_row["first"] - ray_row["cue_s"] if ray_row else ray_start + one["first"]
    estimate(args, one["cpu_s"], per_task, driver_s, max(startup, 0.0))


if __name__ == "__main__":
    main()
