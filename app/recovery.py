"""Autosave files and recovering from them.

A project's autosave is a hidden sidecar beside it (`.NAME.json.autosave`).
Each untitled document has its own, `.untitled-<time>-<pid>-<n>.json.autosave`
in the application's data folder, so two untitled sessions never share one.
An autosave the user declines is kept as `….discarded-1`, `-2`, …: nothing
the user typed is deleted by a "no".
"""
from __future__ import annotations

import filecmp
import itertools
import os
import time
from pathlib import Path
from typing import Callable

from core.project import Project, autosave_path

_untitled_numbers = itertools.count(1)


def data_dir() -> Path:
    from PySide6.QtCore import QStandardPaths
    base = Path(QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation) or Path.home() / ".instructdub")
    base.mkdir(parents=True, exist_ok=True)
    return base


def new_untitled_path() -> Path:
    """A project path no other untitled document (in any editor) uses."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return data_dir() / f"untitled-{stamp}-{os.getpid()}-{next(_untitled_numbers)}.json"


def _owner_running(autosave: Path) -> bool:
    """The untitled autosave belongs to another editor that is still running."""
    try:
        pid = int(autosave.name.split("-")[3])
    except (IndexError, ValueError):
        return False                      # the old shared name, or not ours
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True                       # exists, owned by someone else
    return True


def untitled_autosaves(exclude: Path | None = None) -> list[Path]:
    """Autosaves of untitled projects left by editors that have ended, newest first."""
    found = [p for p in data_dir().glob(".untitled*.json.autosave")
             if not _owner_running(p) and p != exclude]
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def discard(autosave: Path) -> Path:
    """Keep a declined autosave aside under the first free numbered name."""
    for n in itertools.count(1):
        target = autosave.with_name(f"{autosave.name}.discarded-{n}")
        if not target.exists():
            os.replace(autosave, target)
            return target
    raise AssertionError("unreachable")


def when(path: Path) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(path.stat().st_mtime))


def recovery_question(path: Path, autosave: Path) -> str:
    """What the user is asked, saying which of the two files is newer."""
    if not path.exists():
        return (f"{path.name} is missing, but its autosave from {when(autosave)} exists. "
                "Recover the autosave?")
    if autosave.stat().st_mtime >= path.stat().st_mtime:
        return (f"{path.name} has unsaved changes from an earlier session: the autosave "
                f"({when(autosave)}) is newer than the saved file ({when(path)}). "
                "Recover them?")
    return (f"{path.name} has an autosave from an earlier session ({when(autosave)}), but "
            f"the saved file is newer ({when(path)}): it was changed after the autosave, "
            "perhaps by `dub --save` or another editor. Recovering brings back the "
            "autosave's edits and drops those later changes. Recover the autosave?")


def load_with_recovery(path: Path, ask: Callable[[str, str], bool]) -> tuple[Project, bool]:
    """Load `path`, or its autosave when there is one and `ask(title, text)` says yes.

    An autosave identical to the file is removed without asking; a declined one
    is kept aside (`discard`)."""
    a = autosave_path(path)
    if a.exists():
        if path.exists() and filecmp.cmp(a, path, shallow=False):
            a.unlink()
        elif ask("Recover unsaved work?", recovery_question(path, a)):
            return Project.load(a), True
        else:
            discard(a)
    return Project.load(path), False
