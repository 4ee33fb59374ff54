"""The mouth-opening curve from the video and the original audio's waveform."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from core.audio import envelope


class MouthItem(pg.PlotDataItem):
    """Cue.measurements["mouth_curve"] (one value per video frame from "mouth_t0", else the
    cue's in-time), drawn relative to its widest opening."""

    def __init__(self):
        super().__init__(pen=pg.mkPen((255, 170, 60), width=2), connect="finite",
                         name="mouth opening")

    def set_measurements(self, measurements: dict, t0: float) -> bool:
        curve = measurements.get("mouth_curve") if measurements else None
        fps = float((measurements or {}).get("mouth_fps") or 0)
        if not curve or fps <= 0:
            self.setData([], [])
            return False
        v = np.array([np.nan if c is None else c for c in curve], dtype=np.float64)
        top = np.nanmax(v) if np.isfinite(v).any() else 0.0
        v = v / top * 0.75 if top > 0 else v          # relative opening, 0.75 = widest
        t0 = float(measurements.get("mouth_t0", measurements.get("mouth_start", t0)))
        self.setData(t0 + np.arange(len(v)) / fps, v)
        return True


class WaveformItem(pg.PlotDataItem):
    """Min/max envelope of the original audio, scaled into [-0.5, 0.5] on the mouth axis."""

    def __init__(self):
        super().__init__(pen=pg.mkPen((140, 140, 160, 150), width=1))

    def set_audio(self, audio: np.ndarray | None, sr: int, t0: float = 0.0) -> None:
        if audio is None or len(audio) == 0:
            self.setData([], [])
            return
        bins = max(1, len(audio) // max(1, sr // 200))          # 5 ms bins
        lo, hi = envelope(audio, bins)
        scale = 0.5 / max(1e-6, float(np.max(np.abs(np.concatenate([lo, hi])))))
        t = t0 + (np.arange(len(lo)) + 0.5) * len(audio) / sr / len(lo)
        x = np.repeat(t, 2)
        y = np.stack([lo, hi], 1).reshape(-1) * scale
        self.setData(x, y, connect="pairs")
