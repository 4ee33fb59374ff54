"""Frame-accurate picture in an ordinary widget (OpenCV frames into a QLabel).

QVideoWidget renders black in grabs and screenshots; decoding frames ourselves
keeps the picture in tests and screenshots and exactly on the playhead's frame.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.export import timecode


class FrameSource:
    """Random access to a video's frames, cheap when reading forward."""

    def __init__(self, path: str):
        import cv2
        self.cv2 = cv2
        self.cap = cv2.VideoCapture(str(path))
        if not self.cap.isOpened():
            raise OSError(f"cannot open the video {path}")
        self.fps = self.cap.get(cv2.CAP_PROP_FPS) or 25.0
        self.count = int(self.cap.get(cv2.CAP_PROP_FRAME_COUNT))
        self.next_index = 0
        self.cache: OrderedDict[int, QImage] = OrderedDict()

    def frame(self, index: int) -> QImage | None:
        index = int(np.clip(index, 0, max(0, self.count - 1)))
        if index in self.cache:
            return self.cache[index]
        if index != self.next_index:
            self.cap.set(self.cv2.CAP_PROP_POS_FRAMES, index)
        ok, bgr = self.cap.read()
        self.next_index = index + 1
        if not ok:
            return None
        rgb = self.cv2.cvtColor(bgr, self.cv2.COLOR_BGR2RGB)
        h, w, _ = rgb.shape
        img = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        self.cache[index] = img
        while len(self.cache) > 120:
            self.cache.popitem(last=False)
        return img


WELCOME = ("Open a project (Ctrl+O), the demo (File ▸ Open the demo),\n"
           "or start from a video and a script (Ctrl+N).")


class VideoView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.picture = QLabel(WELCOME)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(240, 160)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.picture.setStyleSheet("background:#000; color:#888;")
        self.tc = QLabel("00:00:00:00")
        self.tc.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tc.setStyleSheet("font-family: monospace; font-size: 15pt; color:#eee;"
                              "background:#111; padding:2px;")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.picture, 1)
        lay.addWidget(self.tc)
        self.source: FrameSource | None = None
        self.fps = 25.0
        self.time = 0.0
        self._image: QImage | None = None

    def open(self, path: str | None, fps: float | None = None) -> str:
        """Open a video; returns an error message or ''."""
        self.source, self._image = None, None
        self.picture.setPixmap(QPixmap())
        self.picture.setText("no video")
        if not path:
            return ""
        try:
            self.source = FrameSource(path)
        except OSError as e:
            self.picture.setText(str(e))
            return str(e)
        self.fps = fps or self.source.fps
        self.show_time(0.0)
        return ""

    def frame_index(self, t: float) -> int:
        return int(np.floor(max(0.0, t) * self.fps + 1e-6))

    def show_time(self, t: float) -> None:
        self.time = t
        self.tc.setText(f"{timecode(t, self.fps)}  @ {self.fps:g} fps")
        if self.source is None:
            return
        img = self.source.frame(self.frame_index(t))
        if img is not None:
            self._image = img
            self._rescale()

    def _rescale(self) -> None:
        if self._image is not None:
            pm = QPixmap.fromImage(self._image).scaled(
                self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
            self.picture.setPixmap(pm)

    def resizeEvent(self, ev):
        super().resizeEvent(ev)
        self._rescale()
