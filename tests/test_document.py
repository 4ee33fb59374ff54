"""The project document: saved state, autosave, recovery, symlinks, recent files,
and typed text committed while typing (no engine needed)."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import shiboken6  # noqa: E402
from PySide6.QtCore import QObject, QSettings, QStandardPaths  # noqa: E402
from PySide6.QtGui import QUndoCommand, QUndoStack  # noqa: E402

from app import recovery  # noqa: E402
from app.document import ProjectDocument  # noqa: E402
from core.project import Cue, Project, autosave_path  # noqa: E402


class SetText(QUndoCommand):
    def __init__(self, project, text):
        super().__init__("set text")
        self.project, self.new, self.old = project, text, project.cues[0].text

    def redo(self):
        self.project.cues[0].text = self.new

    def undo(self):
        self.project.cues[0].text = self.old


@pytest.fixture
def settings(tmp_path):
    QStandardPaths.setTestModeEnabled(True)
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def owner(qtbot):
    """Parent of the test's Qt objects, deleted while the application still exists."""
    o = QObject()
    yield o
    shiboken6.delete(o)


def make_doc(owner, settings, project):
    d = ProjectDocument(QUndoStack(owner), lambda: project, settings, owner)
    d.project_obj = project
    d.timer.stop()                                    # the tests call autosave() themselves
    return d


@pytest.fixture
def doc(owner, settings):
    return make_doc(owner, settings, Project(cues=[Cue(id="c1", text="Bin blue.",
                                                       start=0.5, end=1.3)]))


def edit(doc, text):
    doc.undo.push(SetText(doc.project_obj, text))


def saved_project(tmp_path, text="Bin blue."):
    path = tmp_path / "proj.json"
    Project(cues=[Cue(id="c1", text=text, start=0.5, end=1.3)]).save(path)
    return path


def test_unsaved_comes_from_the_undo_stack_only(doc, tmp_path):
    assert not doc.dirty() and doc.title() == "untitled — instructdub"
    edit(doc, "Place red.")
    assert doc.dirty() and doc.title().endswith(" * — instructdub")
    doc.undo.undo()
    assert not doc.dirty()                        # back where it was saved
    doc.save(tmp_path / "p.json")
    assert not doc.dirty() and doc.path == tmp_path / "p.json"
    doc.mark_unsaved()                            # recovered work: no undo step describes it
    assert doc.dirty()
    edit(doc, "Lay white.")
    doc.undo.undo()
    assert doc.dirty()                            # undoing does not make it saved
    doc.save()
    assert not doc.dirty()


def test_autosave_writes_only_unsaved_changes_and_saving_removes_it(doc, tmp_path):
    path = saved_project(tmp_path)
    doc.opened(path)
    assert doc.autosave() is None                 # nothing changed
    edit(doc, "Place red.")
    a = doc.autosave()
    assert a == autosave_path(path) and Project.load(a).cues[0].text == "Place red."
    assert Project.load(path).cues[0].text == "Bin blue."
    assert doc.autosave() is None                 # nothing new since
    doc.save()
    assert not a.exists() and Project.load(path).cues[0].text == "Place red."


def test_recovery_offers_an_autosave_older_than_the_project_and_says_so(tmp_path):
    path = saved_project(tmp_path)
    a = autosave_path(path)
    Project(cues=[Cue(id="c1", text="Typed before the crash.", start=0.5, end=1.3)]).save(a)
    saved_project(tmp_path, "Rewritten by dub --save.")
    os.utime(a, (os.path.getmtime(path) - 60,) * 2)          # the project file is newer
    asked = []
    project, recovered = recovery.load_with_recovery(
        path, lambda title, text: asked.append(text) or True)
    assert recovered and project.cues[0].text == "Typed before the crash."
    assert len(asked) == 1 and "the saved file is newer" in asked[0]
    # the usual case: the autosave is the newer one
    os.utime(a, (os.path.getmtime(path) + 60,) * 2)
    asked.clear()
    recovery.load_with_recovery(path, lambda title, text: asked.append(text) or False)
    assert "the autosave" in asked[0] and "is newer than the saved file" in asked[0]


def test_an_autosave_identical_to_the_project_is_removed_without_asking(tmp_path):
    path = saved_project(tmp_path)
    a = autosave_path(path)
    a.write_bytes(path.read_bytes())
    project, recovered = recovery.load_with_recovery(path, lambda *_: pytest.fail("asked"))
    assert not recovered and not a.exists()


