"""The rendered dub's mel spectrogram, placed at the cue's in-time."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from core.audio import mel_spectrogram
from core.constants import CURVE_SAMPLES

HOP = CURVE_SAMPLES  # 12.5 ms at 24 kHz: one column per F0 value
N_MELS = 80


class MelItem(pg.ImageItem):
    def __init__(self):
        super().__init__(axisOrder="row-major")
        self.setColorMap(pg.colormap.get("magma"))
        self.mel = np.zeros((0, N_MELS), np.float32)

    def set_audio(self, audio: np.ndarray | None, sr: int, t0: float) -> None:
        if audio is None or len(audio) == 0:
            self.mel = np.zeros((0, N_MELS), np.float32)
            self.clear()
            return
        self.mel = mel_spectrogram(audio, sr, hop=HOP, n_mels=N_MELS)
        top = float(self.mel.max())
        self.setImage(self.mel.T, levels=(top - 80.0, top))      # rows: mel bins
        self.setRect(QRectF(t0, 0, len(audio) / sr, N_MELS))
