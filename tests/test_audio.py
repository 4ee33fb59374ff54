"""core.audio: resample, mixing, display mel, loudness and true-peak limiting."""
import numpy as np
import pytest

from _signals import voiced
from core import audio as au
from core import loudness as ld


def test_resample_keeps_duration_and_pitch():
    x = voiced(1.0, 24000, f0=200)
    y = au.resample(x, 24000, 48000)
    assert len(y) == 48000
    spec = np.abs(np.fft.rfft(y))
    assert abs(np.argmax(spec) * 48000 / len(y) - 200) < 2


def test_write_read_roundtrip_24bit(tmp_path):
    import soundfile as sf
    x = voiced(0.5, 48000)
    p = au.write_wav(tmp_path / "a.wav", x, 48000)
    info = sf.info(str(p))
    assert (info.samplerate, info.subtype, info.frames) == (48000, "PCM_24", len(x))
    y, sr = au.read_audio(p)
    assert sr == 48000 and np.max(np.abs(y - x)) < 1e-5


def test_read_missing_file_says_so(tmp_path):
    with pytest.raises(au.AudioError, match="no such audio file"):
        au.read_audio(tmp_path / "nope.wav")


def test_place_and_mix():
    track = np.zeros(10, np.float32)
    au.place(track, np.ones(4, np.float32), 8)      # clipped at the end
    au.place(track, np.ones(4, np.float32), -2)     # clipped at the start
    assert track.tolist() == [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    m = au.mix(np.ones(3, np.float32), np.ones(5, np.float32), 1.0, 0.5)
    assert m.tolist() == [1.5, 1.5, 1.5, 0.5, 0.5]


def test_mel_has_one_frame_per_hop_and_shows_the_tone():
    sr = 24000
    t = np.arange(sr) / sr
    mel = au.mel_spectrogram(np.sin(2 * np.pi * 3000 * t).astype(np.float32), sr, hop=300)
    assert mel.shape == (sr // 300, 80)
    bins = mel.mean(axis=0)
    low = au.mel_spectrogram(np.sin(2 * np.pi * 200 * t).astype(np.float32), sr).mean(axis=0)
    assert np.argmax(bins) > np.argmax(low) + 20


def test_normalize_reaches_target_and_ceiling():
    sr = 48000
    x = voiced(3.0, sr) * 0.05
    y, gain = ld.normalize_loudness(x, sr, -23.0, -1.0)
    assert abs(ld.loudness(y, sr) - (-23.0)) < 0.5
    assert ld.true_peak_db(y, sr) <= -1.0 + 0.05
    assert gain > 0


def test_limiter_catches_a_hot_transient():
    sr = 48000
    x = voiced(3.0, sr) * 0.02
    x[sr:sr + 200] = 0.99 * np.sign(np.sin(np.arange(200)))   # a click far above the speech
    y, _ = ld.normalize_loudness(x, sr, -23.0, -1.0)
    assert ld.true_peak_db(y, sr) <= -0.95
    assert abs(ld.loudness(y, sr) - (-23.0)) < 0.5


def test_silence_is_left_alone():
    y, gain = ld.normalize_loudness(np.zeros(48000, np.float32), 48000)
    assert gain == 0.0 and not y.any()
