"""Shared helpers of the hostile-input tests: run the CLI in-process and check that a
refusal is one `error:` line with exit 2 and that the input files did not change."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def cli(capsys, *args) -> tuple[int, list[str], str]:
    """(exit code, stderr lines, stdout) of `python main.py ARGS` run in this process."""
    from core.cli import main
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.err.strip().splitlines(), out.out


def refused(capsys, args, inputs=(), words: str = "") -> str:
    """Assert exit 2 with one line `error: ...` containing `words`, inputs byte-identical."""
    before = {Path(p): Path(p).read_bytes() for p in inputs}
    rc, err, _ = cli(capsys, *args)
    lines = [ln for ln in err if not ln.startswith("warning:")]
    assert rc == 2, (rc, err)
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert words.lower() in lines[0].lower(), lines[0]
    for p, data in before.items():
        assert p.read_bytes() == data, f"{p} changed"
    return lines[0]


def write_alignment(path: Path, durations=(2, 3, 2), **changes) -> Path:
    """A small valid alignment written by hand ('$ h $' in Kokoro tokens), with `changes`."""
    n = sum(durations)
    d = {"phonemes": ["$", "h", "$"], "durations": list(durations), "f0": [120.0] * (2 * n),
         "energy": [0.5] * (2 * n), "voice": "jm_kumo", "sample_rate": 24000, **changes}
    path.write_text(json.dumps(d), encoding="utf-8")
    return path


def demo_copy(folder: Path) -> Path:
    """The bundled demo project and its video, copied into `folder`; returns the project."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("demo.json", "grid_s17_bbwe4n.mp4"):
        shutil.copy(DEMO / name, folder / name)
    return folder / "demo.json"


def edit_project(path: Path, fn) -> Path:
    d = json.loads(path.read_text(encoding="utf-8"))
    fn(d)
    path.write_text(json.dumps(d), encoding="utf-8")
    return path
