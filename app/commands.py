"""Undo commands: thin Qt adapters around core.edits operations.

`redo` applies the operation through the editor (which also schedules the
re-render) and keeps the inverse; `undo` applies the inverse and keeps what that
returns, the exact redo. The steps of one drag merge into one command.
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

EDIT = 1001


class EditCommand(QUndoCommand):
    def __init__(self, editor, op, label: str):
        super().__init__(label)
        self.editor, self.op, self.inverse = editor, op, None

    def id(self):
        return EDIT

    def mergeWith(self, other):
        if self.inverse is None or other.inverse is None:
            return False
        merged = self.op.merge(other.op)
        if merged is None:
            return False
        self.op = merged              # self.inverse still restores the state before the drag
        return True

    def redo(self):
        self.inverse = self.editor.apply(self.op)

    def undo(self):
        self.op = self.editor.apply(self.inverse)
