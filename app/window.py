"""The main window: cue list, picture, instructions and voice, timeline, transport."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QLabel, QMainWindow, QMessageBox,
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
from app.window_files import FileActions
from app.window_jobs import JobActions
from core.project import Project, autosave_path
from core.session import Session

AUTOSAVE_MS = 5000


class MainWindow(FileActions, JobActions, QMainWindow):
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
        left = QWidget()                       # cue list above the voice of the cue
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.cues, 1)
        lay.addWidget(self.voice)
        scroll = QScrollArea()
        scroll.setWidget(self.instructions)
        scroll.setWidgetResizable(True)
        self.timeline = TimelineWidget()
        top = QSplitter(Qt.Orientation.Horizontal)
        for w in (left, self.video, scroll):
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
        self._action(e, "Stop background work", self.stop_work, "Esc",
                     "cancel rendering, analysis, cloning or export")
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
        ed.rendered.connect(self._rendered)
        ed.chunkReady.connect(self._chunk_ready)
        ed.runner.progress.connect(self._export_progress)
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
            self.session.invalidate(self.current)
            self.editor.schedule_now(self.current)

    def stop_work(self) -> None:
        """Cancel all background work; unrendered cues render again when selected (Ctrl+R)."""
        self.editor.runner.cancel_all()
        for timer in self.editor.debounce.timers.values():
            timer.stop()
        for cue in self.session.project.cues:
            self.cues.set_status(cue.id, self.session.status(cue.id))
        self.bar.hide()
        self.activity.setText("stopped")

    def _rendered(self, cue_id: str, result) -> None:
        """New audio while playing: carry on from the same place with the new sound."""
        if self.transport.player.playing:
            self.transport.play(self.transport.player.speed)

    def _chunk_ready(self, cue_id: str, chunk) -> None:
        """Progressive rendering: play the new chunk; the timeline fills in."""
        self.transport.chunk_ready(cue_id, chunk)
        self._cue_changed(cue_id)

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

    # ------------------------------------------------------------ settings, title, close
    def _title(self, *_) -> None:
        name = self.path.name if self.path else "untitled"
        self.setWindowTitle(f"{name}{' *' if self.dirty() else ''} — instructdub")

    def closeEvent(self, ev) -> None:
        if not self._maybe_save():
            ev.ignore()
            return
        self.transport.pause()
        self.activity.setText("finishing the current render…")
        self.editor.shutdown(wait_ms=0)
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/split", self.split.saveState())
        self.settings.setValue("listen/mode", self.transport.mode)
        if not self.dirty():
            target = autosave_path(self.path) if self.path else project_io.untitled_autosave()
            target.unlink(missing_ok=True)
        self.editor.runner.wait()               # the running engine call, seconds at most
        ev.accept()
