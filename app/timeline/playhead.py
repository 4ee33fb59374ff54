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
    """The cue's in and out times as a shaded region in every plot.

    In the first plot the two edges can be dragged (the body cannot, so drags
    inside the cue still pan); `editable` is that plot's region.
    """

    def __init__(self, plots):
        self.regions = []
        for i, p in enumerate(plots):
            r = pg.LinearRegionItem(movable=False, brush=pg.mkBrush(80, 200, 120, 25),
                                    pen=pg.mkPen((80, 200, 120, 180), width=1))
            r.setZValue(-10)
            if i == 0:
                for line in r.lines:
                    line.setMovable(True)
                    line.setPen(pg.mkPen((80, 220, 120), width=2))
                    line.setHoverPen(pg.mkPen((255, 255, 120), width=3))
                    line.setToolTip("drag to move the cue's in or out time")
            p.addItem(r, ignoreBounds=True)
            self.regions.append(r)
        self.editable = self.regions[0]

    def set_range(self, start: float, end: float) -> None:
        for r in self.regions:
            r.blockSignals(True)
            r.setRegion((start, end))
            r.blockSignals(False)

    def range(self) -> tuple[float, float]:
        lo, hi = self.editable.getRegion()
        return float(lo), float(hi)