def test_declined_autosaves_are_all_kept_numbered(tmp_path):
    path = saved_project(tmp_path)
    a = autosave_path(path)
    for text in ("First crash.", "Second crash."):
        Project(cues=[Cue(id="c1", text=text, start=0.5, end=1.3)]).save(a)
        project, recovered = recovery.load_with_recovery(path, lambda *_: False)
        assert not recovered and project.cues[0].text == "Bin blue." and not a.exists()
    kept = sorted(tmp_path.glob(a.name + ".discarded-*"))
    assert [p.name[-1] for p in kept] == ["1", "2"]
    assert [Project.load(p).cues[0].text for p in kept] == ["First crash.", "Second crash."]


def test_saving_through_a_symlink_writes_the_real_file_and_keeps_the_link(doc, tmp_path):
    real = saved_project(tmp_path)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    doc.opened(link)
    edit(doc, "Place red.")
    doc.save()
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert Project.load(real).cues[0].text == "Place red."
    assert doc.path == link


def test_each_untitled_document_has_its_own_autosave(owner, settings):
    docs = []
    for text in ("First untitled.", "Second untitled."):
        d = make_doc(owner, settings, Project(cues=[Cue(id="c1", text="x", start=0.0, end=1.0)]))
        edit(d, text)
        docs.append(d)
    a, b = (d.autosave() for d in docs)
    assert a is not None and b is not None and a != b
    assert [Project.load(x).cues[0].text for x in (a, b)] == ["First untitled.",
                                                              "Second untitled."]
    assert {a, b} <= set(recovery.untitled_autosaves())
    assert a not in recovery.untitled_autosaves(exclude=a)
    for x in (a, b):
        x.unlink()


def test_autosave_failure_is_reported_and_retried(doc, tmp_path):
    path = saved_project(tmp_path)
    doc.opened(path)
    edit(doc, "Place red.")
    blocker = autosave_path(path)
    blocker.mkdir()                               # the autosave cannot be written
    failed, works = [], []
    doc.autosaveFailed.connect(failed.append)
    doc.autosaveWorks.connect(lambda: works.append(True))
    assert doc.autosave() is None
    assert failed and str(blocker) in failed[0] and "Retrying" in failed[0]
    assert doc.autosave() is None and len(failed) == 2      # tried again, still failing
    blocker.rmdir()
    assert doc.autosave() == blocker and works == [True]     # the retry succeeds
    assert Project.load(blocker).cues[0].text == "Place red." and not doc.autosave_error


def test_recent_files_keep_one_entry_as_a_list(doc, tmp_path):
    doc.add_recent(str(tmp_path / "a.json"))
    doc.settings.sync()
    again = QSettings(doc.settings.fileName(), QSettings.Format.IniFormat)
    doc.settings = again                           # one entry reads back as a string
    assert doc.recent() == [str(tmp_path / "a.json")]
    doc.add_recent(str(tmp_path / "b.json"))
    doc.add_recent(str(tmp_path / "a.json"))
    assert doc.recent() == [str(tmp_path / "a.json"), str(tmp_path / "b.json")]


def test_typed_instruction_text_is_committed_after_a_pause(qtbot):
    from app.instruction_panel import TYPING_COMMIT_MS, InstructionPanel
    panel = InstructionPanel()
    qtbot.addWidget(panel)
    edits = []
    panel.fieldEdited.connect(lambda *a: edits.append(a))
    panel.set_cue(Cue(id="c1", text="Bin blue.", start=0.0, end=1.0,
                      rate_instruction="Speak evenly."))
    field = panel.edits["rate_instruction"]
    field.moveCursor(field.textCursor().MoveOperation.End)
    qtbot.keyClicks(field, " Then faster.")         # no focus-out, no Ctrl+Enter
    assert edits == []
    qtbot.waitUntil(lambda: bool(edits), timeout=TYPING_COMMIT_MS * 3)
    assert edits == [("rate_instruction", "Speak evenly.", "Speak evenly. Then faster.")]
    # typing stopped by showing another cue is not sent later to the wrong cue
    qtbot.keyClicks(field, "!")
    panel.set_cue(Cue(id="c2", text="Place red.", start=1.0, end=2.0))
    qtbot.wait(TYPING_COMMIT_MS + 300)
    assert len(edits) == 1
