"""Start the editor: `python main.py` (empty or last project), `python main.py edit [PROJECT]`."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

EXIT_AFTER_SHOW = "INSTRUCTDUB_EXIT_AFTER_SHOW"
NO_DISPLAY = """\
error: the editor needs a display, and none was found (DISPLAY/WAYLAND_DISPLAY unset).
Everything also works from the command line:
  python main.py --help                          list the commands
  python main.py dub PROJECT.json --export OUT   render and export a project headless
  python main.py dub resources/demo/demo.json --export OUT   the bundled demo
On a server, run the editor under a virtual display:  xvfb-run python main.py edit --demo
(on Debian/Ubuntu the Qt xcb plugin also needs: libxcb-cursor0 libxcb-icccm4
libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xkb1 libxkbcommon-x11-0)"""


def has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def launch(argv: list[str]) -> int:
    """argv: [] or [PROJECT] or ["--demo"]; returns the exit code."""
    if not has_display():
        print(NO_DISPLAY, file=sys.stderr)
        return 2
    target = None
    if argv and argv[0] == "--demo":
        from app.project_io import demo_path
        target = demo_path()
    elif argv:
        target = Path(argv[0])
        if not target.exists():
            print(f"error: no such project file: {target}", file=sys.stderr)
            return 2
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("instructdub")
    app.setApplicationName("instructdub")
    win = MainWindow()
    win.show()
    if os.environ.get(EXIT_AFTER_SHOW):      # bench/startup.py: time to the first frame
        app.processEvents()
        print(f"window shown at {time.time():.3f}", flush=True)
        return 0
    win.start_engine()
    # open after the first paint, so the window is up before any file is read
    QTimer.singleShot(0, lambda: win.open_project(target) if target is not None
                      else offer_untitled_recovery(win))
    return app.exec()


def offer_untitled_recovery(win) -> None:
    """Offer the autosaves of untitled projects left by editors that ended, newest first."""
    from app import recovery
    from core.project import Project
    for a in recovery.untitled_autosaves(exclude=win.doc.autosave_target()):
        if not win.ask("Recover unsaved work?",
                       f"An untitled project was not saved when an editor closed "
                       f"(autosave of {recovery.when(a)}). Recover it?"):
            recovery.discard(a)
            continue
        try:
            project = Project.load(a)
        except Exception as e:  # noqa: BLE001 - a damaged autosave must not stop the start
            win.show_message(f"The autosave {a} could not be read: {e}")
            continue
        win.load_session(project, None, unsaved=True)
        if win.doc.autosave() is not None:     # under this document's own name now…
            a.unlink(missing_ok=True)          # …so the old one can go
        return
