"""The kinds of background job the window starts, each with its own result handler."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from app import project_io
from app.jobs import BackgroundJob
from core.constants import SAMPLE_RATE
from core.errors import UserError


class ReadOriginalAudio(BackgroundJob):
    """The video's own sound, for A/B listening and the timeline's waveform."""

    label = "reading the original audio"

    def __init__(self, video: str, transport, timeline):
        super().__init__()
        self.video, self.transport, self.timeline = video, transport, timeline

    def run(self, progress, cancel):
        from core.audio import read_media_audio
        return read_media_audio(self.video, SAMPLE_RATE)

    def done(self, audio) -> None:
        self.transport.original = audio
        self.timeline.set_original(audio, SAMPLE_RATE)

    def failed(self, message: str) -> None:   # not worth a dialog: the dub still works
        self.controller.activity.emit(f"the original audio could not be read: {message}")


class LoadEngine(BackgroundJob):
    """Load the voice engine after the window is shown, so the window opens at once;
    then offer its voices in the voice panel. With `fast_preview` (the setting
    preview/onnxruntime, on by default) previews and drags decode with ONNX Runtime,
    exported from the engine's weights into the user cache on the first start."""

    label = "loading the voice engine"
    cancellable = False                       # a load cannot be stopped; its result is needed

    def __init__(self, state, voice_panel, fast_preview: bool = True):
        super().__init__()
        self.state = state                    # the EngineState line above the cue list
        self.voice_panel = voice_panel
        self.fast_preview = fast_preview

    def started(self) -> None:
        self.state.set_state("Loading the voice engine… (cues render once it is ready)")

    def run(self, progress, cancel):
        from core.synth import get_engine
        from core.voices import list_voices
        eng = get_engine()
        eng.model
        fast = False
        if self.fast_preview:
            from core.preview_ort import enable_fast_generator
            progress(0.5, "preparing the fast preview decoder (exported once, about a minute)")
            fast = enable_fast_generator(eng)
        return list_voices(), fast

    def done(self, result) -> None:
        names, fast = result
        self.state.set_state("Voice engine ready." + (" Previews decode with ONNX Runtime."
                                                      if fast else ""))
        self.voice_panel.set_names(names)

    def failed(self, message: str) -> None:
        self.state.set_state("The voice engine failed to load.", error=True)
        self.controller.report_error(f"The voice engine could not be loaded: {message}")


class AnalyseEmotion(BackgroundJob):
    """Entity weights predicted from a cue's emotion instruction (one undo step)."""

    label = "analysing the emotion instruction"

    def __init__(self, editor, cue_id: str):
        super().__init__()
        self.editor, self.cue_id = editor, cue_id
        self.text = editor.cue(cue_id).emotion_instruction

    @property
    def key(self) -> str:
        return f"analyse-emotion {self.cue_id}"

    def run(self, progress, cancel):
        from core.instruct.pipeline import analyze_emotion
        return analyze_emotion(self.text)

    def done(self, weights) -> None:
        old = dict(self.editor.cue(self.cue_id).entities)
        self.editor.edit_entities(self.cue_id, old, {k: float(v) for k, v in weights.items()})


class CloneVoice(BackgroundJob):
    """A voice tuned on a reference clip, set as the cue's voice (one undo step)."""

    label = "cloning a voice"

    def __init__(self, editor, cue_id: str, reference: str, steps: int):
        super().__init__()
        self.editor, self.cue_id, self.reference, self.steps = editor, cue_id, reference, steps

    @property
    def key(self) -> str:
        return f"clone {self.cue_id}"

    def started(self) -> None:
        self.controller.activity.emit(
            f"cloning a voice from {Path(self.reference).name} ({self.steps} steps)…")

    def run(self, progress, cancel):
        from core.voice_clone import cached_clone
        return cached_clone(self.reference, self.steps, progress=progress, cancel=cancel)

    def done(self, voice) -> None:
        from core.voice_clone import clone_note
        self.editor.edit_field(self.cue_id, "voice", self.editor.cue(self.cue_id).voice, voice)
        note = clone_note(voice)
        self.controller.activity.emit(f"voice cloned from {Path(self.reference).name}"
                                      + (f": {note}" if note else ""))


class AnalyseVideo(BackgroundJob):
    """A new project from a video and a script: cue times, mouth curves, instructions.

    If the analysis fails, the lines are spread evenly over the video instead."""

    label = "analysing"

    def __init__(self, video: str, script: str, open_new: Callable[[object, str], None]):
        super().__init__()
        self.video, self.script, self.open_new = video, script, open_new

    def started(self) -> None:
        self.controller.activity.emit("analysing the video and the script…")

    def run(self, progress, cancel):
        from core.analyze import analyze
        return analyze(self.video, self.script, progress=progress, cancel=cancel)

    def done(self, project) -> None:
        how = project.settings.get("analysis", {}).get("timing", "")
        self.open_new(project, f"analysed {len(project.cues)} cues ({how}); save the project")

    def failed(self, message: str) -> None:
        self.controller.report_error(f"The analysis failed ({message}); the lines were spread "
                                     "evenly over the video instead.")
        try:
            project, note = project_io.new_project(self.video, self.script)
        except (UserError, OSError) as e:
            self.controller.report_error(str(e))
            return
        self.open_new(project, f"analysis failed: {note}")


class Export(BackgroundJob):
    """Render what is missing and write the export; a progress dialog when `parent` is given."""

    label = "exporting"

    def __init__(self, session, options, parent=None):
        super().__init__()
        self.session, self.options, self.parent = session, options, parent
        self.dialog: QProgressDialog | None = None

    def run(self, progress, cancel):
        from core.export import export_session
        return export_session(self.session, self.options, progress, cancel)

    def started(self) -> None:
        self.controller.activity.emit("exporting…")
        if self.parent is None:
            return
        dlg = QProgressDialog("Rendering the cues that are not ready…", "Cancel", 0, 100,
                              self.parent)
        dlg.setWindowTitle("Export")
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setMinimumDuration(0)
        dlg.setAutoClose(False)
        dlg.canceled.connect(self._cancelled)
        self.dialog = dlg
        dlg.show()

    def progress(self, fraction: float, message: str) -> None:
        if self.dialog is not None:
            self.dialog.setValue(int(round(100 * fraction)))
            self.dialog.setLabelText(message)

    def done(self, result) -> None:
        self._close_dialog()
        self.controller.activity.emit(f"exported {len(result.files)} files")
        if self.parent is None:
            return
        files = "\n".join(str(p) for p in result.files)
        warn = ("\n\n" + "\n".join(result.warnings)) if result.warnings else ""
        box = QMessageBox(QMessageBox.Icon.Information, "Export finished",
                          f"Wrote {len(result.files)} files:\n{files}{warn}",
                          QMessageBox.StandardButton.Ok, self.parent)
        box.setModal(False)                   # not modal: the editor stays usable
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    def failed(self, message: str) -> None:
        self._close_dialog()
        super().failed(message)

    def _cancelled(self) -> None:
        self.handle.cancel()
        self._close_dialog()
        self.controller.activity.emit("export cancelled; the files written so far are complete")

    def _close_dialog(self) -> None:
        dlg, self.dialog = self.dialog, None
        if dlg is not None:
            dlg.blockSignals(True)
            dlg.close()
