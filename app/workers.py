"""Background jobs: QRunnables that call core, with progress, cancel and supersession.

A job is keyed (for example by cue id). Submitting a new job with the same key
cancels the older one: it stops at its next check and its result is dropped.
`Debouncer` delays a submission until edits pause.
"""
from __future__ import annotations

import threading
import traceback
from typing import Callable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from core.errors import UserError
from core.session import Cancelled


class JobSignals(QObject):
    progress = Signal(str, float, str)      # key, fraction, message
    done = Signal(str, object)              # key, result
    failed = Signal(str, str)               # key, message
    cancelled = Signal(str)
    ended = Signal(object)                  # the job, after any of the three above


class Job(QRunnable):
    """Runs fn(progress=..., cancel=...) on the pool; reports through `signals`."""

    def __init__(self, key: str, fn: Callable, label: str = ""):
        super().__init__()
        self.setAutoDelete(False)
        self.key, self.fn, self.label = key, fn, label or key
        self.signals = JobSignals()
        self._cancel = threading.Event()
        self.finished = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel.is_set()

    def _progress(self, fraction: float, message: str = "") -> None:
        self.signals.progress.emit(self.key, float(fraction), message)

    def run(self) -> None:
        try:
            result = self.fn(progress=self._progress, cancel=self._cancel.is_set)
            if self.is_cancelled:
                self.signals.cancelled.emit(self.key)
            else:
                self.signals.done.emit(self.key, result)
        except Cancelled:
            self.signals.cancelled.emit(self.key)
        except UserError as e:
            self.signals.failed.emit(self.key, str(e))
        except Exception as e:  # noqa: BLE001 - a worker must report, never die silently
            traceback.print_exc()
            self.signals.failed.emit(self.key, f"{type(e).__name__}: {e}")
        finally:
            self.finished.set()
            self.signals.ended.emit(self)


class JobRunner(QObject):
    """One pool for engine work; a newer job with the same key supersedes the older.

    Results arrive, in the UI thread, as the runner's own signals with the job key.
    """

    started = Signal(str, str)            # key, label
    progress = Signal(str, float, str)    # key, fraction, message
    done = Signal(str, object)            # key, result
    failed = Signal(str, str)             # key, message
    idle = Signal()

    def __init__(self, parent=None, threads: int = 1):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)   # the engine is used by one job at a time
        self.jobs: dict[str, Job] = {}

    def submit(self, key: str, fn: Callable, label: str = "") -> Job:
        """Run fn(progress=, cancel=) in the pool, superseding the job with the same key."""
        old = self.jobs.get(key)
        if old is not None:
            old.cancel()
        job = Job(key, fn, label)
        self.jobs[key] = job
        # bound methods of main-thread QObjects: Qt queues these calls to the UI thread
        job.signals.progress.connect(self._progress)
        job.signals.done.connect(self._done)
        job.signals.failed.connect(self._failed)
        job.signals.ended.connect(self._finished)
        self.started.emit(key, job.label)
        self.pool.start(job)
        return job

    def _current(self, key: str) -> bool:
        """The signal comes from the newest job for `key`, which was not cancelled."""
        job = self.jobs.get(key)
        return job is not None and not job.is_cancelled and self.sender() is job.signals

    def _progress(self, key: str, f: float, msg: str) -> None:
        if self._current(key):
            self.progress.emit(key, f, msg)

    def _done(self, key: str, result) -> None:
        if self._current(key):
            self.done.emit(key, result)

    def _failed(self, key: str, msg: str) -> None:
        if self._current(key):
            self.failed.emit(key, msg)

    def _finished(self, job: Job) -> None:
        if self.jobs.get(job.key) is job:
            del self.jobs[job.key]
        if not self.jobs:
            self.idle.emit()

    def busy(self) -> bool:
        return bool(self.jobs)

    def cancel_all(self) -> None:
        for job in list(self.jobs.values()):
            job.cancel()

    def wait(self, msecs: int = -1) -> bool:
        return self.pool.waitForDone(msecs)


class Debouncer(QObject):
    """Call `fn(key)` once, `delay_ms` after the last `trigger(key)`."""

    def __init__(self, fn: Callable[[str], None], delay_ms: int = 200, parent=None):
        super().__init__(parent)
        self.fn, self.delay_ms = fn, delay_ms
        self.timers: dict[str, QTimer] = {}

    def trigger(self, key: str) -> None:
        t = self.timers.get(key)
        if t is None:
            t = QTimer(self)
            t.setSingleShot(True)
            t.timeout.connect(lambda k=key: self.fn(k))
            self.timers[key] = t
        t.start(self.delay_ms)

    def flush(self) -> None:
        for key, t in self.timers.items():
            if t.isActive():
                t.stop()
                self.fn(key)
