"""Editable F0 / energy curves.

Left-drag draws the curve under the pointer; Shift+left-drag pulls the point
under the pointer up or down and its neighbours with it (a smooth bump). For
F0, unvoiced points (below 40 Hz) stay unvoiced. Right-drag zooms, middle-drag pans.
"""
from __future__ import annotations

import itertools

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from core.alignment import FRAME_SECONDS

STEP = FRAME_SECONDS / 2            # 12.5 ms per curve value
VOICED_HZ = 40.0                    # F0 below this is drawn and kept as unvoiced
_drag_ids = itertools.count(1)


class CurveViewBox(pg.ViewBox):
    """A ViewBox that hands left-drags to an editor instead of panning."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.editor = None

    def mouseDragEvent(self, ev, axis=None):
        ed = self.editor
        if ed is not None and ed.editable and ev.button() == Qt.MouseButton.LeftButton \
                and axis is None and len(ed.values):
            ev.accept()
            p = self.mapSceneToView(ev.scenePos())
            ed.drag(p.x(), p.y(), ev.isStart(), ev.isFinish(),
                    bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier))
            return
        super().mouseDragEvent(ev, axis)


class CurveItem(QObject):
    edited = Signal(object, int, bool)       # new values, drag id, finished

    def __init__(self, plot: pg.PlotItem, name: str, color, voiced_only: bool = False):
        super().__init__()
        self.name, self.voiced_only = name, voiced_only
        self.item = pg.PlotDataItem(pen=pg.mkPen(color, width=2), connect="finite")
        plot.addItem(self.item)
        vb = plot.getViewBox()
        if isinstance(vb, CurveViewBox):
            vb.editor = self
        self.values = np.zeros(0, np.float32)
        self.t0, self.editable = 0.0, True
        self._drag = None            # (drag id, start values, start index, start y, last index)

    def set_values(self, values, t0: float) -> None:
        self.values, self.t0 = np.asarray(values, np.float32).copy(), t0
        self._redraw()

    def _redraw(self) -> None:
        v = self.values.astype(np.float64)
        if self.voiced_only:
            v = np.where(v >= VOICED_HZ, v, np.nan)
        self.item.setData(self.t0 + STEP * (np.arange(len(v)) + 0.5), v)

    def index_at(self, x: float) -> int:
        return int(np.clip(np.floor((x - self.t0) / STEP), 0, len(self.values) - 1))

    def drag(self, x: float, y: float, start: bool, finish: bool, bump: bool = False) -> None:
        i = self.index_at(x)
        if start or self._drag is None:
            self._drag = (next(_drag_ids), self.values.copy(), i, y, i)
        drag_id, base, i0, y0, last = self._drag
        if bump:       # pull a neighbourhood smoothly by the vertical movement
            w = np.exp(-0.5 * ((np.arange(len(base)) - i0) / 6.0) ** 2)
            new = base + (y - y0) * w
        else:          # draw: set every point between the last and this position
            new = self.values.copy()
            lo, hi = sorted((last, i))
            new[lo:hi + 1] = y
        if self.voiced_only:
            new = np.where(base >= VOICED_HZ, np.maximum(new, VOICED_HZ), base)
        self.values = new.astype(np.float32)
        self._drag = (drag_id, base, i0, y0, i)
        self._redraw()
        self.edited.emit(self.values.copy(), drag_id, finish)
        if finish:
            self._drag = None
