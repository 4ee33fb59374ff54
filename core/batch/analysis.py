"""Analysis of a long video split by cue ranges.

The cue times come first, in this process: an SRT's own, else the guide-audio or
mouth pass of `core.analyze.cue_times`. Then ranges of cues are analysed in
parallel, each task a loop of `core.analyze`'s per-cue step (its own visual pass
over the cue, the guide audio, the instructions) with its models built once per
worker process. Every cue's visual pass starts from a seek, so a cue's result does
not depend on the range it fell in.

Workers read the video themselves: on a Ray cluster it must be at the same path on
every node (shared storage).
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from core.analyze import AnalysisOptions, _pooled_models, _run_cue, cue_times
from core.batch.plan import chunks
from core.project import Cue, Project, VideoInfo, file_sha256
from core.script import Script, load_script


def timed_cues(meta, script: Script, opts: AnalysisOptions) -> tuple[list[Cue], str]:
    """One cue per script line with its in- and out-time, and how they were found."""
    with _pooled_models(opts) as models:
        times, how, _ = cue_times(script, meta, models)
    cues = []
    for i, (ln, (s, e)) in enumerate(zip(script.lines, times)):
        e = min(float(e), meta.duration) if meta.duration > 0 else float(e)
        cues.append(Cue(id=f"c{i + 1:03d}", text=ln.text, start=round(float(s), 3), end=round(e, 3)))
    return cues, how


def analyze_range(video: str, cues: list[Cue], opts: AnalysisOptions, how: str) -> list[Cue]:
    """The per-cue analysis of a range of cues (runs in a worker)."""
    from core.video.decode import probe
    meta = probe(video)
    with _pooled_models(opts) as models:
        for cue in cues:
            _run_cue(cue, meta, models)
            cue.measurements["timing"] = how
    return cues


def analyze_split(video: str | Path, script: Script | str | Path,
                  options: AnalysisOptions | None = None, workers: int = 2,
                  ray: str | None = None, cues_per_task: int = 20,
                  progress: Callable[[float, str], None] | None = None) -> Project:
    """`core.analyze.analyze`, with the cues analysed in ranges by `workers` local
    processes, or by Ray tasks when `ray` is an address (or "auto")."""
    from core.video.decode import probe
    opts = options or AnalysisOptions()
    report = progress or (lambda f, m: None)
    t0 = time.perf_counter()
    video = str(Path(video).resolve())
    meta = probe(video)
    if not isinstance(script, Script):
        script = load_script(script)
    report(0.0, "timing the cues")
    cues, how = timed_cues(meta, script, opts)
    groups = chunks(cues, cues_per_task)
    runner = _on_ray if ray else _on_processes
    done: list[Cue] = []
    for i, part in enumerate(runner(video, groups, opts, how, workers, ray)):
        done += part
        report(0.2 + 0.8 * (i + 1) / len(groups), f"cue range {i + 1}/{len(groups)}")
    info = VideoInfo(path=video, sha256=file_sha256(video), fps=meta.fps,
                     duration=round(meta.duration, 4), has_audio=meta.has_audio)
    settings = {"analysis": {"timing": how, "warnings": script.warnings, "options": asdict(opts),
                             "seconds": round(time.perf_counter() - t0, 2),
                             "size": [meta.width, meta.height],
                             "split": {"ranges": len(groups), "cues_per_task": cues_per_task,
                                       "workers": "ray" if ray else workers}}}
    return Project(video=info, cues=done, settings=settings)


def _on_processes(video, groups, opts, how, workers, _ray):
    import multiprocessing as mp
    with ProcessPoolExecutor(max(1, workers), mp.get_context("spawn")) as pool:
        yield from pool.map(analyze_range, *zip(*[(video, g, opts, how) for g in groups]))


def _on_ray(video, groups, opts, how, workers, address):
    from core.batch.ray_backend import connect
    ray, started = connect(address)
    try:
        task = ray.remote(num_cpus=1)(analyze_range)
        opts_ref = ray.put(opts)
        refs = [task.remote(video, g, opts_ref, how) for g in groups]
        for ref in refs:                     # in order: the cues stay in script order
            yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()
