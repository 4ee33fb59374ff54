"""A streamed play: the programme made ahead of the playhead, off the GUI thread.

Transport.play makes the first AHEAD seconds before the sound starts and hands the rest
to a StreamAhead. Each tick asks it for the next AHEAD / 2 seconds once fewer are left
ahead of the playhead; a worker thread makes them into the array that is playing (the
live backends play from it). `make(t0, t1)` is Transport.program, run with its write
under `lock`, so a chunk patched in meanwhile (Transport.chunk_ready, under the same
lock) is never overwritten by older audio.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from core.constants import SAMPLE_RATE

log = logging.getLogger(__name__)
AHEAD = 20.0               # seconds made ahead of the playhead (a 40-min project with the
                           # room-tone match took 22.6 s to start in one go: bench/play_start.py)
_WORKER = ThreadPoolExecutor(1, thread_name_prefix="instructdub-programme")


class StreamAhead:
    def __init__(self, make, lock, t: float, audio: np.ndarray, made: int):
        self.make, self.lock, self.t, self.audio, self.made = make, lock, t, audio, made
        self._job = None

    def tick(self, now: float) -> None:
        """Start making the next stretch when the playhead at `now` is near the end of
        what is made (one stretch at a time)."""
        if self._job is not None and not self._job.done():
            return
        if self.made >= len(self.audio) or self.t + self.made / SAMPLE_RATE - now > AHEAD / 2:
            return
        a, b = self.made, min(len(self.audio), self.made + int(AHEAD / 2 * SAMPLE_RATE))
        self.made = b
        self._job = _WORKER.submit(self._make, a, b)

    def _make(self, a: int, b: int) -> None:
        try:
            with self.lock:
                self.audio[a:b] = self.make(self.t + a / SAMPLE_RATE, self.t + b / SAMPLE_RATE)
        except Exception:  # noqa: BLE001 - a worker's failure: silence there, said in the log
            log.exception("could not make the programme from %.1f s", self.t + a / SAMPLE_RATE)

    def wait(self) -> None:
        """Until the stretch being made is in (tests; a new play need not wait)."""
        if self._job is not None:
            self._job.result()
