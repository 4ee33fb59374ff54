"""The window's project files: new, open (with recovery), save, autosave, recent.

A mixin of MainWindow.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from app import project_io
from core.errors import UserError
from core.project import Project, ProjectError, autosave_path
from core.session import Session

MAX_RECENT = 8


class FileActions:
    def load_session(self, project: Project, path: Path | None) -> None:
        self.transport.pause()
        self.editor.set_session(Session(project, path))
        self.path = Path(path) if path else None
        self._saved_count = self._autosaved_count = self.editor.edit_count
        fps = project.video.fps or 25.0
        self.transport.fps, self.transport.duration = fps, project.video.duration
        self.transport.original = None
        self.video.open(project.video.path or None, fps)
        self.timeline.set_duration(max([project.video.duration] +
                                       [c.end for c in project.cues]))
        self.timeline.set_original(None, 24000)
        if project.video.path and project.video.has_audio:
            vpath = project.video.path
            from core.audio import read_media_audio
            self.editor.runner.submit("job:original",
                                      lambda progress, cancel: read_media_audio(vpath, 24000),
                                      "reading the original audio")
        self.cues.set_cues(project.cues, fps, self.session.status)
        self.current = None
        self.instructions.set_cue(None)
        self.voice.set_voice(None)
        if project.cues:
            self.select(project.cues[0].id)
        if path:
            self._add_recent(str(path))
        self._title()

    def open_project(self, path, recover: bool | None = None) -> bool:
        """Open a project; offers recovery when its autosave is newer."""
        path = Path(path)
        if not self._maybe_save():
            return False
        try:
            project, recovered = project_io.load_with_recovery(
                path, (lambda: recover) if recover is not None else
                (lambda: self.ask("Recover unsaved work?",
                                  f"{path.name} has newer unsaved changes from an earlier "
                                  "session (autosave). Recover them?")))
        except (ProjectError, UserError, OSError) as e:
            self.show_message(f"Cannot open {path}: {e}")
            return False
        self.load_session(project, path)
        if recovered:
            self.editor.edit_count += 1           # recovered work is unsaved work
            self.activity.setText("recovered the autosave; save to keep it")
            self._title()
        return True

    def open_dialog(self) -> None:
        p, _ = QFileDialog.getOpenFileName(self, "Open project", self._last_dir(),
                                           "instructdub project (*.json)")
        if p:
            self.open_project(p)

    def new_project(self) -> None:
        if not self._maybe_save():
            return
        video, _ = QFileDialog.getOpenFileName(self, "Video", self._last_dir(),
                                               "Video (*.mp4 *.mov *.mkv *.avi *.webm)")
        if not video:
            return
        script, _ = QFileDialog.getOpenFileName(self, "Script (one line per cue, or SRT)",
                                                str(Path(video).parent), "Script (*.txt *.srt)")
        if script:
            self.start_new_project(video, script)

    def start_new_project(self, video: str, script: str) -> None:
        """Analyse the video and script in the background (cue times, mouth curves,
        instructions); without the analysis code, spread the lines evenly."""
        try:
            from core.analyze import analyze
        except ImportError:
            self._new_even(video, script, "the video analysis is not installed")
            return
        self._new_args = (video, script)
        self.activity.setText("analysing the video and the script…")
        self.editor.runner.submit("job:analyze", lambda progress, cancel:
                                  analyze(video, script, progress=progress, cancel=cancel),
                                  "analysing")

    def _new_even(self, video: str, script: str, why: str) -> None:
        try:
            project, note = project_io.new_project(video, script)
        except (UserError, OSError) as e:
            self.show_message(str(e))
            return
        self.load_session(project, None)
        self.editor.edit_count += 1               # a new project is unsaved work
        self.activity.setText(f"{why}: {note}")
        self._title()

    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._save_to(self.path)

    def save_as(self) -> bool:
        p, _ = QFileDialog.getSaveFileName(self, "Save project", self._last_dir(),
                                           "instructdub project (*.json)")
        if not p:
            return False
        p = Path(p) if p.endswith(".json") else Path(p + ".json")
        return self._save_to(p)

    def _save_to(self, path: Path) -> bool:
        try:
            self.session.project.save(path)
        except OSError as e:
            self.show_message(f"Could not save {path}: {e.strerror or e}. "
                              "The earlier file (if any) is unchanged.")
            return False
        autosave_path(path).unlink(missing_ok=True)
        self.path, self.session.path = path, path
        self._saved_count = self._autosaved_count = self.editor.edit_count
        self.editor.undo.setClean()
        self._add_recent(str(path))
        self._title()
        self.activity.setText(f"saved {path.name}")
        return True

    def dirty(self) -> bool:
        return self.editor.edit_count != self._saved_count

    def autosave(self) -> Path | None:
        """Write the sidecar autosave if anything changed since the last one."""
        if self.editor.edit_count == self._autosaved_count or not self.dirty():
            return None
        target = autosave_path(self.path) if self.path else project_io.untitled_autosave()
        try:
            self.session.project.save(target)
        except OSError as e:
            self.activity.setText(f"autosave failed: {e}")
            return None
        self._autosaved_count = self.editor.edit_count
        return target

    def ask_save(self) -> str:
        """"save", "discard" or "cancel"; tests replace this method."""
        B = QMessageBox.StandardButton
        ans = QMessageBox.question(self, "Unsaved changes",
                                   "Save the changes to the current project?",
                                   B.Save | B.Discard | B.Cancel)
        return {B.Save: "save", B.Discard: "discard"}.get(ans, "cancel")

    def _maybe_save(self) -> bool:
        if not self.dirty() or not self.isVisible():
            return True
        ans = self.ask_save()
        if ans == "save":
            return self.save()
        return ans == "discard"

    def quiet(self) -> bool:
        """No dialogs (tests, scripted runs): messages go to the status bar only."""
        return bool(self.settings.value("quiet", False, bool)) or not self.isVisible()

    def _last_dir(self) -> str:
        return str(self.path.parent) if self.path else str(Path.home())

    def recent(self) -> list[str]:
        return [p for p in (self.settings.value("recent", []) or []) if p]

    def _add_recent(self, path: str) -> None:
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("recent", items[:MAX_RECENT])
        self._update_recent_menu()

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in self.recent():
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, p=p: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.recent()))
