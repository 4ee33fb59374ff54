"""Alignment record: validation, JSON round trip, retiming without a model."""
import pytest

from core.alignment import Alignment, AlignmentError, move_boundary, retime


def line():
    # $ a b $ : 1, 2, 3, 1 frames; a is voiced, b starts unvoiced
    f0 = [0, 0, 100, 110, 120, 130, 0, 0, 140, 150, 160, 170, 0, 0]
    return Alignment(["$", "a", "b", "$"], [1, 2, 3, 1], f0, [float(i) for i in range(14)])


def test_retime_stretches_each_phoneme_and_keeps_unvoiced_frames():
    new = retime(line(), [1, 4, 3, 1])
    assert new.n_frames == 9 and len(new.f0) == len(new.energy) == 18
    seg = new.f0[2:10]                               # phoneme a, now 4 frames
    assert seg[0] == pytest.approx(100, abs=6) and seg[-1] == pytest.approx(130, abs=6)
    assert all(v > 0 for v in seg)
    assert new.f0[10:12] == [0, 0]                   # b's unvoiced start stays unvoiced
    assert new.f0[12:16] == line().f0[8:12]          # b unchanged


def test_move_boundary_keeps_the_total_and_clamps():
    al = line()
    moved = move_boundary(al, 2, 1)                  # a gains a frame from b
    assert moved.durations == [1, 3, 2, 1] and moved.n_frames == al.n_frames
    assert move_boundary(al, 2, 10).durations == [1, 5, 0, 1]
    with pytest.raises(AlignmentError):
        move_boundary(al, 0, 1)


def test_json_round_trip_and_validation(tmp_path):
    al = line()
    al.save(tmp_path / "a.json")
    back = Alignment.load(tmp_path / "a.json")
    assert back.durations == al.durations and back.f0 == al.f0
    bad = al.copy()
    bad.durations[1] = -1
    with pytest.raises(AlignmentError, match="non-negative"):
        bad.validate()
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(AlignmentError, match="not valid JSON"):
        Alignment.load(tmp_path / "b.json")
