"""The driver: cached cues first, the rest handed to a backend's workers.

Results are cached as they arrive, so a stop loses only the cues in flight. Cues
with the same content key (a looped scene, a repeated line) are rendered once: the
others take that render when it arrives. A worker that dies (a lost node, a killed
process) costs nothing but time: its cues get one more try on the others. A cue that
fails is reported and the rest go on.
"""
from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from typing import Callable, Iterator

import numpy as np

from core.batch.cache import CachedAudio, CueCache
from core.batch.plan import chunks, plan
from core.batch.work import Failed, Rendered, reason_of
from core.project import Project

RETRIES_AFTER_LOST_WORKER = 1


@dataclass
class BatchResult:
    total: int = 0
    audio: dict[str, np.ndarray] | CachedAudio = field(default_factory=dict)  # cue id -> 24 kHz
    cues: dict[str, dict] = field(default_factory=dict)          # cue id -> cue after update
    notes: dict[str, str] = field(default_factory=dict)
    cue_seconds: dict[str, float] = field(default_factory=dict)  # worker wall time per cue
    cue_cpu: dict[str, float] = field(default_factory=dict)      # worker CPU time per cue
    rendered: list[str] = field(default_factory=list)            # rendered in this run
    cached: list[str] = field(default_factory=list)              # taken from the cache
    shared: list[str] = field(default_factory=list)              # another cue's render, same content
    failed: list[Failed] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0
    workers: int = 0

    def take(self, r: Rendered, cached: bool = False, key: str = "", shared: bool = False) -> None:
        """A finished cue; with a cache its audio stays there (under `key`), read when asked."""
        if isinstance(self.audio, CachedAudio):
            self.audio.add(r.cue_id, key)
        else:
            self.audio[r.cue_id] = r.audio
        self.cues[r.cue_id] = r.cue
        if r.note:
            self.notes[r.cue_id] = r.note
        (self.shared if shared else self.cached if cached else self.rendered).append(r.cue_id)
        if not (cached or shared):
            self.cue_seconds[r.cue_id], self.cue_cpu[r.cue_id] = r.seconds, r.cpu

    @property
    def done(self) -> int:
        return len(self.rendered) + len(self.cached) + len(self.shared) + len(self.failed)


def run_batch(project: Project, backend, cache: CueCache | None = None, cues_per_task: int = 1,
              progress: Callable[[BatchResult, str], None] | None = None,
              stop: Callable[[BatchResult], bool] | None = None) -> BatchResult:
    """Render every cue of `project` that the cache lacks. `stop(result)` is asked after
    each cue; True ends the batch there (the finished cues stay cached)."""
    t0 = time.perf_counter()
    jobs = plan(project)
    res = BatchResult(total=len(jobs), audio=CachedAudio(cache) if cache is not None else {})
    todo, twins = [], {}         # twins: key -> cues waiting for the first one with that key
    for job in jobs:
        hit = cache.get(job.key, job.cue_id) if cache is not None else None
        if hit is not None:
            res.take(hit, cached=True, key=job.key)
        elif job.key in twins:
            twins[job.key].append(job.cue_id)
        else:
            twins[job.key] = []
            todo.append(job)
    report = progress or (lambda r, last: None)
    report(res, "")
    if todo:
        keys = {j.cue_id: j.key for j in todo}
        backend.start(project)
        res.workers = backend.workers
        try:
            for out in schedule(backend, chunks([j.cue_id for j in todo], cues_per_task)):
                key = keys[out.cue_id]
                if isinstance(out, Rendered):
                    if cache is not None:
                        cache.put(key, out)
                    res.take(out, key=key)
                    for twin in twins[key]:
                        res.take(replace(out, cue_id=twin), key=key, shared=True)
                else:
                    res.failed.append(out)
                    res.failed.extend(Failed(twin, out.reason) for twin in twins[key])
                report(res, out.cue_id)
                if stop is not None and stop(res) and res.done < res.total:
                    res.stopped = True
                    break
        finally:
            backend.close()
    res.seconds = time.perf_counter() - t0
    return res


def schedule(backend, groups: list[list[str]]) -> Iterator[Rendered | Failed]:
    """Outcomes as they finish; keeps every worker busy; re-queues a lost worker's cues."""
    queue, tries = deque(groups), {}
    inflight: dict[Future, list[str]] = {}
    while queue or inflight:
        while queue and len(inflight) < backend.capacity:
            group = queue.popleft()
            inflight[backend.submit(group)] = group
        if not inflight:                                  # every worker is gone
            for group in queue:
                yield from (Failed(i, "no worker left: every worker was lost") for i in group)
            return
        finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
        for fut in finished:
            group = inflight.pop(fut)
            try:
                outcomes = fut.result()
            except Exception as e:
                n = tries.get(id(group), 0)
                if backend.lost(fut, e) and n < RETRIES_AFTER_LOST_WORKER:
                    tries[id(group)] = n + 1
                    queue.appendleft(group)
                else:
                    yield from (Failed(i, f"its worker failed: {reason_of(e)}") for i in group)
                continue
            backend.done(fut)
            yield from outcomes
