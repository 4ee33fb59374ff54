"""The editor's controller: edits become undo commands, commands change the
session, changes schedule (debounced) background re-renders, results come back.

Widgets talk to this object only; it holds no widgets itself.
"""
from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.commands import AlignmentEdit, EntitiesEdit, FieldEdit
from app.workers import Debouncer, JobRunner
from core.alignment import retime
from core.session import Session, merge_curve

_drag_ids = itertools.count(1_000_000)
DEBOUNCE_MS = 150


class Editor(QObject):
    cueChanged = Signal(str)              # the cue's data changed: redraw it
    statusChanged = Signal(str, str)      # cue id, status
    activity = Signal(str)                # one line for the status bar
    progress = Signal(float, str)
    message = Signal(str)                 # something the user must read
    rendered = Signal(str, object)        # cue id, UpdateResult (current results only)
    chunkReady = Signal(str, object)      # cue id, core.progressive.Chunk (audio so far)

    def __init__(self, session: Session, parent=None):
        super().__init__(parent)
        self.session = session
        self.undo = QUndoStack(self)
        self.runner = JobRunner(self)
        self.debounce = Debouncer(self.schedule_now, DEBOUNCE_MS, self)
        self.runner.done.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.runner.progress.connect(self._progress)
        self._boundary_drag = None
        self._immediate = False              # the next change skips the debounce (drag released)
        self.last_result = None
        self.edit_count = 0                  # bumps on every applied change (autosave)
        self.closed = False

    def set_session(self, session: Session) -> None:
        """Switch projects without waiting: old jobs are cancelled and their results dropped."""
        self.runner.cancel_all()
        for t in self.debounce.timers.values():
            t.stop()
        self.session = session
        self.undo.clear()

    def cue(self, cue_id: str):
        return self.session.project.cue(cue_id)

    # ------------------------------------------------ edits from widgets (push undo steps)
    def edit_field(self, cue_id: str, field: str, old, new) -> None:
        if old != new:
            self.undo.push(FieldEdit(self, cue_id, field, old, new))

    def edit_entities(self, cue_id: str, old: dict, new: dict, name: str = "") -> None:
        if old != new:
            self.undo.push(EntitiesEdit(self, cue_id, old, new, name))

    def drag_boundary(self, cue_id: str, k: int, frames: int, finished: bool) -> None:
        """Phoneme k gets `frames` frames; later phonemes move (ripple)."""
        cue = self.cue(cue_id)
        al = cue.alignment
        if al is None:
            return
        if self._boundary_drag is None:
            self._boundary_drag = next(_drag_ids)
        drag = self._boundary_drag
        if finished:
            self._boundary_drag = None
        if al.durations[k] == frames:
            if finished:
                self.flush(cue_id)
            return
        durations = list(al.durations)
        durations[k] = max(1, int(frames))
        new = retime(al, durations)
        self._immediate = finished
        self.undo.push(AlignmentEdit(self, cue_id, al, new, cue.edited,
                                     {**cue.edited, "durations": True}, drag, "move boundary"))

    def edit_curve(self, cue_id: str, name: str, values, drag_id: int, finished: bool) -> None:
        cue = self.cue(cue_id)
        al = cue.alignment
        if al is None or len(values) != len(getattr(al, name)):
            return
        new = al.copy()
        setattr(new, name, merge_curve(getattr(al, name), values))
        self._immediate = finished
        self.undo.push(AlignmentEdit(self, cue_id, al, new, cue.edited,
                                     {**cue.edited, name: True}, drag_id, f"edit {name}"))

    # ------------------------------------------------ applied by undo commands
    def apply_field(self, cue_id: str, field: str, value) -> None:
        s = self.session
        if field == "text":
            s.set_text(cue_id, value)
        elif field == "rate_instruction":
            s.set_instructions(cue_id, rate=value)
        elif field == "emotion_instruction":
            s.set_instructions(cue_id, emotion=value)
        elif field == "voice":
            s.set_voice(cue_id, value)
        elif field == "timing":
            s.set_timing(cue_id, *value)
        else:
            raise ValueError(f"unknown field {field}")
        self._changed(cue_id)

    def apply_entities(self, cue_id: str, entities: dict) -> None:
        self.session.set_entities(cue_id, entities)
        self._changed(cue_id)

    def apply_alignment(self, cue_id: str, al, edited: dict) -> None:
        self.session.set_alignment(cue_id, al, edited)
        self._changed(cue_id)

    def _changed(self, cue_id: str) -> None:
        self.edit_count += 1
        self.statusChanged.emit(cue_id, self.session.status(cue_id))
        self.cueChanged.emit(cue_id)
        if self._immediate:      # a released drag: render now; moves while dragging wait
            self._immediate = False
            self.flush(cue_id)
        else:
            self.debounce.trigger(cue_id)

    def flush(self, cue_id: str) -> None:
        """Start pending work for a cue now instead of after the debounce delay."""
        t = self.debounce.timers.get(cue_id)
        if t is not None:
            t.stop()
        self.schedule_now(cue_id)

    # ------------------------------------------------ background work
    def ensure(self, cue_id: str) -> None:
        """Start work for a cue that is not up to date (no debounce)."""
        job = self.runner.jobs.get(cue_id)
        if self.session.needs(cue_id) is not None and (job is None or job.is_cancelled):
            self.schedule_now(cue_id)

    def shutdown(self, wait_ms: int = -1) -> bool:
        """Stop scheduling, cancel jobs and wait for the one running (an engine call
        cannot be interrupted; a thread left running at exit aborts the process)."""
        self.closed = True
        for t in self.debounce.timers.values():
            t.stop()
        self.runner.cancel_all()
        return self.runner.wait(wait_ms)

    def schedule_now(self, cue_id: str) -> None:
        need = self.session.needs(cue_id)
        if need is None or self.closed:
            return
        self.statusChanged.emit(cue_id, "rendering")
        self.activity.emit(f"{need}ing {cue_id}…")
        session = self.session
        self.runner.submit(cue_id, lambda progress, cancel, c=cue_id: session.update_progressive(
                           c, self.chunkReady.emit, cancel, progress), f"{need} {cue_id}")

    def busy(self) -> bool:
        return self.runner.busy() or any(t.isActive() for t in self.debounce.timers.values())

    def _done(self, key: str, result) -> None:
        if key.startswith("job:"):
            return
        self.last_result = result
        status = self.session.status(key)
        self.statusChanged.emit(key, status)
        if result.current:
            kind = "partial re-render" if result.partial else (
                "cached" if result.cached else ("predicted + rendered" if result.predicted
                                                else "rendered"))
            kind += ", preview" if self.session.is_preview(key) else ""
            self.activity.emit(f"{key}: {kind} in {result.seconds * 1000:.0f} ms")
            self.cueChanged.emit(key)
            self.rendered.emit(key, result)
        if self.session.needs(key) is not None:   # an edit came in meanwhile
            self.debounce.trigger(key)

    def _failed(self, key: str, msg: str) -> None:
        if key.startswith("job:"):          # extra jobs: their owner reports
            return
        self.statusChanged.emit(key, "failed")
        self.activity.emit(f"{key} failed")
        self.message.emit(msg)

    def _progress(self, key: str, f: float, msg: str) -> None:
        self.progress.emit(f, msg)

    def wait_idle(self, timeout_s: float = 60.0, process=None) -> bool:
        """Block until every job is done (tests and the headless paths)."""
        end = time.monotonic() + timeout_s
        while self.busy() and time.monotonic() < end:
            if process:
                process()
            time.sleep(0.01)
        return not self.busy()
