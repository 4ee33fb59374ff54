"""One progress line over all cues: done/total, throughput and time left."""
from __future__ import annotations

import sys
import time


def clock(seconds: float) -> str:
    s = int(round(max(0.0, seconds)))
    return f"{s // 3600}h{s // 60 % 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class BatchBar:
    """`[####......] 312/1500 cues  41.3 cues/min  12 failed  left 28m45s`, on stderr.

    Throughput counts the cues finished in this run (cached ones cost nothing), from
    the first one on, so the workers' start-up does not skew the time left."""

    def __init__(self, total: int, cached: int = 0, stream=None, width: int = 24):
        self.total, self.cached, self.width = total, cached, width
        self.stream = stream or sys.stderr
        self.rendered = self.failed = 0
        self.first: tuple[float, int] | None = None     # (time, count) at the first result
        self.draw()

    def update(self, rendered: int, failed: int, last: str = "") -> None:
        self.rendered, self.failed = rendered, failed
        if self.first is None and rendered + failed:
            self.first = (time.monotonic(), rendered + failed)
        self.draw(last)

    def rate(self) -> float:
        """Cues per minute in this run, after the first result (0: not known yet)."""
        if self.first is None:
            return 0.0
        dt = time.monotonic() - self.first[0]
        n = self.rendered + self.failed - self.first[1]
        return 60.0 * n / dt if dt > 0 and n > 0 else 0.0

    def line(self, last: str = "") -> str:
        done = self.cached + self.rendered + self.failed
        frac = done / self.total if self.total else 1.0
        n = int(round(self.width * frac))
        rate = self.rate()
        left = self.total - done
        eta = clock(60.0 * left / rate) if rate > 0 and left else ("0m00s" if not left else "?")
        failed = f"  {self.failed} failed" if self.failed else ""
        return (f"[{'#' * n}{'.' * (self.width - n)}] {done}/{self.total} cues  "
                f"{rate:5.1f} cues/min{failed}  left {eta}  {last[:24]}")

    def draw(self, last: str = "") -> None:
        self.stream.write("\r" + self.line(last).ljust(88))
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()
