"""The window's background extras: emotion analysis, voice cloning, export.

A mixin of MainWindow; results come back through the editor's job runner.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog


class JobActions:
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
        steps = int(self.settings.value("clone/steps", 30))    # 30 steps: minutes on a CPU
        self.activity.setText(f"cloning a voice from {Path(ref).name} ({steps} steps)…")
        self.editor.runner.submit(
            f"job:clone:{self.current}",
            lambda progress, cancel: cached_clone(ref, steps, progress=progress, cancel=cancel),
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
            self._close_export_dialog()
            files = "\n".join(str(p) for p in result.files)
            warn = ("\n\n" + "\n".join(result.warnings)) if result.warnings else ""
            self.activity.setText(f"exported {len(result.files)} files")
            self.last_export = result
            if not self.quiet():          # not modal: the editor stays usable
                box = QMessageBox(QMessageBox.Icon.Information, "Export finished",
                                  f"Wrote {len(result.files)} files:\n{files}{warn}",
                                  QMessageBox.StandardButton.Ok, self)
                box.setModal(False)
                box.show()
                self._export_box = box
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
            if key == "job:export":
                self._close_export_dialog()
            self.last_error = msg
            self.show_message(msg)

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
        job = self.editor.runner.submit("job:export", lambda progress, cancel:
                                        export_session(session, opts, progress, cancel),
                                        "exporting")
        if self.quiet():
            return
        dlg = QProgressDialog("Rendering the cues that are not ready…", "Cancel", 0, 100, self)
        dlg.setWindowTitle("Export")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.canceled.connect(job.cancel)
        dlg.canceled.connect(self._export_cancelled)
        self._export_dialog = dlg
        dlg.show()

    def _export_progress(self, key: str, fraction: float, message: str) -> None:
        dlg = getattr(self, "_export_dialog", None)
        if key == "job:export" and dlg is not None:
            dlg.setValue(int(round(100 * fraction)))
            dlg.setLabelText(message)

    def _export_cancelled(self) -> None:
        self._close_export_dialog()
        self.activity.setText("export cancelled; the files written so far are complete")

    def _close_export_dialog(self) -> None:
        dlg = getattr(self, "_export_dialog", None)
        self._export_dialog = None
        if dlg is not None:
            dlg.blockSignals(True)
            dlg.close()
