"""The editor's controller: edits become undo commands, commands change the
session, changes schedule (debounced) background re-renders, results come back.

Widgets talk to this object only; it holds no widgets itself.
"""
from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app.commands import EditCommand
from app.workers import Debouncer, JobRunner
from core import edits
from core.session import Session

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
        """text, rate_instruction, emotion_instruction, voice or timing ((start, end))."""
        if old == new:
            return
        if field == "text":
            op = edits.SetText(cue_id, text=new)
        elif field in ("rate_instruction", "emotion_instruction"):
            op = edits.SetInstruction(cue_id, which=field.split("_")[0], value=new)
        elif field == "voice":
            op = edits.SetVoice(cue_id, voice=new)
        elif field == "timing":
            op = edits.SetTiming(cue_id, start=new[0], end=new[1])
        else:
            raise ValueError(f"unknown field {field}")
        self.undo.push(EditCommand(self, op, f"edit {field.replace('_', ' ')}"))

    def edit_entities(self, cue_id: str, old: dict, new: dict, name: str = "") -> None:
        if old != new:
            self.undo.push(EditCommand(self, edits.SetEntities(cue_id, entities=dict(new),
                                                               name=name),
                                       f"edit {name or 'emotion'} weight"))

    def drag_boundary(self, cue_id: str, k: int, frames: int, finished: bool) -> None:
        """Phoneme k gets `frames` frames; later phonemes move (ripple)."""
        al = self.cue(cue_id).alignment
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
        durations = [int(d) for d in al.durations]
        durations[k] = max(1, int(frames))
        self._immediate = finished
        self.undo.push(EditCommand(self, edits.Retime(cue_id, durations=tuple(durations),
                                                      drag=drag), "move boundary"))

    def edit_curve(self, cue_id: str, name: str, values, drag_id: int, finished: bool) -> None:
        al = self.cue(cue_id).alignment
        if al is None or len(values) != len(getattr(al, name)):
            return
        self._immediate = finished
        self.undo.push(EditCommand(self, edits.DrawCurve(cue_id, name=name, values=values,
                                                         drag=drag_id), f"edit {name}"))

    # ------------------------------------------------ applied by undo commands
    def apply(self, op: edits.Edit) -> edits.Edit:
        """Apply an edit operation (undo commands call this); returns its inverse."""
        inverse = self.session.apply(op)
        self._changed(op.cue_id)
        return inverse

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

    # ------------------------------------------------ for the window (app/window.py, app/jobs.py)
    # Added by the window's rewrite so that it needs no internals; keep these public.
    def stop_all(self) -> None:
        """Cancel every render and pending re-render; cues render again when selected."""
        self.runner.cancel_all()
        for t in self.debounce.timers.values():
            t.stop()

    def on_idle(self, slot) -> None:
        """Call `slot` each time the last background render has finished."""
        self.runner.idle.connect(slot)
