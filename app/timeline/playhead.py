"""The playhead and the cue's in/out marks, one set per stacked plot."""
from __future__ import annotations

import pyqtgraph as pg


class Playhead:
    def __init__(self, plots):
        self.lines = []
        for p in plots:
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((255, 60, 60), width=2))
            line.setZValue(100)
            p.addItem(line, ignoreBounds=True)
            self.lines.append(line)

    def set_time(self, t: float) -> None:
        for line in self.lines:
            line.setPos(t)

    @property
    def time(self) -> float:
        return float(self.lines[0].value()) if self.lines else 0.0


class CueBounds:
    """The cue's in and out times as a shaded region in every plot."""

    def __init__(self, plots):
        self.regions = []
        for p in plots:
            r = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(80, 200, 120, 25),
                                    pen=pg.mkPen((80, 200, 120, 180), width=1))
            r.setZValue(-10)
            p.addItem(r, ignoreBounds=True)
            self.regions.append(r)

    def set_range(self, start: float, end: float) -> None:
        for r in self.regions:
            r.setRegion((start, end))
