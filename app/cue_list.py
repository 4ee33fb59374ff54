"""The cue list: in/out timecodes, text and status of every line."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem)

from core.export import timecode

STATUS_COLOURS = {"new": "#888888", "analysed": "#c9a227", "predicted": "#4fa3e0",
                  "rendered": "#4caf50", "edited": "#b57edc", "stale": "#e0704f",
                  "rendering": "#e0c04f", "failed": "#ff4040"}
COLUMNS = ["In", "Out", "Text", "Status"]


class CueList(QTableWidget):
    cueSelected = Signal(str)

    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        h = self.horizontalHeader()
        h.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for c in (0, 1, 3):
            h.setSectionResizeMode(c, QHeaderView.ResizeMode.ResizeToContents)
        self.ids: list[str] = []
        self.itemSelectionChanged.connect(self._selected)

    def set_cues(self, cues, fps: float, status_of) -> None:
        self.blockSignals(True)
        self.setRowCount(0)
        self.ids = [c.id for c in cues]
        for row, c in enumerate(cues):
            self.insertRow(row)
            for col, text in enumerate([timecode(c.start, fps), timecode(c.end, fps), c.text, ""]):
                self.setItem(row, col, QTableWidgetItem(text))
            self.set_status(c.id, status_of(c.id))
        self.blockSignals(False)

    def update_cue(self, cue, fps: float) -> None:
        if cue.id in self.ids:
            row = self.ids.index(cue.id)
            self.item(row, 0).setText(timecode(cue.start, fps))
            self.item(row, 1).setText(timecode(cue.end, fps))
            self.item(row, 2).setText(cue.text)

    def set_status(self, cue_id: str, status: str) -> None:
        if cue_id not in self.ids:
            return
        item = self.item(self.ids.index(cue_id), 3)
        item.setText(status)
        item.setForeground(QColor(STATUS_COLOURS.get(status, "#cccccc")))

    def status(self, cue_id: str) -> str:
        return self.item(self.ids.index(cue_id), 3).text()

    def select(self, cue_id: str) -> None:
        """Highlight a cue without emitting cueSelected (the window selected it)."""
        if cue_id in self.ids:
            self.blockSignals(True)
            self.selectRow(self.ids.index(cue_id))
            self.blockSignals(False)

    def _selected(self) -> None:
        rows = {i.row() for i in self.selectedItems()}
        if rows:
            self.cueSelected.emit(self.ids[min(rows)])


class EngineState(QLabel):
    """One line above the cue list: whether the voice engine is loaded yet."""

    def __init__(self, parent=None):
        super().__init__("", parent)
        self.setWordWrap(True)
        self.error = False

    def set_state(self, text: str, error: bool = False) -> None:
        self.error = error
        self.setText(text)
        self.setStyleSheet(f"color:{'#ff4040' if error else '#888888'}; font-size: 8pt;")
