"""Audio playback with a clock the picture follows.

Backends, tried in order at the first play: sounddevice (PortAudio, imported
lazily), QtMultimedia's QAudioSink, then silence. Silence keeps the same clock,
so picture and playhead still move; `message` says why there is no sound.
"""
from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Signal

NO_DEVICE = "No audio output device: playing silently (picture and playhead only)."


class _SoundDevice:
    name = "sounddevice"
    live = True                           # plays from our array: Player.patch reaches it

    def __init__(self):
        import sounddevice as sd          # needs the PortAudio library (libportaudio2)
        sd.query_devices(kind="output")   # raises when there is no output device
        self.sd = sd

    def play(self, audio, sr):
        self.sd.play(audio, sr)

    def stop(self):
        self.sd.stop()


class _QtSink:
    name = "QtMultimedia"
    live = False                          # plays a copy

    def __init__(self):
        from PySide6.QtMultimedia import QMediaDevices
        self.device = QMediaDevices.defaultAudioOutput()
        if self.device.isNull():
            raise RuntimeError("no default audio output")
        self.sink = self.buffer = None

    def play(self, audio, sr):
        from PySide6.QtCore import QBuffer, QByteArray, QIODevice
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink
        self.stop()
        fmt = QAudioFormat()
        fmt.setSampleRate(sr)
        fmt.setChannelCount(1)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Float)
        self.buffer = QBuffer()
        self.buffer.setData(QByteArray(np.asarray(audio, np.float32).tobytes()))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.sink = QAudioSink(self.device, fmt)
        self.sink.start(self.buffer)

    def stop(self):
        if self.sink is not None:
            self.sink.stop()
            self.sink = None


class _Silent:
    name = "silent"
    live = True

    def play(self, audio, sr):
        pass

    def stop(self):
        pass


def open_backend(prefer: str = "auto"):
    """The first backend that works; (backend, message about what failed)."""
    errors = []
    order = [_SoundDevice, _QtSink] if prefer != "qt" else [_QtSink, _SoundDevice]
    if prefer == "silent":
        order = []
    for cls in order:
        try:
            return cls(), ""
        except Exception as e:  # noqa: BLE001 - missing library, no device, ...
            errors.append(f"{cls.name}: {e}")
    return _Silent(), NO_DEVICE + (" (" + "; ".join(errors) + ")" if errors else "")


class Player(QObject):
    """Plays a buffer that starts at timeline time `t0`; `position()` is the clock."""

    stateChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, parent=None, prefer: str = "auto"):
        super().__init__(parent)
        self.prefer = prefer
        self.backend = None
        self._t0 = self._t_end = 0.0
        self._speed = 1.0
        self._started = None
        self._buffer = None                 # what the backend plays (forward, speed 1)

    def _ensure_backend(self):
        if self.backend is None:
            self.backend, msg = open_backend(self.prefer)
            if msg:
                self.message.emit(msg)
        return self.backend

    def live(self) -> bool:
        """Whether the output plays from our buffer, so `patch` reaches the sound."""
        return bool(getattr(self._ensure_backend(), "live", False))

    @property
    def playing(self) -> bool:
        return self._started is not None

    @property
    def speed(self) -> float:
        return self._speed

    def play(self, audio: np.ndarray, sr: int, t0: float, speed: float = 1.0) -> None:
        """Play `audio` (which begins at time t0) from t0; speed <0 plays backwards."""
        self.stop()
        self._t0, self._speed = t0, speed
        self._t_end = t0 + len(audio) / sr if speed > 0 else t0 - len(audio) / sr
        out = audio if speed > 0 else audio[::-1]
        if abs(speed) != 1.0:     # tape-style varispeed for shuttle
            from core.audio import resample
            out = resample(out, int(sr * abs(speed)), sr)
        out = np.ascontiguousarray(out, np.float32)
        self._buffer = out if speed == 1.0 else None
        try:
            self._ensure_backend().play(out, sr)
        except Exception as e:  # noqa: BLE001 - fall back to silence, keep the clock
            self.backend = _Silent()
            self.message.emit(f"{NO_DEVICE} ({e})")
        self._started = time.perf_counter()
        self.stateChanged.emit(True)

    def patch(self, t: float, audio: np.ndarray, sr: int) -> bool:
        """Write samples that begin at timeline time t into the sound now playing
        (progressive rendering). False when it cannot: restart playback instead."""
        if self._started is None or self._buffer is None or not getattr(self.backend, "live", False):
            return False
        i = int(round((t - self._t0) * sr))
        a, b = max(0, i), min(len(self._buffer), i + len(audio))
        self._buffer[a:b] = audio[a - i:b - i]
        return True

    def stop(self) -> None:
        if self._started is not None and self.backend is not None:
            self.backend.stop()
        was = self._started is not None
        self._started = None
        if was:
            self.stateChanged.emit(False)

    def position(self) -> float | None:
        """Timeline time now; None when stopped. Stops itself at the end."""
        if self._started is None:
            return None
        t = self._t0 + (time.perf_counter() - self._started) * self._speed
        if (self._speed > 0 and t >= self._t_end) or (self._speed < 0 and t <= self._t_end):
            self.stop()
            return self._t_end
        return t
