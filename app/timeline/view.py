"""The timeline widget: mel + phonemes, F0, energy, mouth/waveform; linked in time.

x is seconds on the video, so the dub lines up with the picture and the
mouth curve. Wheel zooms, middle/right drag pans and zooms, a click seeks.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal

from app.timeline.curve_item import CurveItem, CurveViewBox
from app.timeline.mel_item import N_MELS, MelItem
from app.timeline.mouth_item import MouthItem, WaveformItem
from app.timeline.phoneme_item import PhonemeItem
from app.timeline.playhead import CueBounds, Playhead
from core.alignment import SAMPLE_RATE


class TimelineWidget(pg.GraphicsLayoutWidget):
    boundaryMoved = Signal(int, int, bool)          # phoneme, frames, finished
    curveEdited = Signal(str, object, int, bool)    # "f0"/"energy", values, drag id, finished
    seekRequested = Signal(float)
    cueTimingChanged = Signal(float, float)          # new in, out (seconds)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setBackground((24, 24, 28))
        self.ci.setSpacing(2)
        self.mel_plot = self._plot(0, "mel · phonemes", stretch=3)
        self.f0_plot = self._plot(1, "F0 (Hz)", editable=True)
        self.energy_plot = self._plot(2, "energy", editable=True)
        self.mouth_plot = self._plot(3, "mouth · orig.", stretch=1)
        self.plots = [self.mel_plot, self.f0_plot, self.energy_plot, self.mouth_plot]
        for p in self.plots[1:]:
            p.setXLink(self.mel_plot)
        for p in self.plots[:-1]:
            p.getAxis("bottom").setStyle(showValues=False)
        self.mel_plot.setYRange(0, N_MELS + 8, padding=0)
        self.mouth_plot.setYRange(-0.55, 0.8, padding=0)

        self.mel = MelItem()
        self.mel_plot.addItem(self.mel)
        self.phonemes = PhonemeItem(self.mel_plot)
        self.f0 = CurveItem(self.f0_plot, "f0", (90, 200, 255), voiced_only=True)
        self.energy = CurveItem(self.energy_plot, "energy", (120, 230, 120))
        self.waveform = WaveformItem()
        self.mouth = MouthItem()
        self.mouth_plot.addItem(self.waveform)
        self.mouth_plot.addItem(self.mouth)
        self.bounds = CueBounds(self.plots)
        self.playhead = Playhead(self.plots)

        self.phonemes.boundaryMoved.connect(self.boundaryMoved)
        self.f0.edited.connect(lambda v, d, f: self.curveEdited.emit("f0", v, d, f))
        self.energy.edited.connect(lambda v, d, f: self.curveEdited.emit("energy", v, d, f))
        self.bounds.editable.sigRegionChangeFinished.connect(self._bounds_moved)
        self.scene().sigMouseClicked.connect(self._clicked)
        self.cue_range = (0.0, 1.0)

    def _plot(self, row: int, label: str, stretch: int = 1, editable: bool = False):
        vb = CurveViewBox() if editable else pg.ViewBox()
        p = self.addPlot(row=row, col=0, viewBox=vb)
        p.setLabel("left", label)
        p.getAxis("left").enableAutoSIPrefix(False)
        p.getAxis("left").setWidth(62)
        p.setMenuEnabled(False)
        vb.setMouseEnabled(x=True, y=False)
        self.ci.layout.setRowStretchFactor(row, stretch)
        return p

    # ------------------------------------------------ data
    def show_cue(self, cue, alignment, audio) -> None:
        """Everything about one cue; `audio` may be None while it renders."""
        t0 = cue.start
        self.set_cue_range(cue.start, cue.end)
        self.mel.set_audio(audio, SAMPLE_RATE, t0)
        self.show_alignment(alignment, t0)
        self.mouth.set_measurements(cue.measurements, t0)

    def set_duration(self, seconds: float) -> None:
        """Keep zoom and scroll within the video (plus a little room)."""
        self.mel_plot.getViewBox().setLimits(xMin=-0.5, xMax=max(seconds, 1.0) + 2.0,
                                             minXRange=0.05)

    def set_cue_range(self, start: float, end: float) -> None:
        self.cue_range = (start, end)
        self.bounds.set_range(start, end)

    def show_alignment(self, alignment, t0: float) -> None:
        self.phonemes.set_alignment(alignment, t0)
        if alignment is None:
            self.f0.set_values([], t0)
            self.energy.set_values([], t0)
            return
        self.f0.set_values(alignment.f0, t0)
        self.energy.set_values(alignment.energy, t0)
        # float64: a float32 range overflows pyqtgraph's comparison with its 1e307 limit
        voiced = np.asarray(alignment.f0, np.float64)[np.asarray(alignment.f0) > 0]
        if len(voiced):
            self.f0_plot.setYRange(max(0.0, voiced.min() * 0.7), voiced.max() * 1.3, padding=0)
        if len(alignment.energy):
            e = np.asarray(alignment.energy, np.float64)
            self.energy_plot.setYRange(e.min() - 0.1 * np.ptp(e), e.max() + 0.2 * np.ptp(e) + 1e-3,
                                       padding=0)

    def set_original(self, audio, sr: int) -> None:
        self.waveform.set_audio(audio, sr, 0.0)

    def set_playhead(self, t: float) -> None:
        self.playhead.set_time(t)

    # ------------------------------------------------ view
    def fit(self, start: float, end: float, margin: float = 0.15) -> None:
        pad = max(0.05, margin * (end - start))
        self.mel_plot.setXRange(start - pad, end + pad, padding=0)

    def zoom(self, factor: float) -> None:
        lo, hi = self.mel_plot.viewRange()[0]
        mid = self.playhead.time if lo <= self.playhead.time <= hi else (lo + hi) / 2
        self.mel_plot.setXRange(mid - (mid - lo) / factor, mid + (hi - mid) / factor, padding=0)

    def scroll(self, fraction: float) -> None:
        lo, hi = self.mel_plot.viewRange()[0]
        d = (hi - lo) * fraction
        self.mel_plot.setXRange(lo + d, hi + d, padding=0)

    def _bounds_moved(self, *_) -> None:
        start, end = self.bounds.range()
        start, end = round(max(0.0, start), 3), round(end, 3)
        if (start, end) != self.cue_range and end - start >= 0.1:
            self.cueTimingChanged.emit(start, end)
        else:
            self.bounds.set_range(*self.cue_range)      # too short: snap back

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or ev.double():
            return
        for p in self.plots:
            if p.sceneBoundingRect().contains(ev.scenePos()):
                self.seekRequested.emit(float(p.vb.mapSceneToView(ev.scenePos()).x()))
                return
