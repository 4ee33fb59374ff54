"""Mouth curve -> visible syllable rate, pauses, trend, activity spans (synthetic curves)."""
import numpy as np
import pytest

from core.video.mouth import activity_spans, analyse_mouth, to_frame_rate

FPS = 25.0


def curve(segments, fps=FPS, amp=0.3, noise=0.005, seed=0):
    """segments: [(seconds, cycles_per_second)]; rate 0 = closed mouth."""
    rng = np.random.default_rng(seed)
    parts = []
    for dur, rate in segments:
        t = np.arange(int(round(dur * fps))) / fps
        parts.append(np.maximum(0, np.sin(2 * np.pi * rate * t)) * amp if rate else np.zeros(len(t)))
    x = np.concatenate(parts)
    return x + rng.normal(0, noise, len(x)) + 0.02


def test_rate_of_a_steady_talker():
    m = analyse_mouth(curve([(2.0, 4.0)]), FPS)
    assert m["visible"] and m["face_found_share"] == 1.0
    assert m["syllables"] == 8
    assert m["syllable_rate"] == pytest.approx(4.0, rel=0.15)
    assert m["pauses"] == []
    assert 0.8 < m["trend"]["ratio"] < 1.25


def test_pause_is_found_where_the_mouth_stays_closed():
    m = analyse_mouth(curve([(1.0, 4.0), (0.6, 0), (1.0, 4.0)]), FPS, start=10.0)
    assert len(m["pauses"]) == 1
    p0, p1 = m["pauses"][0]
    # the closed span runs from the last cycle's closing (0.875 s) to 1.6 s
    assert p0 == pytest.approx(10.875, abs=0.1) and p1 == pytest.approx(11.6, abs=0.1)
    # the rate discounts the pause: 8 cycles over about 2 s of speaking
    assert m["syllable_rate"] == pytest.approx(4.0, rel=0.2)


def test_trend_from_fast_to_slow():
    m = analyse_mouth(curve([(1.5, 6.0), (1.5, 2.5)]), FPS)
    assert m["trend"]["first"] > m["trend"]["second"]
    assert m["trend"]["ratio"] < 0.8


def test_still_mouth_and_missing_face_give_no_rate():
    still = analyse_mouth(np.full(50, 0.05) + np.random.default_rng(1).normal(0, 0.003, 50), FPS)
    assert not still["visible"] and "barely moves" in still["reason"]
    gone = analyse_mouth(np.full(50, np.nan), FPS)
    assert not gone["visible"] and gone["face_found_share"] == 0.0
    assert "syllable_rate" not in gone


def test_short_face_dropouts_are_bridged():
    x = curve([(2.0, 4.0)])
    x[[5, 17, 30]] = np.nan
    m = analyse_mouth(x, FPS)
    assert m["face_found_share"] == pytest.approx(47 / 50)
    assert m["syllables"] == 8


def test_resampling_to_the_frame_rate_keeps_gaps():
    times = np.array([0.0, 0.08, 0.16, 0.24, 1.0, 1.08])
    vals = np.array([0.0, 0.1, 0.2, 0.1, 0.0, 0.1])
    out = to_frame_rate(times, vals, 25.0, 0.0, 30, max_gap=0.1)
    assert out[2] == pytest.approx(0.1) and out[4] == pytest.approx(0.2)
    assert np.isnan(out[15])                     # 0.6 s: far from any measurement
    assert out[25] == pytest.approx(0.0) and out[27] == pytest.approx(0.1)


def test_activity_spans_find_talk_between_silences():
    x = curve([(1.0, 0), (1.5, 4.0), (1.2, 0), (1.0, 5.0), (0.8, 0)])
    spans = activity_spans(x, FPS)
    assert len(spans) == 2
    assert spans[0][0] == pytest.approx(1.0, abs=0.2) and spans[0][1] == pytest.approx(2.5, abs=0.2)
    assert spans[1][0] == pytest.approx(3.7, abs=0.2) and spans[1][1] == pytest.approx(4.7, abs=0.2)
