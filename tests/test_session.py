"""core.session: per-cue caching, the stage an edit costs, supersession; real engine."""
import numpy as np
import pytest

from core.constants import FRAME_SAMPLES
from core.edits import DrawCurve, Restore, Retime, SetInstruction, SetText
from core.errors import Cancelled
from core.project import Cue, Project
from core.session import Session

def one_cue(text="Bin blue.", start=0.5, end=1.3, **kw):
    return Project(cues=[Cue(id="c1", text=text, start=start, end=end, **kw)])


@pytest.fixture(scope="module")
def first_line(engine):
    """A new session's first update of one_cue() (tests that only read it share it)."""
    s = Session(one_cue(), engine_factory=lambda: engine)
    assert s.status("c1") == "new" and s.needs("c1") == "predict"
    return s, s.update("c1")


def test_update_predicts_fits_the_slot_and_renders(first_line):
    s, r = first_line
    assert r.predicted and r.current and not r.partial
    assert r.alignment.n_frames == 32                 # fitted to the 0.8 s slot
    assert len(r.audio) == r.alignment.n_samples
    assert s.status("c1") == "rendered" and s.audio("c1") is r.audio
    assert s.update("c1").cached                      # nothing to do twice


def test_boundary_edit_renders_only_and_undo_hits_the_cache(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    first = s.update("c1")
    d = list(first.alignment.durations)
    d[2] += 6
    undo = s.apply(Retime("c1", tuple(d)))
    assert s.needs("c1") == "render" and s.status("c1") == "stale"
    r = s.update("c1")
    assert not r.predicted and r.partial
    assert len(r.audio) == len(first.audio) + 6 * FRAME_SAMPLES
    assert s.status("c1") == "edited"
    # the untouched start of the line is the same audio
    assert np.allclose(r.audio[:FRAME_SAMPLES], first.audio[:FRAME_SAMPLES], atol=1e-4)
    assert isinstance(undo, Restore)
    s.apply(undo)
    back = s.update("c1")
    assert back.cached and np.array_equal(back.audio, first.audio)


def test_a_drag_right_after_a_prediction_re_renders_only_its_span(engine):
    """The predicted alignment is rendered in its saved (rounded) form, so the first
    edit differs from it only where it was edited, and the audio before is kept as is."""
    s = Session(one_cue("Bin blue with e four now.", 0.0, 2.0), engine_factory=lambda: engine)
    first = s.update("c1")
    al = s.project.cue("c1").alignment
    k = len(al.durations) - 4
    d = list(al.durations)
    d[k] += 3
    s.apply(Retime("c1", tuple(d)))
    r = s.update("c1")
    keep = (al.boundaries()[k] - 20) * FRAME_SAMPLES     # well before the edit and its context
    assert keep > 0 and r.partial
    assert np.array_equal(r.audio[:keep], first.audio[:keep])


def test_instruction_edit_re_predicts(engine):
    s = Session(one_cue(rate_instruction="Speak evenly."), engine_factory=lambda: engine)
    before = list(s.update("c1").alignment.durations)
    s.apply(SetInstruction("c1", "rate", "Very slow, with a long pause after every word."))
    assert s.needs("c1") == "predict"
    r = s.update("c1")
    assert r.predicted and r.alignment.instructions["rate"].startswith("Very slow")
    assert "missing" not in r.note                   # the shipped IDD/IEC checkpoints ran
    assert sum(r.alignment.durations) == sum(before)  # still fills the cue's slot
    assert list(r.alignment.durations) != before     # ... with a different rhythm


def test_a_newer_edit_supersedes_a_running_job(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    s.update("c1")
    d = list(s.project.cue("c1").alignment.durations)
    d[1] += 3
    s.apply(Retime("c1", tuple(d)))
    calls = []

    def cancel():                     # the user edits again while the job runs
        if not calls:
            calls.append(1)
            s.apply(SetText("c1", "Bin red."))
        return False
    with pytest.raises(Cancelled):
        s.update("c1", cancel=cancel)
    assert s.needs("c1") == "predict" and s.audio("c1") is None
    r = s.update("c1")
    assert "ɹ" in "".join(r.alignment.phonemes)


def test_curve_edit_changes_the_audio(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    a = s.update("c1").audio
    f0 = np.asarray(s.project.cue("c1").alignment.f0)
    s.apply(DrawCurve("c1", "f0", tuple(np.where(f0 > 0, f0 * 1.5, 0))))
    r = s.update("c1")
    assert len(r.audio) == len(a) and not np.allclose(r.audio, a, atol=1e-3)
    assert s.project.cue("c1").edited == {"f0": True}


def test_invalidate_renders_in_full_again(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    a = s.update("c1").audio
    s.invalidate("c1")
    assert s.audio("c1") is None and s.needs("c1") == "render"
    r = s.update("c1")
    assert not r.partial and not r.cached and not r.predicted
    assert np.array_equal(r.audio, a)                 # rendering is deterministic


def test_render_all_redoes_a_cue_edited_while_it_rendered(engine):
    s = Session(one_cue(), engine_factory=lambda: engine)
    calls = []

    def progress(f, msg):              # the user edits the line while it is predicted
        if not calls and "predicting" in msg:
            calls.append(1)
            s.apply(SetText("c1", "Bin red."))
    out = s.render_all(progress)
    assert calls and len(out["c1"]) == s.project.cue("c1").alignment.n_samples
    assert "ɹ" in "".join(s.project.cue("c1").alignment.phonemes)


def test_render_all_can_hand_each_line_to_disk_and_let_go_of_it(engine, first_line, tmp_path):
    from core.spill import SpilledAudio
    s = Session(one_cue(), engine_factory=lambda: engine)
    kept = {"c1": first_line[1].audio}       # the same line, kept in memory by a session
    with SpilledAudio(near=tmp_path) as store:
        out = s.render_all(into=store)
        assert out is store and list(store) == ["c1"]
        assert np.array_equal(store["c1"], kept["c1"])         # the same line, from disk
        assert s.audio("c1") is None and not s.state("c1").renders   # the session holds none
        assert s.project.cue("c1").alignment is not None      # the timing stays (dub --save)
        assert len(list(tmp_path.iterdir())) == 1
    assert not list(tmp_path.iterdir())                       # removed on close
