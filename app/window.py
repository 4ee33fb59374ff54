"""The main window: cue list, picture, instructions and voice, timeline, transport."""
from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QFileDialog, QLabel, QMainWindow, QMessageBox,
                               QProgressBar, QScrollArea, QSplitter, QToolBar, QVBoxLayout,
                               QWidget)

from app import project_io
from app.cue_list import CueList
from app.editor import Editor
from app.instruction_panel import InstructionPanel
from app.timeline.view import TimelineWidget
from app.transport import MODES, Transport
from app.video_view import VideoView
from app.voice_panel import VoicePanel
from core.errors import UserError
from core.project import Project, ProjectError, autosave_path
from core.session import Session

AUTOSAVE_MS = 5000
MAX_RECENT = 8


class MainWindow(QMainWindow):
    def __init__(self, settings: QSettings | None = None, audio: str = "auto"):
        super().__init__()
        self.settings = settings or QSettings()
        self.path: Path | None = None
        self.editor = Editor(Session(Project()), self)
        self.transport = Transport(lambda: self.editor.session, self, audio)
        self.current: str | None = None
        self.last_error = ""
        self.last_export = None
        self._saved_count = self._autosaved_count = 0
        self._build_widgets()
        self._build_actions()
        self._connect()
        self.autosave_timer = QTimer(self)
        self.autosave_timer.timeout.connect(self.autosave)
        self.autosave_timer.start(AUTOSAVE_MS)
        geo = self.settings.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
        else:
            self.resize(1400, 860)
        split = self.settings.value("window/split")
        if split is not None:
            self.split.restoreState(split)
        mode = self.settings.value("listen/mode", "dub")
        if mode in MODES:
            self.transport.set_mode(mode)
        self._title()

    # ------------------------------------------------------------ layout
    def _build_widgets(self):
        self.cues = CueList()
        self.video = VideoView()
        self.instructions = InstructionPanel()
        self.voice = VoicePanel()
        side = QWidget()
        lay = QVBoxLayout(side)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.instructions)
        lay.addWidget(self.voice)
        scroll = QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        self.timeline = TimelineWidget()
        top = QSplitter(Qt.Orientation.Horizontal)
        for w in (self.cues, self.video, scroll):
            top.addWidget(w)
        top.setSizes([380, 560, 420])
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.addWidget(top)
        self.split.addWidget(self.timeline)
        self.split.setSizes([430, 430])
        self.setCentralWidget(self.split)
        self.activity = QLabel("ready")
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(220)
        self.bar.setRange(0, 100)
        self.bar.setVisible(False)
        self.statusBar().addWidget(self.activity, 1)
        self.statusBar().addPermanentWidget(self.bar)

    def _action(self, menu, text, slot, keys=None, tip=""):
        a = QAction(text, self)
        if keys:
            a.setShortcut(QKeySequence(keys))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setStatusTip(tip)
        a.triggered.connect(slot)
        if menu is not None:
            menu.addAction(a)
        self.addAction(a)
        return a

    def _build_actions(self):
        mb, t, ed = self.menuBar(), self.transport, self.editor
        f = mb.addMenu("&File")
        self._action(f, "&New from video and script…", self.new_project, QKeySequence.StandardKey.New)
        self._action(f, "&Open project…", self.open_dialog, QKeySequence.StandardKey.Open)
        self._action(f, "Open the &demo", lambda: self.open_project(project_io.demo_path()))
        self.recent_menu = f.addMenu("Open &recent")
        self._action(f, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(f, "Save &as…", self.save_as, QKeySequence.StandardKey.SaveAs)
        f.addSeparator()
        self._action(f, "&Export…", self.export, "Ctrl+E")
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        for a, keys in ((ed.undo.createUndoAction(self, "&Undo"), QKeySequence.StandardKey.Undo),
                        (ed.undo.createRedoAction(self, "&Redo"), QKeySequence.StandardKey.Redo)):
            a.setShortcut(QKeySequence(keys))
            e.addAction(a)
        self._action(e, "Re-render the cue", self.rerender, "Ctrl+R")
        p = mb.addMenu("&Playback")
        self._action(p, "Play / pause", t.toggle, "Space")
        self._action(p, "Shuttle back (J)", lambda: t.shuttle(-1), "J")
        self._action(p, "Stop (K)", t.pause, "K")
        self._action(p, "Shuttle forward (L)", lambda: t.shuttle(1), "L")
        self._action(p, "Previous frame", lambda: t.step(-1), "Left")
        self._action(p, "Next frame", lambda: t.step(1), "Right")
        self._action(p, "Loop the cue with pre/post-roll", self.loop_cue, "O")
        self._action(p, "A/B/mix: original, dub, both", t.cycle_mode, "B")
        v = mb.addMenu("&View")
        self._action(v, "Zoom in", lambda: self.timeline.zoom(1.5), "=")
        self._action(v, "Zoom out", lambda: self.timeline.zoom(1 / 1.5), "-")
        self._action(v, "Fit the cue", self.fit_cue, "F")
        self._action(v, "Scroll left", lambda: self.timeline.scroll(-0.25), "Shift+Left")
        self._action(v, "Scroll right", lambda: self.timeline.scroll(0.25), "Shift+Right")
        self._action(v, "Next cue", lambda: self.select_relative(1), "Down")
        self._action(v, "Previous cue", lambda: self.select_relative(-1), "Up")

        tb = QToolBar("Transport")
        tb.setObjectName("transport")
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        self._action(tb, "▶ Play/Pause", t.toggle)
        self._action(tb, "⟲ Loop cue", self.loop_cue)
        self.mode_box = QComboBox()
        self.mode_box.addItems([m.capitalize() for m in MODES])
        self.mode_box.setToolTip("A/B/mix: what plays (B cycles)")
        self.mode_box.currentIndexChanged.connect(self._mode_chosen)
        tb.addWidget(QLabel(" Listen: "))
        tb.addWidget(self.mode_box)
        tb.addSeparator()
        self._action(tb, "Render", self.rerender)
        self._action(tb, "Export…", self.export)
        self._update_recent_menu()

    def _connect(self):
        # bound methods only: Qt drops them with the window; lambdas would outlive it
        ed, t = self.editor, self.transport
        self.cues.cueSelected.connect(self.select)
        ed.statusChanged.connect(self.cues.set_status)
        ed.cueChanged.connect(self._cue_changed)
        ed.activity.connect(self.activity.setText)
        ed.progress.connect(self._progress)
        ed.message.connect(self.show_message)
        ed.runner.idle.connect(self.bar.hide)
        ed.undo.cleanChanged.connect(self._title)
        self.instructions.fieldEdited.connect(self._field_edited)
        self.instructions.entitiesEdited.connect(self._entities_edited)
        self.instructions.analyseRequested.connect(self.analyse_emotion)
        self.voice.voiceChosen.connect(self._voice_chosen)
        self.voice.cloneRequested.connect(self.clone_voice)
        self.timeline.boundaryMoved.connect(self._boundary_moved)
        self.timeline.curveEdited.connect(self._curve_edited)
        self.timeline.seekRequested.connect(t.seek)
        self.timeline.cueTimingChanged.connect(self._timing_edited)
        t.timeChanged.connect(self._time)
        t.message.connect(self.activity.setText)
        t.modeChanged.connect(self._mode_changed)
        ed.runner.done.connect(self._job_done)
        ed.runner.failed.connect(self._job_failed)

    def _field_edited(self, field: str, old: str, new: str) -> None:
        if self.current:
            self.editor.edit_field(self.current, field, old, new)

    def _entities_edited(self, old: dict, new: dict, name: str) -> None:
        if self.current:
            self.editor.edit_entities(self.current, old, new, name)

    def _boundary_moved(self, k: int, frames: int, finished: bool) -> None:
        if self.current:
            self.editor.drag_boundary(self.current, k, frames, finished)

    def _curve_edited(self, name: str, values, drag_id: int, finished: bool) -> None:
        if self.current:
            self.editor.edit_curve(self.current, name, values, drag_id, finished)

    def _timing_edited(self, start: float, end: float) -> None:
        if self.current:
            c = self.session.project.cue(self.current)
            self.editor.edit_field(self.current, "timing", (c.start, c.end), (start, end))

    def _mode_chosen(self, i: int) -> None:
        self.transport.set_mode(MODES[i])

    def _mode_changed(self, mode: str) -> None:
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(MODES.index(mode))
        self.mode_box.blockSignals(False)

    # ------------------------------------------------------------ cues
    @property
    def session(self) -> Session:
        return self.editor.session

    def select(self, cue_id: str) -> None:
        if self.current and self.current != cue_id:
            self.instructions.commit()          # text still being typed belongs to the old cue
        self.current = cue_id
        cue = self.session.project.cue(cue_id)
        self.cues.select(cue_id)
        self.instructions.set_cue(cue, self.session.state(cue_id).note)
        self.voice.set_voice(cue.voice)
        self.timeline.show_cue(cue, cue.alignment, self.session.audio(cue_id))
        self.fit_cue()
        self.transport.seek(cue.start)
        self.editor.ensure(cue_id)

    def select_relative(self, step: int) -> None:
        ids = self.cues.ids
        if ids:
            i = ids.index(self.current) if self.current in ids else -step
            self.select(ids[max(0, min(len(ids) - 1, i + step))])

    def _cue_changed(self, cue_id: str) -> None:
        self.cues.update_cue(self.session.project.cue(cue_id), self.session.project.video.fps)
        if cue_id != self.current:
            return
        cue = self.session.project.cue(cue_id)
        audio = self.session.audio(cue_id)
        if audio is not None:
            self.timeline.show_cue(cue, cue.alignment, audio)
        else:                              # keep the old mel until the new audio is ready
            self.timeline.set_cue_range(cue.start, cue.end)
            self.timeline.show_alignment(cue.alignment, cue.start)
        self.instructions.set_note(self.session.state(cue_id).note)
        self.instructions.refresh(cue)                  # undo/redo, analysed entities
        if cue.voice != self.voice.shown:
            self.voice.set_voice(cue.voice)

    def _voice_chosen(self, voice) -> None:
        if self.current:
            self.editor.edit_field(self.current, "voice",
                                   self.session.project.cue(self.current).voice, voice)

    def fit_cue(self) -> None:
        if self.current:
            c = self.session.project.cue(self.current)
            a = self.session.audio(self.current)
            end = max(c.end, c.start + (len(a) / 24000 if a is not None else 0))
            self.timeline.fit(c.start, end)

    def loop_cue(self) -> None:
        if self.current:
            c = self.session.project.cue(self.current)
            self.transport.loop_range(c.start, c.end)

    def rerender(self) -> None:
        if self.current:
            st = self.session.state(self.current)
            st.need = st.need or "render"
            st.renders.clear()
            st.audio = None
            self.editor.schedule_now(self.current)

    def _time(self, t: float) -> None:
        self.video.show_time(t)
        self.timeline.set_playhead(t)

    def _progress(self, f: float, msg: str) -> None:
        self.bar.setVisible(True)
        self.bar.setValue(int(100 * f))
        self.bar.setFormat(msg[:40] + " %p%")

    def show_message(self, msg: str) -> None:
        self.activity.setText(msg.splitlines()[0][:200])
        if not self.quiet():
            QMessageBox.warning(self, "instructdub", msg)

    def ask(self, title: str, text: str) -> bool:
        """Yes/no question; tests replace this method."""
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    # ------------------------------------------------------------ background extras
    def analyse_emotion(self) -> None:
        if not self.current:
            return
        try:
            from core.instruct.pipeline import analyze_emotion
        except ImportError as e:
            self.show_message(f"Emotion analysis is not available in this build yet ({e}). "
                              "Set the weights by hand.")
            return
        cue = self.session.project.cue(self.current)
        text = cue.emotion_instruction
        self.editor.runner.submit(f"job:analyse:{cue.id}",
                                  lambda progress, cancel: analyze_emotion(text),
                                  "analysing the emotion instruction")

    def clone_voice(self, ref: str) -> None:
        if not self.current:
            return
        try:
            from core.voice_clone import cached_clone
        except ImportError as e:
            self.show_message(f"Voice cloning is not available in this build yet ({e}).")
            return
        self.activity.setText("cloning a voice from the reference (minutes on a CPU)…")
        self.editor.runner.submit(
            f"job:clone:{self.current}",
            lambda progress, cancel: cached_clone(ref, progress=progress, cancel=cancel),
            "cloning a voice")

    def _job_done(self, key: str, result) -> None:
        if key.startswith("job:analyse:"):
            cid = key.split(":", 2)[2]
            old = dict(self.session.project.cue(cid).entities)
            self.editor.edit_entities(cid, old, {k: float(v) for k, v in result.items()})
            self._cue_changed(cid)
            if cid == self.current:
                self.instructions.set_cue(self.session.project.cue(cid),
                                          self.session.state(cid).note)
        elif key.startswith("job:clone:"):
            cid = key.split(":", 2)[2]
            self.editor.edit_field(cid, "voice", self.session.project.cue(cid).voice, result)
            self.voice.set_voice(result)
        elif key == "job:export":
            files = "\n".join(str(p) for p in result.files)
            warn = ("\n\n" + "\n".join(result.warnings)) if result.warnings else ""
            self.activity.setText(f"exported {len(result.files)} files")
            self.last_export = result
            if not self.quiet():
                QMessageBox.information(self, "Export finished",
                                        f"Wrote {len(result.files)} files:\n{files}{warn}")
        elif key == "job:analyze":
            self.load_session(result, None)
            self.editor.edit_count += 1
            self._title()
            how = result.settings.get("analysis", {}).get("timing", "")
            self.activity.setText(f"analysed {len(result.cues)} cues ({how}); save the project")
        elif key == "job:original":
            self.transport.original = result
            self.timeline.set_original(result, 24000)

    def _job_failed(self, key: str, msg: str) -> None:
        if key == "job:original":
            self.activity.setText(f"the original audio could not be read: {msg}")
        elif key == "job:analyze":
            self.show_message(f"The analysis failed ({msg}); the lines were spread evenly "
                              "over the video instead.")
            self._new_even(*self._new_args, "analysis failed")
        elif key.startswith("job:"):
            self.last_error = msg
            self.show_message(msg)

    # ------------------------------------------------------------ project files
    def load_session(self, project: Project, path: Path | None) -> None:
        self.transport.pause()
        self.editor.set_session(Session(project, path))
        self.path = Path(path) if path else None
        self._saved_count = self._autosaved_count = self.editor.edit_count
        fps = project.video.fps or 25.0
        self.transport.fps, self.transport.duration = fps, project.video.duration
        self.transport.original = None
        self.video.open(project.video.path or None, fps)
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

    def export(self) -> None:
        from app.export_dialog import ExportDialog
        if not self.session.project.cues:
            self.show_message("Nothing to export: the project has no cues.")
            return
        last = self.settings.value("export/dir", str(Path.home() / "instructdub-export"))
        dlg = ExportDialog(self.session.project, last, self)
        if not dlg.exec():
            return
        self.settings.setValue("export/dir", str(dlg.chosen.outdir))
        self.run_export(dlg.chosen)

    def run_export(self, opts) -> None:
        """Render what is missing and export, in the background (result: job:export)."""
        from core.export import export_session
        session = self.session
        self.activity.setText("exporting…")
        self.editor.runner.submit("job:export", lambda progress, cancel:
                                  export_session(session, opts, progress, cancel), "exporting")

    # ------------------------------------------------------------ settings, title, close
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

    def _title(self, *_) -> None:
        name = self.path.name if self.path else "untitled"
        self.setWindowTitle(f"{name}{' *' if self.dirty() else ''} — instructdub")

    def closeEvent(self, ev) -> None:
        if not self._maybe_save():
            ev.ignore()
            return
        self.transport.pause()
        self.editor.runner.cancel_all()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/split", self.split.saveState())
        self.settings.setValue("listen/mode", self.transport.mode)
        if not self.dirty():
            target = autosave_path(self.path) if self.path else project_io.untitled_autosave()
            target.unlink(missing_ok=True)
        self.editor.runner.wait(3000)
        ev.accept()
