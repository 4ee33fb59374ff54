"""The selected cue: shows it in the panels and the timeline, and turns the
panels' and the timeline's edits into editor edits of that cue."""
from __future__ import annotations

from PySide6.QtCore import QObject

from core.constants import SAMPLE_RATE


class CueSelection(QObject):
    def __init__(self, editor, transport, cues, instructions, voice, timeline, parent=None):
        super().__init__(parent)
        self.editor, self.transport = editor, transport
        self.cues, self.instructions, self.voice, self.timeline = cues, instructions, voice, timeline
        self.current: str | None = None
        cues.cueSelected.connect(self.select)
        instructions.fieldEdited.connect(self._field_edited)
        instructions.entitiesEdited.connect(self._entities_edited)
        voice.voiceChosen.connect(self._voice_chosen)
        timeline.boundaryMoved.connect(self._boundary_moved)
        timeline.curveEdited.connect(self._curve_edited)
        timeline.cueTimingChanged.connect(self._timing_edited)
        editor.cueChanged.connect(self.changed)
        editor.chunkReady.connect(self._chunk_ready)

    @property
    def session(self):
        return self.editor.session

    def cue(self):
        return self.session.project.cue(self.current) if self.current else None

    def clear(self) -> None:
        self.current = None
        self.instructions.set_cue(None)
        self.voice.set_voice(None)

    def select(self, cue_id: str) -> None:
        if self.current and self.current != cue_id:
            self.instructions.commit()          # text still being typed belongs to the old cue
        self.current = cue_id
        cue = self.session.project.cue(cue_id)
        self.cues.select(cue_id)
        self.instructions.set_cue(cue, self.session.state(cue_id).note)
        self.voice.set_voice(cue.voice)
        self.timeline.show_cue(cue, cue.alignment, self.session.audio(cue_id))
        self.fit()
        self.transport.seek(cue.start)
        self.editor.ensure(cue_id)

    def select_relative(self, step: int) -> None:
        ids = self.cues.ids
        if ids:
            i = ids.index(self.current) if self.current in ids else -step
            self.select(ids[max(0, min(len(ids) - 1, i + step))])

    def changed(self, cue_id: str) -> None:
        """A cue's data changed (an edit, undo, a render): redraw what shows it."""
        cue = self.session.project.cue(cue_id)
        self.cues.update_cue(cue, self.session.project.video.fps)
        if cue_id != self.current:
            return
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

    def _chunk_ready(self, cue_id: str, chunk) -> None:
        """Progressive rendering (core/progressive.py): the new chunk goes into the sound
        now playing, and the timeline fills in."""
        self.transport.chunk_ready(cue_id, chunk)
        self.changed(cue_id)

    def fit(self) -> None:
        """Zoom the timeline to the cue, or to its audio when that runs longer."""
        c = self.cue()
        if c is not None:
            a = self.session.audio(c.id)
            length = len(a) / SAMPLE_RATE if a is not None else 0.0
            self.timeline.fit(c.start, max(c.end, c.start + length))

    def loop(self) -> None:
        c = self.cue()
        if c is not None:
            self.transport.loop_range(c.start, c.end)

    def rerender(self) -> None:
        if self.current:
            self.session.invalidate(self.current)
            self.editor.schedule_now(self.current)

    # ------------------------------------------------ edits of the selected cue
    def _field_edited(self, field: str, old: str, new: str) -> None:
        if self.current:
            self.editor.edit_field(self.current, field, old, new)

    def _entities_edited(self, old: dict, new: dict, name: str) -> None:
        if self.current:
            self.editor.edit_entities(self.current, old, new, name)

    def _voice_chosen(self, voice) -> None:
        c = self.cue()
        if c is not None:
            self.editor.edit_field(c.id, "voice", c.voice, voice)

    def _boundary_moved(self, k: int, frames: int, finished: bool) -> None:
        if self.current:
            self.editor.drag_boundary(self.current, k, frames, finished)

    def _curve_edited(self, name: str, values, drag_id: int, finished: bool) -> None:
        if self.current:
            self.editor.edit_curve(self.current, name, values, drag_id, finished)

    def _timing_edited(self, start: float, end: float) -> None:
        c = self.cue()
        if c is not None:
            self.editor.edit_field(c.id, "timing", (c.start, c.end), (start, end))
