"""Save a screenshot of the editor on the demo with its cue rendered.

    xvfb-run -s "-screen 0 1600x1000x24" python -m app.screenshot docs/screenshot.png
"""
from __future__ import annotations

import sys
import tempfile
import time


def main(out: str = "docs/screenshot.png", project: str | None = None) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.project_io import demo_path
    from app.window import MainWindow
    app = QApplication.instance() or QApplication(sys.argv[:1])
    settings = QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat)
    settings.setValue("quiet", True)
    win = MainWindow(settings, audio="silent")
    win.resize(1500, 900)
    win.show()
    win.start_engine()
    win.open_project(project or demo_path(), recover=False)
    end = time.monotonic() + 300
    while time.monotonic() < end and (win.editor.busy() or win.jobs.busy() or
                                      win.transport.original is None):
        app.processEvents()
        time.sleep(0.02)
    cue = win.session.project.cues[0]
    win.transport.seek(cue.start + 0.6 * (cue.end - cue.start))
    for _ in range(30):
        app.processEvents()
        time.sleep(0.02)
    ok = win.grab().save(out)
    print(("saved " if ok else "could not save ") + out)
    win.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
