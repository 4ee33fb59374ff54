"""Undo commands. Every edit is one; a drag pushes many that merge into one step.

Commands call `editor.apply_*` so that the window, the session and the
re-render scheduling stay in one place (the editor), and undo/redo go the same way.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

ALIGNMENT_EDIT, ENTITY_EDIT = 1001, 1002


class FieldEdit(QUndoCommand):
    """A cue's text, rate instruction, emotion instruction or voice."""

    def __init__(self, editor, cue_id: str, field: str, old, new, label: str = ""):
        super().__init__(label or f"edit {field.replace('_', ' ')}")
        self.editor, self.cue_id, self.field, self.old, self.new = editor, cue_id, field, old, new

    def redo(self):
        self.editor.apply_field(self.cue_id, self.field, self.new)

    def undo(self):
        self.editor.apply_field(self.cue_id, self.field, self.old)


class EntitiesEdit(QUndoCommand):
    """Emotion entity weights; consecutive changes of one weight merge."""

    def __init__(self, editor, cue_id: str, old: dict, new: dict, name: str = ""):
        super().__init__(f"edit {name or 'emotion'} weight")
        self.editor, self.cue_id, self.old, self.new, self.name = editor, cue_id, old, new, name

    def id(self):
        return ENTITY_EDIT

    def mergeWith(self, other):
        if other.cue_id != self.cue_id or other.name != self.name or not self.name:
            return False
        self.new = other.new
        return True

    def redo(self):
        self.editor.apply_entities(self.cue_id, self.new)

    def undo(self):
        self.editor.apply_entities(self.cue_id, self.old)


class AlignmentEdit(QUndoCommand):
    """Durations, F0 or energy: render only. All steps of one drag merge into one."""

    def __init__(self, editor, cue_id: str, old, new, old_edited: dict, new_edited: dict,
                 drag_id: int | None = None, label: str = "edit timing"):
        super().__init__(label)
        self.editor, self.cue_id = editor, cue_id
        self.old, self.new = old.copy(), new.copy()
        self.old_edited, self.new_edited = dict(old_edited), dict(new_edited)
        self.drag_id = drag_id

    def id(self):
        return ALIGNMENT_EDIT

    def mergeWith(self, other):
        if self.drag_id is None or other.drag_id != self.drag_id or other.cue_id != self.cue_id:
            return False
        self.new, self.new_edited = other.new, other.new_edited
        return True

    def redo(self):
        self.editor.apply_alignment(self.cue_id, self.new, self.new_edited)

    def undo(self):
        self.editor.apply_alignment(self.cue_id, self.old, self.old_edited)
