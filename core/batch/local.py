"""Workers on this machine: in this process, or N local processes (--workers N).

Each process loads the engine once (in its initializer) and receives the project
once; tasks carry only cue ids.
"""
from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from core.batch.work import CueWorker, Failed, reason_of

IN_FLIGHT_PER_WORKER = 2     # one running, one queued: no worker waits for the driver


class InProcess:
    """Renders in the calling process, one cue at a time (the engine of this process)."""
    name = "in-process"
    workers = 1
    capacity = 1
    lost_workers = 0

    def __init__(self, threads: int | None = None, device: str | None = None):
        self.threads, self.device = threads, device

    def start(self, project) -> None:
        self.worker = CueWorker(project, self.threads, self.device)

    def submit(self, cue_ids: list[str]) -> Future:
        fut: Future = Future()
        fut.set_result(self.worker.render(cue_ids))
        return fut

    def done(self, fut: Future) -> None:
        pass

    def lost(self, fut: Future, exc: BaseException) -> bool:
        return False

    def close(self) -> None:
        pass


# ---------------------------------------------------------------- worker processes
_worker: CueWorker | None = None
_start_error: str | None = None


def _init(project, threads, device) -> None:
    global _worker, _start_error
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)     # Ctrl+C stops the driver, which ends us
    try:
        _worker = CueWorker(project, threads, device)
    except Exception as e:          # reported with every cue this process is given
        _start_error = f"the worker could not load the engine: {reason_of(e)}"


def _render(cue_ids: list[str]) -> list:
    if _worker is None:
        return [Failed(i, _start_error or "the worker did not start") for i in cue_ids]
    return _worker.render(cue_ids)


class LocalPool:
    """N worker processes (spawned, so no torch state is forked)."""
    name = "local"

    def __init__(self, workers: int, threads: int | None = None, device: str | None = None):
        self.workers, self.threads, self.device = max(1, int(workers)), threads, device
        self.capacity = IN_FLIGHT_PER_WORKER * self.workers
        self._pool: ProcessPoolExecutor | None = None
        self._gen: dict[Future, ProcessPoolExecutor] = {}
        self.lost_workers = 0

    def start(self, project) -> None:
        self.project = project
        self._new_pool()

    def _new_pool(self) -> None:
        self._pool = ProcessPoolExecutor(self.workers, mp.get_context("spawn"), _init,
                                         (self.project, self.threads, self.device))

    def submit(self, cue_ids: list[str]) -> Future:
        try:
            fut = self._pool.submit(_render, cue_ids)
        except BrokenProcessPool:            # a worker died while idle
            self._replace_pool()
            fut = self._pool.submit(_render, cue_ids)
        self._gen[fut] = self._pool
        return fut

    def done(self, fut: Future) -> None:
        self._gen.pop(fut, None)

    def lost(self, fut: Future, exc: BaseException) -> bool:
        """A worker process died (killed, out of memory): start a fresh pool once per
        breakage; the scheduler gives the cues in flight one more try."""
        pool = self._gen.pop(fut, None)
        if not isinstance(exc, BrokenProcessPool):
            return False
        if pool is self._pool:
            self._replace_pool()
        return True

    def _replace_pool(self) -> None:
        self.lost_workers += 1
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._new_pool()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
