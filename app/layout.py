"""The main window's widgets, menus and shortcuts, and its remembered geometry.

Builders called once by MainWindow.__init__; every action calls a window,
transport, timeline or editor method, so the behaviour lives there.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QLabel, QProgressBar, QScrollArea, QSplitter,
                               QToolBar, QVBoxLayout, QWidget)

from app import project_io
from app.cue_list import CueList, EngineState
from app.instruction_panel import InstructionPanel
from app.timeline.view import TimelineWidget
from app.transport import MODES
from app.video_view import VideoView
from app.voice_panel import VoicePanel

K = QKeySequence.StandardKey


def build_widgets(win) -> None:
    win.cues = CueList()
    win.engine_state = EngineState()
    win.video = VideoView()
    win.instructions = InstructionPanel()
    win.voice = VoicePanel()
    left = QWidget()                       # cue list above the voice of the cue
    lay = QVBoxLayout(left)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.addWidget(win.engine_state)
    lay.addWidget(win.cues, 1)
    lay.addWidget(win.voice)
    scroll = QScrollArea()
    scroll.setWidget(win.instructions)
    scroll.setWidgetResizable(True)
    win.timeline = TimelineWidget()
    top = QSplitter(Qt.Orientation.Horizontal)
    for w in (left, win.video, scroll):
        top.addWidget(w)
    top.setSizes([380, 560, 420])
    win.split = QSplitter(Qt.Orientation.Vertical)
    win.split.addWidget(top)
    win.split.addWidget(win.timeline)
    win.split.setSizes([430, 430])
    win.setCentralWidget(win.split)
    win.activity = QLabel("ready")
    win.autosave_warning = QLabel("")      # stays until an autosave works again
    win.autosave_warning.setStyleSheet("color:#ff4040; font-weight: bold;")
    win.autosave_warning.hide()
    win.bar = QProgressBar()
    win.bar.setMaximumWidth(220)
    win.bar.setRange(0, 100)
    win.bar.setVisible(False)
    win.statusBar().addWidget(win.activity, 1)
    win.statusBar().addPermanentWidget(win.autosave_warning)
    win.statusBar().addPermanentWidget(win.bar)


def _action(win, menu, text, slot, keys=None, tip=""):
    a = QAction(text, win)
    if keys:
        a.setShortcut(QKeySequence(keys))
        a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    a.setStatusTip(tip)
    a.triggered.connect(slot)
    if menu is not None:
        menu.addAction(a)
    win.addAction(a)
    return a


def build_menus(win) -> None:
    mb, t, ed, tl, sel = win.menuBar(), win.transport, win.editor, win.timeline, win.selection
    f = mb.addMenu("&File")
    _action(win, f, "&New from video and script…", win.new_project, K.New)
    _action(win, f, "&Open project…", win.open_dialog, K.Open)
    _action(win, f, "Open the &demo", lambda: win.open_project(project_io.demo_path()))
    win.recent_menu = f.addMenu("Open &recent")
    _action(win, f, "&Save", win.save, K.Save)
    _action(win, f, "Save &as…", win.save_as, K.SaveAs)
    f.addSeparator()
    _action(win, f, "&Export…", win.export, "Ctrl+E")
    _action(win, f, "&Quit", win.close, K.Quit)
    e = mb.addMenu("&Edit")
    for a, keys in ((ed.undo.createUndoAction(win, "&Undo"), K.Undo),
                    (ed.undo.createRedoAction(win, "&Redo"), K.Redo)):
        a.setShortcut(QKeySequence(keys))
        e.addAction(a)
    _action(win, e, "Re-render the cue", sel.rerender, "Ctrl+R")
    _action(win, e, "Stop background work", win.stop_work, "Esc",
            "cancel rendering, analysis, cloning or export")
    p = mb.addMenu("&Playback")
    _action(win, p, "Play / pause", t.toggle, "Space")
    _action(win, p, "Shuttle back (J)", lambda: t.shuttle(-1), "J")
    _action(win, p, "Stop (K)", t.pause, "K")
    _action(win, p, "Shuttle forward (L)", lambda: t.shuttle(1), "L")
    _action(win, p, "Previous frame", lambda: t.step(-1), "Left")
    _action(win, p, "Next frame", lambda: t.step(1), "Right")
    _action(win, p, "Loop the cue with pre/post-roll", sel.loop, "O")
    _action(win, p, "A/B/mix: original, dub, both", t.cycle_mode, "B")
    win.match_action = _action(win, p, "Hear the tone and room-tone match", t.set_matching, None,
                               "play each line as export's tone and room-tone options make it "
                               "(cues analysed with the original audio)")
    win.match_action.setCheckable(True)
    v = mb.addMenu("&View")
    _action(win, v, "Zoom in", lambda: tl.zoom(1.5), "=")
    _action(win, v, "Zoom out", lambda: tl.zoom(1 / 1.5), "-")
    _action(win, v, "Fit the cue", sel.fit, "F")
    _action(win, v, "Scroll left", lambda: tl.scroll(-0.25), "Shift+Left")
    _action(win, v, "Scroll right", lambda: tl.scroll(0.25), "Shift+Right")
    _action(win, v, "Next cue", lambda: sel.select_relative(1), "Down")
    _action(win, v, "Previous cue", lambda: sel.select_relative(-1), "Up")

    tb = QToolBar("Transport")
    tb.setObjectName("transport")
    win.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
    _action(win, tb, "▶ Play/Pause", t.toggle)
    _action(win, tb, "⟲ Loop cue", sel.loop)
    win.mode_box = QComboBox()
    win.mode_box.addItems([m.capitalize() for m in MODES])
    win.mode_box.setToolTip("A/B/mix: what plays (B cycles)")
    win.mode_box.currentIndexChanged.connect(win._mode_chosen)
    tb.addWidget(QLabel(" Listen: "))
    tb.addWidget(win.mode_box)
    tb.addSeparator()
    _action(win, tb, "Render", sel.rerender)
    _action(win, tb, "Export…", win.export)
    win._update_recent_menu()


def restore(win) -> None:
    """Geometry, splitter and listening mode as the window was last closed."""
    s = win.settings
    geo = s.value("window/geometry")
    if geo is not None:
        win.restoreGeometry(geo)
    else:
        win.resize(1400, 860)
    split = s.value("window/split")
    if split is not None:
        win.split.restoreState(split)
    mode = s.value("listen/mode", "dub")
    if mode in MODES:
        win.transport.set_mode(mode)
    matching = s.value("listen/match", False, type=bool)
    win.match_action.setChecked(matching)
    win.transport.set_matching(matching)


def remember(win) -> None:
    s = win.settings
    s.setValue("window/geometry", win.saveGeometry())
    s.setValue("window/split", win.split.saveState())
    s.setValue("listen/mode", win.transport.mode)
    s.setValue("listen/match", win.transport.matching)
