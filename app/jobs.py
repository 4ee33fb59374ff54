"""Background work besides the cue renders: one class per kind of job.

A job says what it runs on the engine's thread (`run`) and handles its own
progress, result and failure. The controller starts jobs, keeps the newest job
of each key (a newer one supersedes the older, whose result is dropped) and
hands every report to the job it belongs to. The kinds are in app/job_kinds.py.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.workers import Job, JobRunner


class BackgroundJob:
    """One piece of background work and what to do with its outcome."""

    label = ""
    cancellable = True        # False: Esc and opening another project leave it running

    def __init__(self):
        self.controller: JobController | None = None
        self.handle: Job | None = None        # the running job (cancel it through this)

    @property
    def key(self) -> str:
        """Jobs with the same key supersede each other; by default one per kind."""
        return type(self).__name__

    def run(self, progress, cancel):
        raise NotImplementedError

    def started(self) -> None:
        pass

    def progress(self, fraction: float, message: str) -> None:
        self.controller.progress.emit(fraction, message)

    def done(self, result) -> None:
        pass

    def failed(self, message: str) -> None:
        self.controller.report_error(message)


class JobController(QObject):
    activity = Signal(str)                # one line for the status bar
    message = Signal(str)                 # something the user must read
    progress = Signal(float, str)
    idle = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.runner = JobRunner(self)
        self.active: dict[str, BackgroundJob] = {}
        self.results: dict[type, object] = {}
        self.last_error = ""
        self.runner.done.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.runner.progress.connect(self._progress)
        self.runner.idle.connect(self._idle)

    def start(self, job: BackgroundJob) -> BackgroundJob:
        job.controller = self
        self.active[job.key] = job
        job.handle = self.runner.submit(job.key, job.run, job.label)
        job.started()
        return job

    def last(self, kind: type):
        """The result of the last finished job of this kind (None before)."""
        return self.results.get(kind)

    def report_error(self, message: str) -> None:
        self.last_error = message
        self.message.emit(message)

    def busy(self) -> bool:
        return self.runner.busy()

    def cancel_all(self) -> None:
        """Cancel every job that can be cancelled; their results are dropped."""
        for key, job in list(self.active.items()):
            if job.cancellable:
                job.handle.cancel()
                del self.active[key]

    def wait(self, msecs: int = -1) -> bool:
        return self.runner.wait(msecs)

    # ------------------------------------------------ from the runner (newest jobs only)
    def _done(self, key: str, result) -> None:
        job = self.active.pop(key, None)
        if job is not None:
            self.results[type(job)] = result
            job.done(result)

    def _failed(self, key: str, message: str) -> None:
        job = self.active.pop(key, None)
        if job is not None:
            job.failed(message)

    def _progress(self, key: str, fraction: float, message: str) -> None:
        job = self.active.get(key)
        if job is not None:
            job.progress(fraction, message)

    def _idle(self) -> None:
        self.active.clear()                   # what is left was cancelled
        self.idle.emit()
