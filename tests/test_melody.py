"""The melody clause: guide pitch -> levels -> instruction words -> predicted F0."""
import numpy as np
import pytest

from core.constants import CURVE_PER_FRAME
from core.instruct import melody
from core.instruct.pipeline import instructed_predict

TEXT = "Wow, they're really shiny."


def _word_medians(f0, durations, tokens):
    from core.instruct.corpus import word_spans
    starts = np.concatenate([[0], np.cumsum(durations)]).astype(int) * CURVE_PER_FRAME
    out = []
    for s, e in word_spans(list(tokens)):
        seg = f0[starts[s]:starts[e]]
        out.append(float(np.median(12 * np.log2(seg[seg > 10]))) if (seg > 10).any() else None)
    return out


def test_guide_levels_follow_the_pitch_of_each_word():
    t = np.arange(0, 2.0, 0.016)
    hz = np.where(t < 0.5, 300.0, np.where(t < 1.5, 200.0, 150.0))   # high, mid, low
    voiced = np.ones_like(t, bool)
    spans = melody.word_times("Up, down here low", [(0.0, 2.0)], None)
    levels = melody.word_levels(t, hz, voiced, spans, range_st=12.0)
    assert levels[0] == "high" and levels[-1] in ("low", "mid-low")
    assert levels.index("high") == 0 and "low" not in levels[:2]
    # heard words (ASR) place a word where it was said, not by its letters
    heard = [{"word": "Up", "start": 0.0, "end": 0.2}, {"word": "down", "start": 1.6, "end": 1.9}]
    assert melody.word_times("Up down", [(0.0, 2.0)], heard)[1] == (1.6, 1.9)
    # syllable nuclei: "Yesterday" (3 syllables) takes the first three, "now" the fourth
    spans = melody.word_times("Yesterday now", [(0.0, 2.0)], None, nuclei=[0.2, 0.5, 0.8, 1.7])
    assert spans[0][0] == 0.0 and spans[1][1] == 2.0
    assert 0.8 < spans[0][1] < 1.7 and spans[0][1] == spans[1][0]


def test_clause_round_trips_and_strips_cleanly():
    pairs = [["Wow,", "high"], ["they're", "mid"], ["really", "mid"], ["shiny.", "low"]]
    clause = melody.describe(pairs)
    assert clause.strip().startswith(melody.CLAUSE) and '"they\'re really" mid' in clause
    instruction = "The character looks happy." + clause + " The line is a question."
    offsets, rng = melody.parse(instruction + " (8 semitones between its low and high points)", TEXT)
    assert offsets == [0.4 * 8, 0.0, 0.0, -0.4 * 8] and rng == 8
    assert melody.strip(instruction) == "The character looks happy. The line is a question."
    assert melody.parse("The character looks happy.", TEXT) is None
    assert melody.describe([["a", None]]) == ""


def test_apply_moves_words_and_keeps_unvoiced_frames():
    tokens = list("$wW ðeɹ ʃIni$")
    durations = np.array([2, 3, 4, 1, 3, 3, 3, 1, 3, 4, 3, 4, 2])
    n = int(durations.sum()) * CURVE_PER_FRAME
    f0 = np.full(n, 200.0, np.float32)
    f0[:4] = 0.0
    out = melody.apply(f0, durations, tokens, "Wow there shiny", [4.0, None, -4.0])
    med = _word_medians(out, durations, tokens)
    assert med[0] - med[2] > 6.0                         # high first, low last
    assert np.all(out[:4] == 0.0)                        # unvoiced stays unvoiced
    assert np.array_equal(melody.apply(f0, durations, tokens, "Wow there shiny", [None] * 3), f0)
    creaky = f0.copy()
    creaky[40:52] = 15.0                                 # a word mostly at a creak's F0
    out = melody.apply(creaky, durations, tokens, "Wow there shiny", [4.0, None, -4.0])
    assert out.max() <= 200.0 * 2 ** (melody.MAX_SHIFT_ST / 12) + 1e-3


def test_prediction_follows_the_clause(engine):
    phon = engine.phonemize(TEXT)
    base = "The character looks calm (12 semitones between its low and high points)."
    up = base + f' {melody.CLAUSE} "Wow, they\'re" low, "really shiny." high.'
    down = base + f' {melody.CLAUSE} "Wow, they\'re" high, "really shiny." low.'
    a_up = instructed_predict(engine, phon, "en_lj", emotion_instruction=up, text=TEXT)
    a_down = instructed_predict(engine, phon, "en_lj", emotion_instruction=down, text=TEXT)
    m_up = _word_medians(a_up.f0, a_up.durations, a_up.phonemes)
    m_down = _word_medians(a_down.f0, a_down.durations, a_down.phonemes)
    assert m_up[-1] - m_up[0] > 4.0 and m_down[0] - m_down[-1] > 4.0
    assert any("melody: 4 of 4 words" in n for n in a_up.extra["notes"])
    assert a_up.entities == a_down.entities              # the clause is not an emotion
