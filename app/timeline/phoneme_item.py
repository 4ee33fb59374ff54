"""Phoneme labels and draggable boundary lines.

Dragging the line at the end of phoneme k changes that phoneme's duration and
moves everything after it (ripple), so the line gets longer or shorter. The item
emits `boundaryMoved(k, frames, finished)`; the editor turns it into an undo step.
"""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal

from core.alignment import FRAME_SECONDS

LABEL_Y = 84


class PhonemeItem(QObject):
    boundaryMoved = Signal(int, int, bool)      # phoneme index, new frames, drag finished

    def __init__(self, plot: pg.PlotItem):
        super().__init__()
        self.plot = plot
        self.lines: list[pg.InfiniteLine] = []
        self.labels: list[pg.TextItem] = []
        self.durations: list[int] = []
        self.t0 = 0.0
        self.editable = True

    def clear(self) -> None:
        for item in self.lines + self.labels:
            self.plot.removeItem(item)
        self.lines, self.labels, self.durations = [], [], []

    def set_alignment(self, al, t0: float) -> None:
        """Show `al` at time t0; keeps the line items when only positions changed,
        so a line under the mouse survives its own drag."""
        if al is None:
            self.clear()
            return
        if len(al.durations) != len(self.lines):
            self.clear()
            for k, ph in enumerate(al.phonemes):
                self._add(k, ph)
        self.t0, self.durations = t0, [int(d) for d in al.durations]
        for k, ph in enumerate(al.phonemes):
            self.labels[k].setText("·" if ph == "$" else ("␣" if ph == " " else ph))
        self._place()

    def _add(self, k: int, ph: str) -> None:
        pen = pg.mkPen((120, 220, 255, 160), width=1)
        line = pg.InfiniteLine(angle=90, movable=self.editable, pen=pen,
                               hoverPen=pg.mkPen((255, 255, 120), width=3))
        line.sigDragged.connect(lambda ln, k=k: self._dragged(k, False))
        line.sigPositionChangeFinished.connect(lambda ln, k=k: self._dragged(k, True))
        label = pg.TextItem("", color=(230, 230, 230), anchor=(0.5, 0.0))
        self.plot.addItem(line, ignoreBounds=True)
        self.plot.addItem(label, ignoreBounds=True)
        self.lines.append(line)
        self.labels.append(label)

    def boundary_times(self) -> list[float]:
        out, t = [], self.t0
        for d in self.durations:
            t += d * FRAME_SECONDS
            out.append(t)
        return out

    def _place(self) -> None:
        ends = self.boundary_times()
        starts = [self.t0] + ends[:-1]
        for k, line in enumerate(self.lines):
            line.blockSignals(True)
            line.setPos(ends[k])
            line.setBounds((starts[k] + FRAME_SECONDS, None))
            line.blockSignals(False)
            self.labels[k].setPos((starts[k] + ends[k]) / 2, LABEL_Y)

    def frames_for(self, k: int, x: float) -> int:
        start = self.t0 + sum(self.durations[:k]) * FRAME_SECONDS
        return max(1, int(round((x - start) / FRAME_SECONDS)))

    def _dragged(self, k: int, finished: bool) -> None:
        frames = self.frames_for(k, self.lines[k].value())
        self.boundaryMoved.emit(k, frames, finished)

    def drag_to(self, k: int, x: float, finished: bool = True) -> None:
        """What a mouse drag of boundary k to time x does (also used by tests)."""
        self.lines[k].setPos(x)
        self._dragged(k, finished)
