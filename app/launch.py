"""Start the editor: `python main.py` (empty or last project), `python main.py edit [PROJECT]`."""
from __future__ import annotations

import os
import sys
from pathlib import Path

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
    from PySide6.QtWidgets import QApplication

    from app import project_io
    from app.window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("instructdub")
    app.setApplicationName("instructdub")
    win = MainWindow()
    win.show()
    target = None
    if argv and argv[0] == "--demo":
        target = project_io.demo_path()
    elif argv:
        target = Path(argv[0])
        if not target.exists():
            print(f"error: no such project file: {target}", file=sys.stderr)
            return 2
    if target is not None:
        win.open_project(target)
    else:
        _offer_untitled_recovery(win)
    return app.exec()


def _offer_untitled_recovery(win) -> None:
    from app import project_io
    from core.project import Project
    a = project_io.untitled_autosave()
    if a.exists() and win.ask("Recover unsaved work?",
                              "An untitled project was not saved when the editor last "
                              "closed. Recover it?"):
        try:
            win.load_session(Project.load(a), None)
            win.editor.edit_count += 1
            win._title()
        except Exception as e:  # noqa: BLE001 - a damaged autosave must not stop the start
            win.show_message(f"The autosave could not be read: {e}")
