"""Cue timing from activity spans: grouping, splitting, fallback."""
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


def test_fewer_spans_are_split_by_syllables():
    times, how = assign([(1.0, 4.0)], ["one two", "three four five six"], 5.0)
    assert how == "split by syllables"
    assert times[0] == (1.0, pytest.approx(2.0, abs=0.01)) and times[1][1] == pytest.approx(4.0, abs=0.01)


def test_no_activity_splits_evenly():
    times, how = assign([], ["a", "b", "c"], 6.0)
    assert times == [(0.0, 2.0), (2.0, 4.0), (4.0, 6.0)] and how == "even split"
