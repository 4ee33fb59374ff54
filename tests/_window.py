"""The main window as the app tests open it: offscreen, quiet, silent audio, its
settings in the test's own folder, and no save prompt."""
from __future__ import annotations

from PySide6.QtCore import QSettings, QStandardPaths


def open_window(qtbot, folder):
    from app.window import MainWindow
    QStandardPaths.setTestModeEnabled(True)
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("quiet", True)
    settings.setValue("preview/onnxruntime", False)    # torch decodes; test_progressive checks ORT
    w = MainWindow(settings, audio="silent")
    w.ask_save = lambda: "discard"
    qtbot.addWidget(w)
    w.show()
    return w
