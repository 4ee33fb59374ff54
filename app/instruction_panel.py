"""The selected cue's line, speaking-rate and emotion instructions, and entity weights.

Typed text is committed when the field loses focus, on Ctrl+Enter, and after a
one-second pause in typing, so a crash never loses more than the last second.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox, QLabel,
                               QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget)

from core.project import ENTITIES

TYPING_COMMIT_MS = 1000          # typed text is committed after this pause (crash-safe)
FIELDS = (("text", "Line"), ("rate_instruction", "Speaking rate"),
          ("emotion_instruction", "Emotion"))


class InstructionEdit(QPlainTextEdit):
    """A few lines of instruction text; commits on focus-out or Ctrl+Enter, like a line
    edit (and, through the panel, after a pause in typing)."""

    editingFinished = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * 3 + 12)

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self.setPlainText(text)

    def focusOutEvent(self, ev):
        super().focusOutEvent(ev)
        self.editingFinished.emit()

    def keyPressEvent(self, ev):
        if ev.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                ev.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.editingFinished.emit()
            return
        super().keyPressEvent(ev)


class InstructionPanel(QWidget):
    fieldEdited = Signal(str, str, str)          # field, old, new
    entitiesEdited = Signal(dict, dict, str)     # old, new, entity name
    analyseRequested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.edits: dict[str, QLineEdit | InstructionEdit] = {}
        self.typing: dict[str, QTimer] = {}       # per field: commit after a pause in typing
        self._loading = False
        self._values: dict[str, str] = {}
        form = QFormLayout()
        for field, label in FIELDS:
            e = QLineEdit() if field == "text" else InstructionEdit()
            e.setObjectName(field)
            e.setPlaceholderText({"text": "the line as it is spoken",
                                  "rate_instruction": "e.g. Speak quickly at first, then slow down.",
                                  "emotion_instruction": "e.g. Tense and angry, holding back."}[field])
            e.editingFinished.connect(lambda f=field: self._finished(f))
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.setInterval(TYPING_COMMIT_MS)
            timer.timeout.connect(lambda f=field: self._finished(f))
            e.textChanged.connect(lambda *_, t=timer: self._typed(t))
            form.addRow(label, e)
            self.edits[field] = e
            self.typing[field] = timer

        box = QGroupBox("Emotion entities")
        grid = QGridLayout(box)
        self.weights: dict[str, QDoubleSpinBox] = {}
        for i, name in enumerate(ENTITIES):
            sb = QDoubleSpinBox()
            sb.setRange(0.0, 1.0)
            sb.setSingleStep(0.05)
            sb.setDecimals(2)
            sb.valueChanged.connect(lambda v, n=name: self._weight(n, v))
            grid.addWidget(QLabel(name), i // 2, (i % 2) * 2)
            grid.addWidget(sb, i // 2, (i % 2) * 2 + 1)
            self.weights[name] = sb
        self.analyse = QPushButton("Analyse emotion instruction")
        self.analyse.setToolTip("Predict the entity weights from the emotion instruction")
        self.analyse.clicked.connect(self.analyseRequested)
        grid.addWidget(self.analyse, 4, 0, 1, 4)

        self.facts = QLabel("")
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color:#777; font-size: 8pt;")
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color:#c07800; font-size: 8pt;")
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(box)
        lay.addWidget(self.facts)
        lay.addWidget(self.note)
        lay.addStretch(1)
        self._entities: dict = {}
        self.setEnabled(False)

    def set_cue(self, cue, note: str = "") -> None:
        for timer in self.typing.values():      # typing for the previous cue is over
            timer.stop()
        self._loading = True
        self.setEnabled(cue is not None)
        for field, e in self.edits.items():
            v = getattr(cue, field) if cue else ""
            self._values[field] = v
            e.setText(v)
        self._entities = dict(cue.entities) if cue else {}
        for name, sb in self.weights.items():
            sb.setValue(float(self._entities.get(name, 0.0)))
        self.set_note(note)
        self.facts.setText(measurement_summary(cue.measurements) if cue else "")
        self._loading = False

    def commit(self) -> None:
        """Send edits still being typed (before the panel shows another cue)."""
        for field in self.edits:
            self._finished(field)

    def refresh(self, cue) -> None:
        """Show changes made elsewhere (undo, analysis) without touching a field being typed in."""
        self._loading = True
        for field, e in self.edits.items():
            v = getattr(cue, field)
            if v != self._values.get(field) and not e.hasFocus():
                self._values[field] = v
                e.setText(v)
        if dict(cue.entities) != self._entities:
            self._entities = dict(cue.entities)
            for name, sb in self.weights.items():
                sb.setValue(float(self._entities.get(name, 0.0)))
        self._loading = False

    def set_note(self, note: str) -> None:
        """Short in the panel (each note's first clause), in full as the tooltip."""
        short = "; ".join(part.split(" (")[0] for part in note.split("; ")) if note else ""
        self.note.setText(short)
        self.note.setToolTip(note)

    def _typed(self, timer: QTimer) -> None:
        if not self._loading:
            timer.start()

    def _finished(self, field: str) -> None:
        self.typing[field].stop()
        new, old = self.edits[field].text(), self._values.get(field, "")
        if new != old and not self._loading:
            self._values[field] = new
            self.fieldEdited.emit(field, old, new)

    def _weight(self, name: str, value: float) -> None:
        if self._loading:
            return
        old = dict(self._entities)
        new = {**old, name: round(float(value), 4)}
        self._entities = new
        self.entitiesEdited.emit(old, new, name)


def measurement_summary(m: dict) -> str:
    """One line of what the video analysis measured for the cue, if it ran."""
    if not m:
        return ""
    parts = []
    if m.get("syllable_rate"):
        parts.append(f"mouth {m['syllable_rate']:.1f} syll/s")
    guide = m.get("guide") or {}
    if guide.get("syllable_rate"):
        parts.append(f"original voice {guide['syllable_rate']:.1f} syll/s, "
                     f"{guide.get('f0_median', 0):.0f} Hz")
    room = guide.get("ambience") or {}
    if room.get("below_speech_db") is not None:
        parts.append(f"room tone {room['below_speech_db']:.0f} dB under the voice")
    if "face_found_share" in m:
        parts.append(f"face in {100 * m['face_found_share']:.0f}% of frames")
    expr = (m.get("expression") or {}).get("dominant")
    if expr:
        parts.append(f"looks {expr}")
    if m.get("timing"):
        parts.append(f"timing from {m['timing']}")
    return "Analysis: " + " · ".join(parts) if parts else ""

