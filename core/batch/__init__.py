"""Batch dubbing: every cue of a project rendered by a pool of workers.

plan.py      which cues to render and each one's content key
cache.py     finished cues cached by content key (resume after a stop)
work.py      the worker side: one engine, cues in, audio or a failure out
local.py     workers in this process or in local processes (--workers N)
ray_backend  long-lived Ray actors on a cluster (--ray ADDRESS / auto)
schedule.py  the driver: hands cues out, caches results, survives lost workers
progress.py  one progress bar over all cues
analysis.py  analysis of a long video split by cue ranges

Every path renders a cue with `core.session.Session.update`, the editor's own.
"""
