"""Alignment record: arrays in memory, validation, JSON round trip, retiming without a model."""
import numpy as np
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
    assert list(new.f0[10:12]) == [0, 0]                  # b's unvoiced start stays unvoiced
    assert np.array_equal(new.f0[12:16], line().f0[8:12])        # b unchanged


def test_move_boundary_keeps_the_total_and_clamps():
    al = line()
    moved = move_boundary(al, 2, 1)                  # a gains a frame from b
    assert list(moved.durations) == [1, 3, 2, 1] and moved.n_frames == al.n_frames
    assert list(move_boundary(al, 2, 10).durations) == [1, 5, 0, 1]
    with pytest.raises(AlignmentError):
        move_boundary(al, 0, 1)


def test_json_round_trip_and_validation(tmp_path):
    al = line()
    al.save(tmp_path / "a.json")
    back = Alignment.load(tmp_path / "a.json")
    assert back == al and back.f0.dtype == np.float32
    bad = al.copy()
    bad.durations[1] = -1
    with pytest.raises(AlignmentError, match="non-negative"):
        bad.validate()
    (tmp_path / "b.json").write_text("{not json")
    with pytest.raises(AlignmentError, match="not valid JSON"):
        Alignment.load(tmp_path / "b.json")


def test_arrays_in_memory_lists_on_save_and_an_exact_copy():
    al = line()
    assert al.durations.dtype == np.int64 and al.f0.dtype == al.energy.dtype == np.float32
    al.f0 = [x * 1.5 for x in al.f0]                 # whatever is assigned becomes an array
    assert isinstance(al.f0, np.ndarray) and al.f0.dtype == np.float32
    d = al.to_dict()
    assert type(d["durations"][0]) is int and type(d["f0"][2]) is float
    al.f0[3] = 123.456789                            # not representable in 3 decimals
    twin = al.copy()
    assert twin == al and twin.f0 is not al.f0 and twin.f0.tobytes() == al.f0.tobytes()
    twin.f0[3] += 1e-4
    assert twin != al and al.f0[3] == np.float32(123.456789)
    al.energy[0] = float("nan")
    with pytest.raises(AlignmentError, match="finite"):
        al.validate()
