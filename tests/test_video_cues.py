"""Cue timing from activity spans: grouping, splitting, fallback."""
import numpy as np
import pytest

from core.video.cues import assign


def test_one_span_per_line():
    times, how = assign([(0.5, 1.5), (2.0, 2.4), (3.0, 5.0)], ["one two three", "four", "five six seven"], 6.0)
    assert times == [(0.5, 1.5), (2.0, 2.4), (3.0, 5.0)] and how == "grouped"


def test_extra_spans_are_grouped_by_syllable_share():
    # the long first line covers the first two spans
    spans = [(0.0, 1.0), (1.2, 2.0), (3.0, 3.5)]
    times, _ = assign(spans, ["a very long sentence with many words", "short one"], 4.0)
    assert times == [(0.0, 2.0), (3.0, 3.5)]


def test_lines_break_at_the_long_pause_not_where_the_shares_fit_best():
    # the VAD split each line once (spans from a real guide under a faint noise floor):
    # by syllable share alone the break would fall in the 0.1-s gap at 2.65 s
    spans = [(0.514, 0.67), (0.77, 1.726), (2.498, 2.654), (2.754, 3.806)]
    times, how = assign(spans, ["One two three four five.", "Six seven eight."], 4.0)
    assert how == "grouped" and times == [(0.514, 1.726), (2.498, 3.806)]
    # with no long pause the shares still decide
    even = [(0.0, 0.5), (0.6, 1.0), (1.1, 1.5), (1.6, 2.0)]
    assert assign(even, ["one two three", "four"], 3.0)[0] == [(0.0, 1.5), (1.6, 2.0)]


def test_fewer_spans_are_split_by_syllables():
    times, how = assign([(1.0, 4.0)], ["one two", "three four five six"], 5.0)
    assert how == "split by syllables"
    assert times[0] == (1.0, pytest.approx(2.0, abs=0.01)) and times[1][1] == pytest.approx(4.0, abs=0.01)


def test_no_activity_splits_evenly():
    times, how = assign([], ["a", "b", "c"], 6.0)
    assert times == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)] and how == "even split"


def test_a_feature_length_script_is_grouped_quickly():
    import time
    rng = np.random.default_rng(0)
    t, spans = 0.0, []
    for _ in range(1500):                        # 1500 speech spans over about 2 hours
        t += rng.uniform(0.3, 6.0)
        d = rng.uniform(0.3, 3.0)
        spans.append((t, t + d))
        t += d
    texts = ["a line of some words"] * 1000
    t0 = time.perf_counter()
    times, how = assign(spans, texts, t + 1)
    assert how == "grouped" and len(times) == 1000
    assert all(a < b for a, b in times) and all(times[i][1] <= times[i + 1][0] for i in range(999))
    assert time.perf_counter() - t0 < 20
