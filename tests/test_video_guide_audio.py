"""Guide-track measurements: silero-vad (bundled ONNX), syllable nuclei, pauses, F0."""
import numpy as np
import pytest

from _synth_video import babble
from core.constants import ANALYSIS_SR as SR
from core.constants import DEFAULT_VOICE, SAMPLE_RATE
from core.guide_audio import measure, syllable_nuclei
from core.speech.vad import Vad, detect_speech, speech_segments


@pytest.fixture(scope="module")
def track():
    """0.6 s silence, 1.5 s at 4 syl/s, 0.6 s silence, 1.0 s at 5 syl/s, 0.6 s silence."""
    sil = np.zeros(int(0.6 * SR), np.float32)
    return np.concatenate([sil, babble(4.0, 1.5), sil, babble(5.0, 1.0, f0=220.0), sil])


def test_vad_finds_the_two_phrases(track):
    segs = speech_segments(Vad().feed(track))
    assert len(segs) == 2
    (a0, a1), (b0, b1) = segs
    assert a0 == pytest.approx(0.6, abs=0.1) and a1 == pytest.approx(2.1, abs=0.12)
    assert b0 == pytest.approx(2.7, abs=0.1) and b1 == pytest.approx(3.7, abs=0.15)


def test_vad_streams_block_by_block(track):
    one = Vad().feed(track)
    blocks = [track[i:i + 3000] for i in range(0, len(track), 3000)]
    assert detect_speech(blocks) == speech_segments(one)


def test_silence_is_not_speech():
    assert detect_speech([np.zeros(SR * 2, np.float32)]) == []
    assert measure(np.zeros(SR, np.float32), [])["speech_found"] is False


def test_syllables_pauses_and_pitch(track):
    segs = speech_segments(Vad().feed(track))
    nuclei = syllable_nuclei(track)
    assert len(nuclei) == 11
    m = measure(track, segs)
    assert m["syllables"] == 11
    assert m["syllable_rate"] == pytest.approx(11 / m["speech_seconds"], rel=0.01)
    assert len(m["pauses"]) == 1 and m["pauses"][0][1] - m["pauses"][0][0] == pytest.approx(0.6, abs=0.15)
    # two voices at 130 and 220 Hz: the median sits on one, the range spans both
    assert 120 < m["f0_median"] < 240
    assert m["f0_range_st"] > 6
    assert m["trend"]["second"] > m["trend"]["first"]


def test_measure_with_an_offset_keeps_video_time(track):
    segs = [(s + 10.0, e + 10.0) for s, e in speech_segments(Vad().feed(track))]
    m = measure(track, segs, offset=10.0)
    assert m["onset"] == pytest.approx(10.6, abs=0.1) and m["syllables"] == 11


@pytest.mark.slow
def test_word_timings_of_real_speech(engine):
    """Whisper tiny.en word timings on speech the engine renders (resampled 24 -> 16 kHz)."""
    from scipy.signal import resample_poly

    from core.speech.asr import word_pauses, word_timings
    say = lambda text: engine.render(engine.predict(engine.phonemize(text), voice=DEFAULT_VOICE))  # noqa: E731
    gap = np.zeros(int(0.6 * SAMPLE_RATE), np.float32)       # a 0.6 s pause after "that"
    audio = np.concatenate([say("Look at that."), gap, say("We can wait here.")])
    audio = resample_poly(audio, 2, 3).astype(np.float32)
    words = word_timings(audio, offset=5.0)
    heard = [w["word"].lower() for w in words]
    assert len(set(heard) & {"look", "at", "that", "we", "can", "wait", "here"}) >= 4, heard
    assert all(5.0 <= w["start"] <= w["end"] <= 5.0 + len(audio) / SR + 0.1 for w in words)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)
    gaps = word_pauses(words)
    assert any(p["after"].lower() == "that" and p["end"] - p["start"] > 0.3 for p in gaps), gaps
