"""The main window: it builds the widgets and wires them to the editor (edits and
renders), the project document (path, saved state, autosave, recovery, recent
files) and the jobs controller (analysis, cloning, export). It holds no state
of its own beyond the selected cue."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from app import job_kinds, layout, project_io
from app.document import ProjectDocument
from app.editor import Editor
from app.jobs import JobController
from app.selection import CueSelection
from app.transport import MODES, Transport
from core.constants import CLONE_STEPS, SAMPLE_RATE
from core.errors import UserError
from core.project import Project, ProjectError
from core.session import Session


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, audio: str = "auto"):
        super().__init__()
        self.settings = settings or QSettings()
        self.editor = Editor(Session(Project()), self)
        self.transport = Transport(lambda: self.editor.session, self, audio)
        self.doc = ProjectDocument(self.editor.undo, lambda: self.editor.session.project,
                                   self.settings, self)
        self.jobs = JobController(self)
        layout.build_widgets(self)
        self.selection = CueSelection(self.editor, self.transport, self.cues, self.instructions,
                                      self.voice, self.timeline, self)
        layout.build_menus(self)
        self._connect()
        layout.restore(self)
        self._title()

    def _connect(self):
        # bound methods only: Qt drops them with the window; lambdas would outlive it
        ed, t, doc, jobs = self.editor, self.transport, self.doc, self.jobs
        ed.statusChanged.connect(self.cues.set_status)
        ed.cueChanged.connect(doc.touch)                 # merged drag steps change no index
        ed.activity.connect(self.activity.setText)
        ed.progress.connect(self._progress)
        ed.message.connect(self.show_message)
        ed.rendered.connect(self._rendered)
        ed.on_idle(self._maybe_hide_bar)
        jobs.activity.connect(self.activity.setText)
        jobs.message.connect(self.show_message)
        jobs.progress.connect(self._progress)
        jobs.idle.connect(self._maybe_hide_bar)
        doc.changed.connect(self._title)
        doc.autosaveFailed.connect(self._autosave_failed)
        doc.autosaveWorks.connect(self.autosave_warning.hide)
        doc.recentChanged.connect(self._update_recent_menu)
        self.instructions.analyseRequested.connect(self.analyse_emotion)
        self.voice.cloneRequested.connect(self.clone_voice)
        self.timeline.seekRequested.connect(t.seek)
        t.timeChanged.connect(self._time)
        t.message.connect(self.activity.setText)
        t.modeChanged.connect(self._mode_changed)

    @property
    def session(self) -> Session:
        return self.editor.session

    def start_engine(self) -> None:
        """Load the voice engine in the background (after the window is shown)."""
        fast = bool(self.settings.value("preview/onnxruntime", True, bool))
        self.jobs.start(job_kinds.LoadEngine(self.engine_state, self.voice, fast))

    # ------------------------------------------------------------ cues
    @property
    def current(self) -> str | None:
        return self.selection.current

    def select(self, cue_id: str) -> None:
        self.selection.select(cue_id)

    def select_relative(self, step: int) -> None:
        self.selection.select_relative(step)

    def stop_work(self) -> None:
        """Cancel all background work; unrendered cues render again when selected (Ctrl+R)."""
        self.editor.stop_all()
        self.jobs.cancel_all()
        for cue in self.session.project.cues:
            self.cues.set_status(cue.id, self.session.status(cue.id))
        self.bar.hide()
        self.activity.setText("stopped")

    def _rendered(self, cue_id: str, result) -> None:
        """New audio while playing: carry on from the same place with the new sound."""
        if self.transport.player.playing:
            self.transport.play(self.transport.player.speed)

    def _time(self, t: float) -> None:
        self.video.show_time(t)
        self.timeline.set_playhead(t)

    def _mode_chosen(self, i: int) -> None:
        self.transport.set_mode(MODES[i])

    def _mode_changed(self, mode: str) -> None:
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(MODES.index(mode))
        self.mode_box.blockSignals(False)

    # ------------------------------------------------------------ background jobs
    def analyse_emotion(self) -> None:
        if self.current:
            self.jobs.start(job_kinds.AnalyseEmotion(self.editor, self.current))

    def clone_voice(self, reference: str) -> None:
        if self.current:
            steps = int(self.settings.value("clone/steps", CLONE_STEPS))   # about a minute on a CPU
            self.jobs.start(job_kinds.CloneVoice(self.editor, self.current, reference, steps))

    def export(self) -> None:
        from app.export_dialog import ExportDialog
        if not self.session.project.cues:
            self.show_message("Nothing to export: the project has no cues.")
            return
        last = self.settings.value("export/dir", str(Path.home() / "instructdub-export"))
        dlg = ExportDialog(self.session.project, last, self, matched=self.transport.matching)
        if dlg.exec():
            self.settings.setValue("export/dir", str(dlg.chosen.outdir))
            self.run_export(dlg.chosen)

    def run_export(self, options) -> None:
        """Render what is missing and export, in the background."""
        self.jobs.start(job_kinds.Export(self.session, options,
                                         None if self.quiet() else self))

    def _progress(self, f: float, msg: str) -> None:
        self.bar.setVisible(True)
        self.bar.setValue(int(100 * f))
        self.bar.setFormat(msg[:40] + " %p%")

    def _maybe_hide_bar(self) -> None:
        if not (self.editor.busy() or self.jobs.busy()):
            self.bar.hide()

    # ------------------------------------------------------------ projects
    def load_session(self, project: Project, path: Path | None, unsaved: bool = False) -> None:
        """Show `project` in the editor; `unsaved`: it holds work not yet saved."""
        self.transport.pause()
        self.jobs.cancel_all()
        self.editor.set_session(Session(project, path))
        self.doc.opened(path, unsaved)
        fps = project.video.fps or 25.0
        self.transport.fps, self.transport.duration = fps, project.video.duration
        self.transport.original = None
        self.video.open(project.video.path or None, fps)
        self.timeline.set_duration(max([project.video.duration] + [c.end for c in project.cues]))
        self.timeline.set_original(None, SAMPLE_RATE)
        if project.video.path and project.video.has_audio:
            self.jobs.start(job_kinds.ReadOriginalAudio(project.video.path, self.transport,
                                                        self.timeline))
        self.cues.set_cues(project.cues, fps, self.session.status)
        self.selection.clear()
        if project.cues:
            self.selection.select(project.cues[0].id)

    def open_project(self, path, recover: bool | None = None) -> bool:
        """Open a project; offers recovery when it has an autosave (`recover` answers)."""
        path = Path(path)
        if not self._maybe_save():
            return False
        ask = self.ask if recover is None else (lambda title, text: recover)
        try:
            project, recovered = self.doc.load(path, ask)
        except (ProjectError, UserError, OSError) as e:
            self.show_message(f"Cannot open {path}: {e}")
            return False
        self.load_session(project, path, unsaved=recovered)
        if recovered:
            self.activity.setText("recovered the autosave; save to keep it")
        return True

    def open_new(self, project: Project, note: str) -> None:
        """A project just made from a video and a script: unsaved, untitled."""
        self.load_session(project, None, unsaved=True)
        self.activity.setText(note)

    def open_dialog(self) -> None:
        p, _ = QFileDialog.getOpenFileName(self, "Open project", self.doc.last_dir(),
                                           "instructdub project (*.json)")
        if p:
            self.open_project(p)

    def new_project(self) -> None:
        if not self._maybe_save():
            return
        video, _ = QFileDialog.getOpenFileName(self, "Video", self.doc.last_dir(),
                                               "Video (*.mp4 *.mov *.mkv *.avi *.webm)")
        if not video:
            return
        script, _ = QFileDialog.getOpenFileName(self, "Script (one line per cue, or SRT)",
                                                str(Path(video).parent), "Script (*.txt *.srt)")
        if script:
            self.start_new_project(video, script)

    def start_new_project(self, video: str, script: str) -> None:
        """Analyse the video and script in the background (cue times, mouth curves, instructions)."""
        self.jobs.start(job_kinds.AnalyseVideo(video, script, self.open_new))

    def save(self) -> bool:
        return self.save_as() if self.doc.path is None else self._save_to(self.doc.path)

    def save_as(self) -> bool:
        p, _ = QFileDialog.getSaveFileName(self, "Save project", self.doc.last_dir(),
                                           "instructdub project (*.json)")
        return bool(p) and self._save_to(Path(p if p.endswith(".json") else p + ".json"))

    def _save_to(self, path: Path) -> bool:
        try:
            self.doc.save(path)
        except OSError as e:
            self.show_message(f"Could not save {path}: {e.strerror or e}. "
                              "The earlier file (if any) is unchanged.")
            return False
        self.session.path = path
        self.activity.setText(f"saved {path.name}")
        return True

    def _maybe_save(self) -> bool:
        if not self.doc.dirty() or not self.isVisible():
            return True
        ans = self.ask_save()
        return self.save() if ans == "save" else ans == "discard"

    def _update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in self.doc.recent():
            a = self.recent_menu.addAction(p)
            a.triggered.connect(lambda _=False, p=p: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.doc.recent()))

    def _autosave_failed(self, msg: str) -> None:
        """A warning that stays in the status bar until an autosave works again, and
        a (non-modal) dialog the first time."""
        first = self.autosave_warning.isHidden()
        self.autosave_warning.setText("⚠ autosave failing — save your work")
        self.autosave_warning.setToolTip(msg)
        self.autosave_warning.show()
        self.activity.setText(msg.splitlines()[0][:200])
        if first and not self.quiet():
            box = QMessageBox(QMessageBox.Icon.Warning, "Autosave failed", msg,
                              QMessageBox.StandardButton.Ok, self)
            box.setModal(False)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.show()

    # ------------------------------------------------------------ dialogs, title, close
    def quiet(self) -> bool:
        """No dialogs (tests, scripted runs): messages go to the status bar only."""
        return bool(self.settings.value("quiet", False, bool)) or not self.isVisible()

    def show_message(self, msg: str) -> None:
        self.activity.setText(msg.splitlines()[0][:200])
        if not self.quiet():
            QMessageBox.warning(self, "instructdub", msg)

    def ask(self, title: str, text: str) -> bool:
        """Yes/no question; tests replace this method."""
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def ask_save(self) -> str:
        """"save", "discard" or "cancel"; tests replace this method."""
        B = QMessageBox.StandardButton
        ans = QMessageBox.question(self, "Unsaved changes",
                                   "Save the changes to the current project?",
                                   B.Save | B.Discard | B.Cancel)
        return {B.Save: "save", B.Discard: "discard"}.get(ans, "cancel")

    def _title(self, *_) -> None:
        self.setWindowTitle(self.doc.title())

    def closeEvent(self, ev) -> None:
        if not self._maybe_save():
            ev.ignore()
            return
        self.transport.pause()
        self.activity.setText("finishing the current render…")
        layout.remember(self)
        self.doc.close()
        self.jobs.cancel_all()
        self.editor.shutdown()                  # waits for the running engine call, seconds
        self.jobs.wait()
        ev.accept()
