"""Time from Play to sound in the editor's transport, for a long project.

    python bench/play_start.py [--cues 300] [--every 8]

A synthetic project (no files needed): --cues lines of 3 s, one every --every seconds,
each with a guide-track ambience, so "Hear the tone and room-tone match" has work to do.
Prints, with the match off and on, the time of two plays from the start (the second
reuses what the first made) and of a shuttle from the middle, and what a tick of the playhead costs the GUI thread while
a play's later stretches are made in the worker (app/stream_ahead.py).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def project(n: int, every: float):
    import numpy as np

    from core.project import Cue, Project, VideoInfo
    rng = np.random.default_rng(0)
    lines, cues = {}, []
    for i in range(n):
        line = np.zeros(72000, np.float32)
        line[:60000] = 0.2 * np.sin(np.arange(60000) / (3.0 + i % 5)) * rng.uniform(0.5, 1, 60000)
        cue = Cue(id=f"c{i}", text="Hi.", start=every * i + 0.5, end=every * i + 3.5)
        cue.measurements = {"guide": {"ambience": {"bands_db": [float(-i % 7)] * 23,
                                                   "below_speech_db": 30.0}}}
        cues.append(cue)
        lines[cue.id] = line
    return Project(video=VideoInfo(duration=every * n), cues=cues), lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cues", type=int, default=300)
    ap.add_argument("--every", type=float, default=8.0)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication([])  # noqa: F841 - QObjects need it
    from app.transport import Transport
    proj, lines = project(args.cues, args.every)
    session = SimpleNamespace(project=proj, audio=lambda cid: lines[cid])
    t = Transport(lambda: session, prefer="silent")
    t.duration = args.every * args.cues
    print(f"{args.cues} cues over {t.duration / 60:.0f} min")
    for matching in (False, True):
        t.set_matching(matching)
        for k in (1, 2):
            t.time = 0.0
            t0 = time.perf_counter()
            t.play()
            print(f"  room-tone match {'on ' if matching else 'off'}, play {k}: "
                  f"{(time.perf_counter() - t0) * 1000:7.0f} ms to sound")
            t.pause()
        for keys, name in (((-1,), "J (back)"), ((1, 1), "L, L (2x)")):
            t.time = t.duration / 2
            for key in keys[:-1]:
                t.shuttle(key)
            t0 = time.perf_counter()
            t.shuttle(keys[-1])
            print(f"  room-tone match {'on ' if matching else 'off'}, {name} from the middle: "
                  f"{(time.perf_counter() - t0) * 1000:7.0f} ms to sound")
            t.pause()
    t.time = 0.0
    t.play()
    ticks, made = [], []
    while t.player.playing and len(ticks) < 40:        # the clock runs 5 s a tick
        t.player._started -= 5.0
        t0 = time.perf_counter()
        t._tick()
        ticks.append(time.perf_counter() - t0)
        if getattr(t, "_stream", None) is not None:      # (older code made it all at Play)
            w0 = time.perf_counter()
            t._stream.wait()
            made.append(time.perf_counter() - w0)
    print(f"  a tick on the GUI thread while playing: median {statistics.median(ticks) * 1000:.1f} ms,"
          f" worst {max(ticks) * 1000:.1f} ms; the worker's wait per tick (a stretch of "
          f"{10:.0f} s every other tick) worst {max(made, default=0) * 1000:.0f} ms")
    t.pause()
    return 0


if __name__ == "__main__":
    sys.exit(main())
