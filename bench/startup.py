"""Time from starting the editor to its window on screen.

    python bench/startup.py [--repeats 3] [--platform offscreen]

Starts `python main.py edit --demo` with INSTRUCTDUB_EXIT_AFTER_SHOW=1, which
makes the editor print the time its window was first shown and exit (before
the engine loads and the project opens; both follow in the background).
Prints one line per run (wall and CPU seconds) and the medians. Goal: under 2 s.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def one_run(platform: str) -> tuple[float, float]:
    """(wall seconds to the window, CPU seconds the editor used until it exited)."""
    env = {**os.environ, "INSTRUCTDUB_EXIT_AFTER_SHOW": "1", "QT_QPA_PLATFORM": platform}
    cpu0, t0 = _child_cpu(), time.time()
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "edit", "--demo"], env=env,
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    for line in out.stdout.splitlines():
        if line.startswith("window shown at "):
            return float(line.split()[-1]) - t0, _child_cpu() - cpu0
    raise SystemExit(f"the editor did not report its window (exit {out.returncode}):\n"
                     f"{out.stdout}{out.stderr}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--platform", default="offscreen", help="Qt platform plugin (offscreen, xcb)")
    args = ap.parse_args()
    times, cpus = [], []
    for i in range(args.repeats):
        wall, cpu = one_run(args.platform)
        times.append(wall)
        cpus.append(cpu)
        print(f"run {i + 1}: editor start -> window shown {wall:.2f} s (CPU {cpu:.2f} s)")
    print(f"median: {statistics.median(times):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
          f"over {len(times)} runs (goal < 2 s; on a busy machine wall time is longer than CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
