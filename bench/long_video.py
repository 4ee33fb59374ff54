"""Peak memory and time of `analyze` + `dub` on long videos built by looping the demo.

The 3-s demo clip (resources/demo) is repeated to the length asked (stream copy, no
re-encode) and given a script of one line per repetition; then

    main.py analyze LONG.mp4 --script LINES.txt -o P.json
    main.py dub P.json --export OUT

run as child processes, one after the other, and the peak resident memory (the
kernel's ru_maxrss of each child) and the wall time of each are printed.

    .venv/bin/python bench/long_video.py [--minutes 20 60] [--work DIR] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.audio import ffmpeg_exe  # noqa: E402

DEMO = ROOT / "resources" / "demo" / "grid_s17_bbwe4n.mp4"
DEMO_SECONDS = 3.0
LINE = "Bin blue with e four now."


def build(minutes: float, folder: Path) -> tuple[Path, Path]:
    """The looped video and its script (one line per loop)."""
    loops = max(1, int(round(minutes * 60 / DEMO_SECONDS)))
    video, script = folder / f"long_{minutes:g}min.mp4", folder / f"long_{minutes:g}min.txt"
    if not video.exists():
        subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", str(loops - 1),
                        "-i", str(DEMO), "-c", "copy", str(video)], check=True)
    script.write_text("\n".join([LINE] * loops) + "\n", encoding="utf-8")
    return video, script


def measured(args: list[str], threads: int) -> tuple[float, float, int]:
    """(peak RSS in MB, wall seconds, exit code) of `main.py ARGS` as a child process."""
    env = {**os.environ, "INSTRUCTDUB_THREADS": str(threads), "OMP_NUM_THREADS": str(threads),
           "INSTRUCTDUB_DEVICE": os.environ.get("INSTRUCTDUB_DEVICE", "cpu")}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as err:            # a file, not a pipe: no deadlock on chatter
        proc = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            print(err.read().decode(errors="replace")[-2000:], file=sys.stderr)
    return usage.ru_maxrss / 1024, time.perf_counter() - t0, proc.returncode


def run(minutes: float, work: Path, threads: int) -> dict:
    video, script = build(minutes, work)
    project, out = work / f"long_{minutes:g}min.json", work / f"out_{minutes:g}min"
    a_mb, a_s, a_rc = measured(["analyze", str(video), "--script", str(script), "-o", str(project),
                                "--force"], threads)
    row = {"minutes": minutes, "cues": len(script.read_text().splitlines()),
           "analyze_mb": a_mb, "analyze_s": a_s, "analyze_rc": a_rc}
    print(f"{minutes:g} min: analyze peak {a_mb:.0f} MB, {a_s:.0f} s (exit {a_rc})", flush=True)
    if a_rc == 0:
        d_mb, d_s, d_rc = measured(["dub", str(project), "--export", str(out), "--overwrite"], threads)
        stem = out / "dub_dialogue.wav"
        row.update(dub_mb=d_mb, dub_s=d_s, dub_rc=d_rc,
                   stem_mb=stem.stat().st_size / 1e6 if stem.exists() else 0.0)
        print(f"{minutes:g} min: dub peak {d_mb:.0f} MB, {d_s:.0f} s (exit {d_rc}), "
              f"stem {row['stem_mb']:.0f} MB", flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, nargs="+", default=[20.0, 60.0])
    ap.add_argument("--work", type=Path, default=None, help="folder for the videos and outputs "
                    "(default: a temporary folder, removed at the end)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="instructdub-long-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        rows = [run(m, work, args.threads) for m in args.minutes]
    print("\n| video | cues | analyze peak | analyze time | dub peak | dub time | stem |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['minutes']:g} min | {r['cues']} | {r['analyze_mb']:.0f} MB | {r['analyze_s']:.0f} s "
              f"| {r.get('dub_mb', 0):.0f} MB | {r.get('dub_s', 0):.0f} s | {r.get('stem_mb', 0):.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
