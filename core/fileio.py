"""Atomic file writes: a crash or a full disk never leaves a half-written file."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _mode_for(path))
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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


def prepare_output(path: str | Path, force: bool, what: str = "file") -> Path:
    """Check an output path before long work: refuse to overwrite without `force`,
    and say why it cannot be written. Raises UserError."""
    from core.errors import UserError
    path = Path(path)
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    try:
        return check_writable(path)
    except OSError as e:
        raise UserError(f"cannot write the {what}: {e}") from None
