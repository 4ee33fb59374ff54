"""The open project as a document: its path, whether it is saved, autosave,
recovery from autosaves, and the recent-files list.

"Unsaved" has one source: the undo stack's clean state. Work that no undo step
describes (a recovered autosave, a new or analysed project) marks the stack as
having no clean state, so it counts as unsaved until saved.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QUndoStack

from app import recovery
from core.project import Project, autosave_path

AUTOSAVE_MS = 5000
MAX_RECENT = 8


class ProjectDocument(QObject):
    changed = Signal()                    # path or saved state changed (the title)
    autosaveFailed = Signal(str)          # a warning to keep showing until it works again
    autosaveWorks = Signal()              # an autosave succeeded after failing
    recentChanged = Signal()

    def __init__(self, undo: QUndoStack, project: Callable[[], Project],
                 settings: QSettings, parent=None):
        super().__init__(parent)
        self.undo, self.project, self.settings = undo, project, settings
        self.path: Path | None = None
        self.untitled = recovery.new_untitled_path()      # this document's own autosave name
        self.autosave_error = ""
        self._pending = False                 # changed since the last autosave
        undo.cleanChanged.connect(self._clean_changed)
        undo.indexChanged.connect(self.touch)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.autosave)
        self.timer.start(AUTOSAVE_MS)

    # ------------------------------------------------ state
    def dirty(self) -> bool:
        return not self.undo.isClean()

    def mark_unsaved(self) -> None:
        """The project holds work no undo step describes (recovered, new, analysed)."""
        self.undo.resetClean()
        self.touch()
        self.changed.emit()

    def touch(self, *_) -> None:
        """The project changed (an edit, a merged drag step, a render): autosave it."""
        self._pending = True

    def title(self) -> str:
        name = self.path.name if self.path else "untitled"
        return f"{name}{' *' if self.dirty() else ''} — instructdub"

    def last_dir(self) -> str:
        return str(self.path.parent) if self.path else str(Path.home())

    def autosave_target(self) -> Path:
        return autosave_path(self.path) if self.path else autosave_path(self.untitled)

    def _clean_changed(self, _clean: bool) -> None:
        self.changed.emit()

    # ------------------------------------------------ open, save, autosave
    def load(self, path: str | Path, ask: Callable[[str, str], bool]) -> tuple[Project, bool]:
        """Read `path`, offering its autosave when there is one (see recovery.py)."""
        return recovery.load_with_recovery(Path(path), ask)

    def opened(self, path: str | Path | None, unsaved: bool = False) -> None:
        """A project was loaded into the editor (its undo stack is fresh)."""
        self.path = Path(path) if path else None
        if not self.path:
            self.untitled = recovery.new_untitled_path()
        self._pending = False
        if unsaved:
            self.mark_unsaved()
        if self.path:
            self.add_recent(str(self.path))
        self.changed.emit()

    def save(self, path: str | Path | None = None) -> Path:
        """Write the project (to `path`, or where it came from); raises OSError.

        A symbolic link is saved through: the file it points to is written and
        the link stays a link."""
        path = Path(path) if path else self.path
        if path is None:
            raise ValueError("an untitled project needs a file name")
        self.project().save(os.path.realpath(path))
        old_autosave = self.autosave_target()
        self.path = path
        for a in {old_autosave, self.autosave_target()}:
            a.unlink(missing_ok=True)
        self._pending = False
        self.undo.setClean()
        self._autosave_ok()
        self.add_recent(str(path))
        self.changed.emit()
        return path

    def autosave(self) -> Path | None:
        """Write the sidecar autosave if anything changed since the last one.

        A failure is reported through `autosaveFailed` and retried at the next tick."""
        if not self._pending or not self.dirty():
            return None
        target = self.autosave_target()
        try:
            self.project().save(target)
        except OSError as e:
            self.autosave_error = (f"Autosave to {target} failed: {e.strerror or e}. "
                                   f"Retrying every {AUTOSAVE_MS // 1000} s; "
                                   "save the project to keep your work.")
            self.autosaveFailed.emit(self.autosave_error)
            return None
        self._pending = False
        self._autosave_ok()
        return target

    def _autosave_ok(self) -> None:
        if self.autosave_error:
            self.autosave_error = ""
            self.autosaveWorks.emit()

    def close(self) -> None:
        """Closing with nothing unsaved: the autosave has served its purpose."""
        self.timer.stop()
        if not self.dirty():
            self.autosave_target().unlink(missing_ok=True)

    # ------------------------------------------------ recent files
    def recent(self) -> list[str]:
        items = self.settings.value("recent", []) or []
        return [p for p in ([items] if isinstance(items, str) else items) if p]

    def add_recent(self, path: str) -> None:
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self.recentChanged.emit()
