"""The cue's voice: a pack, a blend of two packs, or a voice cloned from a reference clip."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QPushButton, QSlider)


class VoicePanel(QGroupBox):
    voiceChosen = Signal(object)          # a name, {"blend": {...}} or {"vector": [...]}
    cloneRequested = Signal(str)          # reference clip path

    def __init__(self, parent=None):
        super().__init__("Voice", parent)
        self.pack = QComboBox()
        self.other = QComboBox()
        self.other.addItem("(no blend)")
        self.mix = QSlider(Qt.Orientation.Horizontal)
        self.mix.setRange(0, 100)
        self.mix.setValue(50)
        self.mix.setToolTip("share of the second voice in the blend")
        self.clone = QPushButton("Clone from reference clip…")
        self.clone.clicked.connect(self._clone)
        blend = QHBoxLayout()
        blend.addWidget(self.other, 1)
        blend.addWidget(self.mix, 1)
        form = QFormLayout(self)
        form.addRow("Pack", self.pack)
        form.addRow("Blend with", blend)
        form.addRow(self.clone)
        self._loading = False
        self.shown = None
        self.pack.currentIndexChanged.connect(self._changed)
        self.other.currentIndexChanged.connect(self._changed)
        self.mix.sliderReleased.connect(self._changed)
        self.setEnabled(False)

    def set_names(self, names: list[str]) -> None:
        """The voice packs on offer; they arrive from the engine after the window shows."""
        self._loading = True
        for name in names:
            self._add(name)
        self._loading = False
        self.set_voice(self.shown)

    def _add(self, name: str) -> None:
        if self.pack.findText(name) < 0:
            self.pack.addItem(name)
            self.other.addItem(name)

    def set_voice(self, voice) -> None:
        self.shown = voice
        self._loading = True
        for name in ([voice] if isinstance(voice, str) else
                     list(voice.get("blend", {})) if isinstance(voice, dict) else []):
            self._add(name)                   # before the list arrives, or a fitted voice
        self.setEnabled(voice is not None)
        if isinstance(voice, str):
            self.pack.setCurrentText(voice)
            self.other.setCurrentIndex(0)
        elif isinstance(voice, dict) and "blend" in voice:
            (a, wa), *rest = sorted(voice["blend"].items(), key=lambda kv: -kv[1])
            self.pack.setCurrentText(a)
            if rest:
                self.other.setCurrentText(rest[0][0])
                self.mix.setValue(int(round(100 * rest[0][1] / (wa + rest[0][1]))))
        elif isinstance(voice, dict) and "vector" in voice:
            self.clone.setText("Cloned voice ✓ — clone again…")
        self._loading = False

    def current(self):
        a, b = self.pack.currentText(), self.other.currentText()
        if self.other.currentIndex() <= 0 or b == a:
            return a
        w = self.mix.value() / 100.0
        return {"blend": {a: round(1.0 - w, 3), b: round(w, 3)}}

    def _changed(self, *_):
        if not self._loading:
            self.clone.setText("Clone from reference clip…")
            self.shown = self.current()
            self.voiceChosen.emit(self.shown)

    def _clone(self):
        path, _ = QFileDialog.getOpenFileName(self, "Reference clip", "",
                                              "Audio or video (*.wav *.flac *.mp3 *.m4a *.mp4 *.mov *.mkv)")
        if path:
            self.cloneRequested.emit(path)
