"""File safety: atomic writes (a crash or a full disk never leaves a half-written file)
and the one output check every command makes before it starts work."""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from core.errors import UserError


# ---------------------------------------------------------------- atomic writes
def _temp_prefix(path: Path) -> str:
    """Hidden temp names carry the writer's process id, so a later run can tell a
    leftover of a killed writer from a file another live process is still writing."""
    return f".{path.name}.{os.getpid()}."


@contextmanager
def atomic_target(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a hidden temp path beside `path`; on success it replaces `path` (with
    `path`'s permissions kept), on any failure it is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=suffix, dir=path.parent)
    os.close(fd)
    try:
        os.chmod(tmp, _mode_for(path))
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    with atomic_target(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())


def remove_stale_temps(path: str | Path) -> list[Path]:
    """Delete hidden temp files that a killed writer of `path` left behind (only those
    whose process is gone). Returns what was removed."""
    path = Path(path)
    pat = re.compile(re.escape(f".{path.name}.") + r"(\d+)\..*\.tmp(\.\w+)?$")
    removed = []
    try:
        entries = list(path.parent.iterdir())
    except OSError:
        return removed
    for p in entries:
        m = pat.match(p.name)
        if m and int(m.group(1)) != os.getpid() and not _alive(int(m.group(1))):
            try:
                p.unlink()
                removed.append(p)
            except OSError:
                pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:            # exists, owned by someone else
        return True
    return True


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual umask ones."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


# ---------------------------------------------------------------- output checks
def check_writable(path: str | Path) -> Path:
    """Raise OSError with a clear message if `path` cannot be created."""
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.exists():
        raise OSError(f"folder does not exist: {parent}")
    if not os.access(parent, os.W_OK):
        raise OSError(f"no permission to write in {parent}")
    if path.exists() and path.is_dir():
        raise OSError(f"{path} is a folder")
    return path


def same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name one file: symlinks resolved, hard links compared by inode."""
    try:
        if os.path.exists(a) and os.path.exists(b):
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def guard_outputs(outputs: dict, inputs: Iterable = (), force: bool = False,
                  folders: dict | None = None) -> list[Path]:
    """The check every command makes before any work.

    `outputs` {what: path} are the files it writes, `folders` {what: path} the folders
    it writes into, `inputs` the files it reads (None entries are skipped).
    - an output that is one of the inputs is always refused, whatever `force` says;
    - two outputs may not be one file;
    - an existing output file needs `force`;
    - the folder must exist and be writable.
    Returns the output paths, in order. Raises UserError."""
    outs = [(what, Path(p)) for what, p in outputs.items() if p]
    dirs = [(what, Path(p)) for what, p in (folders or {}).items() if p]
    refuse_inputs(dict(outs), inputs, dict(dirs))
    for what, out in outs:
        if out.exists() and not out.is_dir() and not force:
            raise UserError(f"{out} exists; pass --force to overwrite it")
        try:
            check_writable(out)
        except OSError as e:
            raise UserError(f"cannot write the {what}: {e}") from None
    for what, d in dirs:
        if d.exists() and not d.is_dir():
            raise UserError(f"the {what} {d} is a file, not a folder")
    return [p for _, p in outs]


def refuse_inputs(outputs: dict, inputs: Iterable = (), folders: dict | None = None) -> None:
    """No output (file or folder) may be one of the inputs, and no two output files
    may be one file. Always enforced, whatever --force says. Raises UserError."""
    ins = [Path(p) for p in inputs if p]
    outs = [(what, Path(p)) for what, p in outputs.items() if p]
    for what, out in outs + [(w, Path(p)) for w, p in (folders or {}).items() if p]:
        for src in ins:
            if same_file(out, src):
                raise UserError(f"the {what} {out} is one of this command's inputs ({src}); "
                                "choose another name (an input is never overwritten, even with --force)")
    for i, (w1, a) in enumerate(outs):
        for w2, b in outs[i + 1:]:
            if same_file(a, b):
                raise UserError(f"the {w1} and the {w2} would both be written to {a}; "
                                "give them different names")


def prepare_output(path: str | Path, force: bool, what: str = "file",
                   inputs: Iterable = ()) -> Path:
    """One output file: guard_outputs for a single path."""
    return guard_outputs({what: path}, inputs, force)[0]


def probe_folder(folder: str | Path) -> Path:
    """Create `folder` if needed and prove it takes files (a real write, not a
    permission guess). Raises OSError."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".instructdub-probe.", suffix=".tmp", dir=folder)
    os.close(fd)
    os.unlink(tmp)
    return folder
