"""Background jobs: QRunnables that call core, with progress, cancel and supersession.

A job is keyed (for example by cue id). Submitting a new job with the same key
cancels the older one: it stops at its next check and its result is dropped.
`Debouncer` delays a submission until edits pause.
"""
from __future__ import annotations

import threading
import time
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


_engine_pool: QThreadPool | None = None


def engine_pool() -> QThreadPool:
    """The process's one thread for engine work: renders, analysis, cloning and export
    take turns on it, whichever runner submitted them."""
    global _engine_pool
    if _engine_pool is None:
        _engine_pool = QThreadPool()
        _engine_pool.setMaxThreadCount(1)
    return _engine_pool


class JobRunner(QObject):
    """Submits jobs to the engine pool; a newer job with the same key supersedes the older.

    Results arrive, in the UI thread, as the runner's own signals with the job key.
    `wait` waits for the runner's own jobs only.
    """

    started = Signal(str, str)            # key, label
    progress = Signal(str, float, str)    # key, fraction, message
    done = Signal(str, object)            # key, result
    failed = Signal(str, str)             # key, message
    idle = Signal()

    def __init__(self, parent=None, pool: QThreadPool | None = None):
        super().__init__(parent)
        self.pool = pool or engine_pool()
        self.jobs: dict[str, Job] = {}
        self._submitted: list[Job] = []       # every job not yet ended, superseded ones too

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
        self._submitted.append(job)
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
        if job in self._submitted:
            self._submitted.remove(job)
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
        """Wait until this runner's jobs (superseded ones too) have finished running."""
        deadline = None if msecs < 0 else time.monotonic() + msecs / 1000
        for job in list(self._submitted):
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not job.finished.wait(left):
                return False
        return True


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
