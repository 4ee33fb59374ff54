"""Transport: play/pause, J/K/L shuttle, frame steps, cue loop with pre/post-roll,
and A/B/mix between the original audio and the dub. Owns the playhead time."""
from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from app.playback import Player
from app.stream_ahead import AHEAD, StreamAhead
from core import audio as au
from core.constants import ORIGINAL_GAIN_DB, SAMPLE_RATE

MODES = ("dub", "original", "mix")
PRE_ROLL, POST_ROLL = 1.0, 1.0
SHUTTLE_SPAN = 60.0        # seconds of timeline a shuttle (J/L) makes at a time; it goes on from
                           # where it stops (the whole rest of a 40-min project took 9.6 s)
KEPT_BEDS = 120            # room-tone pieces of up to 10 s kept for playback (~20 min, ~115 MB)


class Transport(QObject):
    timeChanged = Signal(float)
    message = Signal(str)
    modeChanged = Signal(str)

    def __init__(self, session_getter, parent=None, prefer: str = "auto"):
        super().__init__(parent)
        self.session = session_getter
        self.player = Player(self, prefer)
        self.player.message.connect(self.message)
        self.timer = QTimer(self)
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._tick)
        self.time = 0.0
        self.fps = 25.0
        self.duration = 0.0
        self.mode = "dub"
        self.original: np.ndarray | None = None     # 24 kHz
        self.loop: tuple[float, float] | None = None
        self.matching = False      # hear each line as export's tone and room-tone match make it
        self._matched: dict = {}   # cue id -> (the line it was made from, the matched line)
        self._beds: dict = {}      # room-tone pieces made, by what they hold, least recent first
        self._stream: StreamAhead | None = None     # a play's programme, made as it plays
        self._shuttle: float | None = None          # a shuttle's speed while it has more to play
        self._making = threading.RLock()            # programme caches: GUI and stream worker

    # ------------------------------------------------ programme audio
    def program(self, t0: float, t1: float) -> np.ndarray:
        """What plays between t0 and t1 in the current A/B/mix mode, 24 kHz."""
        with self._making:
            return self._program(t0, t1)

    def _program(self, t0: float, t1: float) -> np.ndarray:
        n = max(0, int(round((t1 - t0) * SAMPLE_RATE)))
        out = np.zeros(n, np.float32)
        if self.mode in ("dub", "mix"):
            s = self.session()
            for cue in s.project.cues:
                a = s.audio(cue.id)
                at = int(round((cue.start - t0) * SAMPLE_RATE))
                if a is not None and at < n and at + len(a) > 0:      # matched only when heard
                    au.place(out, self._heard(cue, a), at)
            if self.matching:
                self._room_tone(out, t0, t1)
        if self.mode in ("original", "mix") and self.original is not None:
            a, b = int(t0 * SAMPLE_RATE), int(t1 * SAMPLE_RATE)
            seg = au.fit_length(self.original[max(0, a):max(0, b)], n)
            # the mix plays the original as the export's mix does (ORIGINAL_GAIN_DB)
            out += seg * (au.db_to_gain(ORIGINAL_GAIN_DB) if self.mode == "mix" else 1.0)
        return out

    def _heard(self, cue, line: np.ndarray) -> np.ndarray:
        """The line as it plays: matched to its guide (core.line_match) when matching."""
        if not self.matching:
            return line
        kept = self._matched.get(cue.id)
        guide = cue.measurements.get("guide")
        if kept is None or kept[0] is not line or kept[1] is not guide:
            from core.line_match import match_line
            kept = self._matched[cue.id] = (line, guide, match_line(line, cue, SAMPLE_RATE, True, True)[0])
        return kept[2]

    def _room_tone(self, out: np.ndarray, t0: float, t1: float) -> None:
        """Export's room tone outside the lines (core.line_match.room_tone) into `out`;
        the pieces made are kept (the most recently heard KEPT_BEDS) and reused while
        they hold the same."""
        from core.line_match import room_tone
        s = self.session()
        lines = {c.id: s.audio(c.id) for c in s.project.cues}
        for start, _, piece in room_tone(s.project, lines, SAMPLE_RATE, self.end_time(),
                                         (t0, t1)).values():
            bed = self._beds.pop(piece.key, None)
            self._beds[piece.key] = bed = piece() if bed is None else bed
            au.place(out, bed, int(round((start - t0) * SAMPLE_RATE)))
        while len(self._beds) > KEPT_BEDS:
            self._beds.pop(next(iter(self._beds)))

    def set_matching(self, on: bool) -> None:
        with self._making:
            self.matching = bool(on)
            self._matched.clear()
            self._beds = {}
        if self.player.playing:
            self.play(self.player.speed)

    def end_time(self) -> float:
        s = self.session()
        ends = [c.start + len(s.audio(c.id)) / SAMPLE_RATE
                for c in s.project.cues if s.audio(c.id) is not None]
        return max([self.duration] + ends)

    # ------------------------------------------------ controls
    def set_mode(self, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(mode)
        self.mode = mode
        self.modeChanged.emit(mode)
        if self.player.playing:
            self.play(self.player.speed)

    def cycle_mode(self) -> None:
        self.set_mode(MODES[(MODES.index(self.mode) + 1) % len(MODES)])

    def play(self, speed: float = 1.0) -> None:
        t = self.time
        self._stream = self._shuttle = None
        if speed > 0:
            end = self.loop[1] if self.loop else self.end_time()
            if t >= end - 1e-3:
                t = self.loop[0] if self.loop else 0.0
            if speed == 1.0 and self.player.live():
                self._play_streamed(t, end)
            else:
                stop = end if speed == 1.0 else min(end, t + SHUTTLE_SPAN)
                self._shuttle = speed if stop < end else None
                self.player.play(self.program(t, stop), SAMPLE_RATE, t, speed)
        else:
            start = max(0.0, t - SHUTTLE_SPAN)
            self._shuttle = speed if start > 0.0 else None
            self.player.play(self.program(start, t), SAMPLE_RATE, t, speed)
        self.timer.start()

    def _play_streamed(self, t: float, end: float) -> None:
        """Play from t to end, making only the first AHEAD seconds now and the rest as it
        plays (app/stream_ahead.py): the same samples as in one go."""
        total = max(0, int(round((end - t) * SAMPLE_RATE)))
        audio = np.zeros(total, np.float32)
        made = min(total, int(AHEAD * SAMPLE_RATE))
        audio[:made] = self.program(t, t + made / SAMPLE_RATE)
        self.player.play(audio, SAMPLE_RATE, t, 1.0)
        self._stream = StreamAhead(self.program, self._making, t, audio, made)

    def chunk_ready(self, cue_id: str, chunk) -> None:
        """A chunk of a progressive render (core.progressive.Chunk) is in the session's
        audio: into the sound now playing, so playback needs no wait for the whole line."""
        cue = next((c for c in self.session().project.cues if c.id == cue_id), None)
        if not self.player.playing or cue is None:
            return
        t0 = cue.start + chunk.start_sample / SAMPLE_RATE
        t1 = t0 + len(chunk.audio) / SAMPLE_RATE
        with self._making:                  # not overwritten by a stretch made meanwhile
            patched = self.player.patch(t0, self.program(t0, t1), SAMPLE_RATE)
        if not patched:
            self.play(self.player.speed)

    def pause(self) -> None:
        self.player.stop()
        self.timer.stop()
        self._stream = self._shuttle = None

    def toggle(self) -> None:
        self.loop = None if not self.player.playing else self.loop
        self.pause() if self.player.playing else self.play()

    def shuttle(self, direction: int) -> None:
        """L forward, J backward; pressing again doubles the speed (up to 4x)."""
        sp = self.player.speed if self.player.playing else 0.0
        speed = sp * 2 if sp * direction > 0 and abs(sp) < 4 else float(direction)
        self.loop = None
        self.play(speed)

    def loop_range(self, start: float, end: float) -> None:
        self.loop = (max(0.0, start - PRE_ROLL), end + POST_ROLL)
        self.seek(self.loop[0])
        self.play()

    def step(self, frames: int) -> None:
        self.pause()
        self.seek(round(self.time * self.fps + 1e-6 + frames) / self.fps)

    def seek(self, t: float) -> None:
        playing = self.player.playing
        self.time = float(np.clip(t, 0.0, max(self.end_time(), 0.0)))
        self.timeChanged.emit(self.time)
        if playing:
            self.play(self.player.speed)

    def _tick(self) -> None:
        pos = self.player.position()
        if pos is None:
            if self.loop:
                self.time = self.loop[0]
                self.play()
                return
            if self._shuttle is not None:           # a shuttle's next span, from where it is
                self.play(self._shuttle)
                return
            self.timer.stop()
            return
        self.time = max(0.0, pos)
        if self._stream is not None:
            self._stream.tick(self.time)
        self.timeChanged.emit(self.time)
