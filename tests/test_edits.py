"""core.edits: typed edit operations, their exact inverses and drag merging, without Qt."""
import numpy as np
import pytest

from core.alignment import Alignment
from core.edits import (DrawCurve, Retime, SetEntities, SetInstruction, SetText, SetTiming,
                        SetVoice, merge_curve)
from core.errors import UserError
from core.project import Cue, Project
from core.session import Session


def hand_alignment() -> Alignment:
    """Five phonemes with curves that vary, made by hand (no model)."""
    durs = [2, 3, 4, 3, 2]
    n = 2 * sum(durs)
    f0 = np.where(np.arange(n) % 5 == 0, 0.0, 100 + 7.3 * np.arange(n))
    return Alignment(phonemes=["$", "b", "ɪ", "n", "$"], durations=durs, f0=f0,
                     energy=np.linspace(0.1, 0.9, n), voice="jm_kumo")


def session() -> Session:
    cue = Cue(id="c1", text="Bin.", start=0.5, end=1.3, emotion_instruction="Calm.",
              entities={"neutral": 0.8, "sad": 0.2}, alignment=hand_alignment())
    return Session(Project(cues=[cue]), engine_factory=lambda: pytest.fail("no engine here"))


def state(s: Session) -> tuple:
    """Everything an edit may change, compared exactly (arrays by their bytes)."""
    c = s.project.cue("c1")
    al = c.alignment
    return (c.text, c.rate_instruction, c.emotion_instruction, repr(c.entities), repr(c.voice),
            c.start, c.end, repr(c.edited), tuple(al.phonemes), al.durations.tobytes(),
            al.f0.tobytes(), al.energy.tobytes())


OPS = [
    SetText("c1", text="Bin red."),
    SetInstruction("c1", which="rate", value="Fast, then slow."),
    SetInstruction("c1", which="emotion", value="Furious."),
    SetEntities("c1", entities={"angry": 1.0}),
    SetVoice("c1", voice={"vector": [0.1] * 256, "clone": {"f0_ratio": 1.2}}),
    SetTiming("c1", start=0.4, end=1.6),
    Retime("c1", durations=(2, 5, 2, 3, 2)),
    DrawCurve("c1", name="f0", values=tuple(np.full(28, 150.0))),
    DrawCurve("c1", name="energy", values=tuple(np.full(28, 0.5))),
]


@pytest.mark.parametrize("op", OPS, ids=lambda op: type(op).__name__)
def test_every_operation_changes_the_cue_and_its_inverse_restores_it_exactly(op):
    s = session()
    before = state(s)
    inverse = s.apply(op)
    after = state(s)
    assert after != before
    assert s.needs("c1") == op.need
    redo = s.apply(inverse)
    assert state(s) == before
    s.apply(redo)                          # the inverse of the inverse is the exact redo
    assert state(s) == after


def test_the_stage_an_edit_costs():
    s = session()
    s.apply(Retime("c1", durations=(2, 4, 3, 3, 2)))
    assert s.needs("c1") == "render"
    s.apply(SetText("c1", text="Bin red."))
    assert s.needs("c1") == "predict"
    s.apply(DrawCurve("c1", name="f0", values=tuple(np.full(28, 150.0))))
    assert s.needs("c1") == "predict"       # a pending prediction is not downgraded


def test_a_new_emotion_drops_analysed_weights_but_keeps_hand_set_ones():
    s = session()
    s.apply(SetInstruction("c1", which="emotion", value="Furious."))
    assert s.project.cue("c1").entities == {}
    s = session()
    s.apply(SetEntities("c1", entities={"angry": 0.6, "sad": 0.0}))
    assert s.project.cue("c1").entities == {"angry": 0.6}
    assert s.project.cue("c1").edited == {"entities": True}
    s.apply(SetInstruction("c1", which="emotion", value="Whispered."))
    assert s.project.cue("c1").entities == {"angry": 0.6}


def test_retime_stretches_curves_and_marks_the_edit():
    s = session()
    s.apply(Retime("c1", durations=(2, 6, 4, 3, 2)))
    al = s.project.cue("c1").alignment
    assert list(al.durations) == [2, 6, 4, 3, 2] and len(al.f0) == 2 * 17
    assert np.array_equal(al.f0[:4], hand_alignment().f0[:4])     # the first phoneme is as it was
    assert s.project.cue("c1").edited == {"durations": True}


def test_drawing_moves_only_the_points_drawn():
    s = session()
    old = hand_alignment().f0
    drawn = old.astype(np.float32).astype(np.float64)               # float32 noise everywhere
    drawn[6:9] = 222.0
    s.apply(DrawCurve("c1", name="f0", values=tuple(drawn)))
    new = s.project.cue("c1").alignment.f0
    moved = np.flatnonzero(new != old.astype(new.dtype))
    assert list(moved) == [6, 7, 8] and np.all(new[6:9] == 222.0)
    with pytest.raises(UserError):
        merge_curve(old, [1.0])


def test_steps_of_one_drag_merge_and_one_inverse_undoes_the_whole_drag():
    s = session()
    before = state(s)
    steps = [Retime("c1", durations=(2, 3 + i, 4, 3, 2), drag=7) for i in (1, 2, 3)]
    first = s.apply(steps[0])
    merged = steps[0]
    for op in steps[1:]:
        s.apply(op)
        merged = merged.merge(op)
    assert merged is steps[-1]
    assert Retime("c1", durations=(2, 4, 4, 3, 2), drag=8).merge(steps[0]) is None
    assert Retime("c1", durations=(2, 4, 4, 3, 2)).merge(steps[0]) is None  # not a drag
    assert (DrawCurve("c1", "f0", (), drag=3).merge(DrawCurve("c1", "energy", (), drag=3))
            is None)
    assert SetEntities("c1", {"sad": 1}, name="sad").merge(
        SetEntities("c1", {"sad": 0.5}, name="sad")).entities == {"sad": 0.5}
    s.apply(first)
    assert state(s) == before


def test_bad_edits_are_refused_and_change_nothing():
    s = session()
    before = state(s)
    with pytest.raises(UserError):
        s.apply(SetTiming("c1", start=1.0, end=1.0))
    with pytest.raises(UserError):
        s.apply(DrawCurve("c1", name="pitch", values=(1.0,)))
    with pytest.raises(UserError):
        s.apply(Retime("c1", durations=(1, 2)))
    assert state(s) == before
    fresh = Session(Project(cues=[Cue(id="c2", text="x", start=0, end=1)]))
    with pytest.raises(UserError, match="no timing"):
        fresh.apply(Retime("c2", durations=(1,)))
