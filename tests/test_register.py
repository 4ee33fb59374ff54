"""The register clause: the median pitch an emotion instruction states."""
import numpy as np

from core.cue_audio import CueSpec, predict_cue
from core.instruct import register

TEXT = "Wait, we can look at that."


def test_parse_reads_the_stated_median_pitch():
    writer = "The original voice has a median pitch of 177 Hz and a lively melody."
    assert register.parse(writer) == 177.0
    assert register.parse("Speak with a median pitch of about 120.5 hz.") == 120.5
    assert register.parse("The character looks calm.") is None
    assert register.parse("a median pitch of 5000 Hz") is None           # not a voice


def test_apply_moves_the_median_and_keeps_unvoiced_frames():
    f0 = np.array([0, 200, 210, 190, 0, 220, 200, 0], np.float32)
    out, st = register.apply(f0, "a median pitch of 150 Hz", notes := [])
    assert np.all(out[f0 == 0] == 0)
    assert abs(np.median(out[out > 0]) - 150.0) < 0.5
    assert abs(st - 12 * np.log2(150 / 200)) < 1e-3 and "150 Hz" in notes[0]
    deep, st = register.apply(f0, "a median pitch of 80 Hz", notes := [])
    assert st == -register.MAX_SHIFT_ST                                   # the voice keeps its character
    assert abs(np.median(deep[deep > 0]) - 200 * 2 ** (-register.MAX_SHIFT_ST / 12)) < 0.5
    assert "the most it moves" in notes[0]
    same, st = register.apply(f0, "The character looks calm.", [])
    assert st == 0.0 and np.array_equal(same, f0)


def test_prediction_takes_the_instructions_register(engine):
    calm = "The character looks calm."
    plain, _ = predict_cue(engine, CueSpec("a", TEXT, emotion_instruction=calm, voice="en_lj"))
    deep, note = predict_cue(engine, CueSpec(
        "a", TEXT, emotion_instruction=calm + " The original voice has a median pitch of 120 Hz.",
        voice="en_lj"))
    voiced = lambda f: f[f > 10]
    assert np.array_equal(plain.f0 > 10, deep.f0 > 10)                   # the same voicing
    assert abs(np.median(voiced(deep.f0)) - max(120.0, np.median(voiced(plain.f0)) * 2 ** (-8 / 12))) < 2.0
    assert np.median(voiced(plain.f0)) > 140.0 and "register:" in note
    assert deep.extra["register_st"] < -2.0
