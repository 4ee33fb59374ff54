"""`dub --workers N` / `dub --ray ADDRESS`: the batch render behind the command."""
from __future__ import annotations

import sys
from pathlib import Path

from core.batch.cache import CueCache, cache_folder
from core.batch.local import LocalPool
from core.batch.progress import BatchBar
from core.batch.schedule import BatchResult, run_batch
from core.project import Project

EXIT_SOME_FAILED = 3     # the other cues were rendered, cached and exported


def backend_for(workers: int | None, ray: str | None, threads: int):
    if ray:
        from core.batch.ray_backend import RayPool
        return RayPool(ray, workers, threads)
    return LocalPool(workers or 1, threads)


def render_batch(project: Project, project_path: str | Path, workers: int | None,
                 ray: str | None, threads: int, cache_dir: str | Path | None = None,
                 stream=None) -> BatchResult:
    """Render every cue with a pool of workers, with one progress bar; report what
    failed; the project's cues take the timing each render used (for --save)."""
    stream = stream or sys.stderr
    cache = CueCache(cache_dir or cache_folder(project_path))
    backend = backend_for(workers, ray, threads)
    bar: BatchBar | None = None

    def progress(res: BatchResult, last: str) -> None:
        nonlocal bar
        if bar is None:
            bar = BatchBar(res.total, len(res.cached), stream)
        bar.update(len(res.rendered) + len(res.shared), len(res.failed), last)

    try:
        res = run_batch(project, backend, cache, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    lost = f", {backend.lost_workers} worker(s) lost" if backend.lost_workers else ""
    twins = f", {len(res.shared)} the same as another cue" if res.shared else ""
    print(f"{len(res.rendered)} cue(s) rendered by {res.workers} {backend.name} worker(s) "
          f"in {res.seconds:.1f} s{lost}{twins}, {len(res.cached)} from the cache ({cache.folder})",
          file=stream)
    for f in res.failed:
        print(f"failed: {f.cue_id}: {f.reason}", file=stream)
    apply_timing(project, res)
    return res


def apply_timing(project: Project, res: BatchResult) -> None:
    """What the render changed in each cue (its timing, analysed entities, edit flags)."""
    from core.alignment import Alignment
    for cue in project.cues:
        done = res.cues.get(cue.id)
        if done is None:
            continue
        al = done.get("alignment")
        cue.alignment = Alignment.from_dict(al) if al else None
        cue.entities = dict(done.get("entities") or {})
        cue.edited = dict(done.get("edited") or {})
