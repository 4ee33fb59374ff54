"""Peak memory of the export alone on a long synthetic project (no model involved).

A 2-s speech-like clip every 6 s over MINUTES of film; the dialogue stem is built,
normalised, limited and written (per-cue files and the video off). Prints the peak
resident memory before and after the export.

    .venv/bin/python bench/export_memory.py 120 [OUTDIR]
"""
from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from core.export import ExportOptions, export_project  # noqa: E402
from core.project import Cue, Project, VideoInfo  # noqa: E402
from test_audio import voiced  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    seconds = minutes * 60
    clip = voiced(2.0, 24000, 130)
    cues, audio = [], {}
    for i in range(int(seconds / 6)):
        cid = f"c{i:05d}"
        cues.append(Cue(id=cid, text="x", start=i * 6.0 + 0.5, end=i * 6.0 + 2.5))
        audio[cid] = clip.copy()
    project = Project(video=VideoInfo(fps=25.0, duration=seconds), cues=cues)
    before, t = peak_mb(), time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tmp)
        res = export_project(project, audio, ExportOptions(outdir=out, per_cue=False, video=False,
                                                           overwrite=True))
    print(f"{minutes:g} min: peak RSS {peak_mb():.0f} MB (before the export {before:.0f} MB), "
          f"{time.perf_counter() - t:.1f} s, stem {res.loudness_lufs:.2f} LUFS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
