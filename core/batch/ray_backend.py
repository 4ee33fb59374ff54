"""Workers on a Ray cluster: long-lived actors, each holding one engine.

- one actor per GPU when the cluster has GPUs, else one per `threads` CPUs;
- the project goes into the object store once (`ray.put`) and each actor reads it
  once, at start; tasks carry only cue ids;
- an actor that dies (its node lost) is dropped; the scheduler gives its cues to
  the others.

`address`: "auto" connects to a cluster running on this machine, or starts a local
runtime when there is none; otherwise HOST:PORT of a head node (`ray start --head`).
Ray is an optional extra: `pip install instructdub[ray]`.
"""
from __future__ import annotations

import logging
from concurrent.futures import Future

from core.batch.local import IN_FLIGHT_PER_WORKER
from core.batch.work import CueWorker, threads_default
from core.errors import UserError
from core.instruct.paths import REPO_ROOT

log = logging.getLogger(__name__)
# the checkout each worker runs: code and shipped checkpoints, no venv, no caches
SHIP_EXCLUDES = [".git", ".venv", "tests", "bench", "docs", "out", "**/.*.cache", "*.wav", "*.mp4"]


def import_ray():
    try:
        import ray
    except ImportError:
        raise UserError("--ray needs Ray: pip install 'instructdub[ray]' "
                        "(or `pip install 'ray>=2.40'` in this environment)") from None
    return ray


def connect(address: str, ship_code: bool = True):
    """(ray, True when this call started the connection). Ships this checkout (code and
    checkpoints, no venv) as the job's working directory, so every node runs this code."""
    ray = import_ray()
    if ray.is_initialized():
        return ray, False
    env = {"working_dir": str(REPO_ROOT), "excludes": SHIP_EXCLUDES} if ship_code else None
    try:
        ray.init(address=None if address == "auto" else address, runtime_env=env,
                 log_to_driver=False, logging_level=logging.ERROR)
    except (ConnectionError, RuntimeError, ValueError) as e:
        raise UserError(f"could not reach the Ray cluster at {address}: {e}") from None
    return ray, True


class _Actor:
    """A Ray actor around a CueWorker (made remote in RayPool.start)."""

    def __init__(self, project, threads: int, device: str):
        self.worker = CueWorker(project, threads, device)

    def ready(self) -> str:
        return self.worker.where()

    def render(self, cue_ids: list[str]) -> list:
        return self.worker.render(cue_ids)


class RayPool:
    name = "Ray"

    def __init__(self, address: str = "auto", workers: int | None = None,
                 threads: int | None = None, ship_code: bool = True):
        self.address, self.requested = address, workers
        self.threads = threads or threads_default()
        self.ship_code = ship_code
        self.actors: list = []
        self._load: dict = {}           # actor -> tasks in flight
        self._owner: dict[Future, object] = {}
        self._started_ray = False
        self.lost_workers = 0

    # ------------------------------------------------ start
    def start(self, project) -> None:
        ray, self._started_ray = connect(self.address, self.ship_code)
        n, options, device = self.layout(ray.cluster_resources())
        ref = ray.put(project)                              # shipped once
        actor_cls = ray.remote(**options)(_Actor)
        self.actors = [actor_cls.remote(ref, self.threads, device) for _ in range(n)]
        try:
            self.hosts = ray.get([a.ready.remote() for a in self.actors])
        except Exception as e:
            self.close()
            raise UserError(f"a Ray worker could not load the engine: {e}") from None
        self._load = {a: 0 for a in self.actors}
        self.workers = len(self.actors)

    def layout(self, resources: dict) -> tuple[int, dict, str]:
        """(actors, their resource request, device) for this cluster."""
        gpus, cpus = int(resources.get("GPU", 0)), int(resources.get("CPU", 0))
        if gpus:
            n = self.requested or gpus
            if n > gpus:
                raise UserError(f"the cluster has {gpus} GPU(s); {n} workers asked for")
            return n, {"num_gpus": 1, "num_cpus": 1}, "cuda"
        n = self.requested or max(1, cpus // self.threads)
        if n * self.threads > cpus:
            raise UserError(f"the cluster has {cpus} CPU(s); {n} workers of {self.threads} "
                            "thread(s) do not fit (lower --workers or --threads)")
        return n, {"num_cpus": self.threads}, "cpu"

    # ------------------------------------------------ tasks
    @property
    def capacity(self) -> int:
        return IN_FLIGHT_PER_WORKER * len(self.actors)

    def submit(self, cue_ids: list[str]) -> Future:
        actor = min(self.actors, key=lambda a: self._load[a])     # the least busy
        fut = actor.render.remote(cue_ids).future()
        self._load[actor] += 1
        self._owner[fut] = actor
        return fut

    def done(self, fut: Future) -> None:
        actor = self._owner.pop(fut, None)
        if actor in self._load:
            self._load[actor] -= 1

    def lost(self, fut: Future, exc: BaseException) -> bool:
        """The actor died (node lost, process killed): drop it."""
        from ray.exceptions import RayActorError, WorkerCrashedError
        if not isinstance(exc, (RayActorError, WorkerCrashedError)):
            self.done(fut)
            return False
        actor = self._owner.pop(fut, None)
        if actor in self._load:
            log.warning("a Ray worker was lost; its cues go to the other workers")
            self.lost_workers += 1
            self.actors.remove(actor)
            del self._load[actor]
        return True

    def close(self) -> None:
        ray = import_ray()
        for a in self.actors:
            try:
                ray.kill(a)
            except Exception:       # already gone with its node
                pass
        self.actors = []
        if self._started_ray:
            ray.shutdown()


def task_overhead(n: int = 200, samples: int = 0) -> float:
    """Seconds of Ray overhead per task: round trips to a warm actor that only returns
    `samples` float32 samples (a cue's audio), one at a time (for bench/batch.py).
    Needs ray.init() first."""
    import time
    ray = import_ray()
    actor = ray.remote(num_cpus=0)(_Pinger).remote()
    ray.get(actor.ping.remote(samples))
    t0 = time.perf_counter()
    for _ in range(n):
        ray.get(actor.ping.remote(samples))
    dt = (time.perf_counter() - t0) / n
    ray.kill(actor)
    return dt


class _Pinger:
    def ping(self, samples: int):
        import numpy as np
        return np.zeros(samples, np.float32)
