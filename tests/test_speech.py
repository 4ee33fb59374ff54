"""core.speech: the one VAD serves the analysis (streamed) and the evaluation (whole
clips) alike; pitch tracks; the checks and the file loading every measurement uses."""
import numpy as np
import pytest
import soundfile as sf

from _synth_video import babble
from core.constants import ANALYSIS_SR as SR
from core.errors import UserError
from core.speech.checks import MeasurementError, check_audible, load_audio
from core.speech.pitch import HOP_SECONDS, pitch, pitch_track
from core.speech.vad import CHUNK, Vad, speech_probabilities, speech_segments, speech_span


@pytest.fixture(scope="module")
def line():
    """0.5 s silence, 1.5 s of babble at 150 Hz, 0.7 s silence; not a whole number of chunks."""
    sil = np.zeros(int(0.5 * SR), np.float32)
    return np.concatenate([sil, babble(4.0, 1.5, f0=150.0), np.zeros(int(0.7 * SR) + 100, np.float32)])


def test_whole_clip_and_streamed_vad_agree(line):
    whole = speech_probabilities(line)
    assert len(whole) == -(-len(line) // CHUNK)              # the last partial chunk counts
    vad = Vad()
    streamed = np.concatenate([vad.feed(line[i:i + 1000]) for i in range(0, len(line), 1000)])
    assert np.array_equal(streamed, whole[:len(streamed)])
    (s0, s1), = speech_segments(whole)
    on, off = speech_span(line, "line")
    assert s0 == pytest.approx(0.5, abs=0.1) and s1 == pytest.approx(2.0, abs=0.15)
    assert on == pytest.approx(0.5, abs=0.1) and off == pytest.approx(2.0, abs=0.15)


def test_pitch_finds_the_voice_and_leaves_silence_unvoiced(line):
    times, f0, voiced = pitch(line)
    assert times[1] - times[0] == pytest.approx(HOP_SECONDS)
    assert np.median(f0[voiced]) == pytest.approx(150, rel=0.1)
    track = pitch_track(line)
    assert np.array_equal(track > 0, voiced)
    assert not track[: int(0.4 / HOP_SECONDS)].any()            # the leading silence
    assert len(pitch(line[:SR // 20])[0]) == 0                   # under 0.1 s: no track


def test_checks_say_what_is_wrong():
    with pytest.raises(MeasurementError, match="too short"):
        check_audible(np.ones(SR // 20, np.float32), "x")
    with pytest.raises(MeasurementError, match="NaN"):
        check_audible(np.full(SR, np.nan, np.float32), "x")
    with pytest.raises(MeasurementError, match="silent"):
        pitch_track(np.zeros(SR, np.float32))
    with pytest.raises(MeasurementError, match="no speech"):
        speech_span(0.1 * np.sin(np.arange(SR) / 3).astype(np.float32), "a tone")
    assert issubclass(MeasurementError, UserError) and issubclass(MeasurementError, ValueError)


def test_load_audio_resamples_and_refuses_missing_files(tmp_path, line):
    path = tmp_path / "line.wav"
    sf.write(path, np.repeat(line, 3), 3 * SR)                   # 48 kHz on disk
    audio = load_audio(path)
    assert abs(len(audio) - len(line)) <= 2 and np.corrcoef(audio[:len(line) - 2], line[:len(line) - 2])[0, 1] > 0.9
    with pytest.raises(MeasurementError, match="no such audio"):
        load_audio(tmp_path / "missing.wav")
