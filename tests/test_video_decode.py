"""Video I/O: probing, frame streaming, audio tracks, damaged and missing files."""
import numpy as np
import pytest

from _synth_video import mux_audio, write_cartoon
from core.video.decode import VideoError, iter_audio_blocks, iter_frames, probe, read_audio


@pytest.fixture
def silent_video(tmp_path):
    return write_cartoon(tmp_path / "cartoon.avi", np.zeros(50))


def test_probe_reads_rate_length_and_no_audio(silent_video):
    m = probe(silent_video)
    assert m.fps == pytest.approx(25.0)
    assert m.n_frames == 50 and m.duration == pytest.approx(2.0)
    assert (m.width, m.height) == (240, 240)
    assert m.has_audio is False


def test_frames_stream_with_stride_and_span(silent_video):
    m = probe(silent_video)
    frames = list(iter_frames(str(silent_video), m.fps, start=0.4, end=1.2, stride=3, max_width=120))
    assert [f.index for f in frames] == [10, 13, 16, 19, 22, 25, 28]
    assert frames[0].time == pytest.approx(0.4)
    assert frames[0].small.shape == (120, 120, 3) and frames[0].full.shape == (240, 240, 3)


def test_audio_track_is_found_and_read(tmp_path, silent_video):
    sr = 16000
    t = np.arange(2 * sr) / sr
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    v = mux_audio(silent_video, tone, sr, tmp_path / "with_audio.mkv")
    m = probe(v)
    assert m.has_audio
    a = read_audio(str(v), start=0.5, duration=1.0)
    assert abs(len(a) - sr) < 400
    assert np.sqrt(np.mean(a ** 2)) == pytest.approx(0.3 / np.sqrt(2), rel=0.15)
    blocks = list(iter_audio_blocks(str(v), block_seconds=0.5))
    assert len(blocks) >= 4 and all(len(b) <= sr // 2 for b in blocks)


def test_corrupt_file_gets_a_clear_message(tmp_path):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(VideoError, match="damaged or not a video"):
        probe(bad)


def test_truncated_file_gets_a_clear_message(tmp_path, silent_video):
    cut = tmp_path / "cut.avi"
    cut.write_bytes(silent_video.read_bytes()[:300])
    with pytest.raises(VideoError):
        probe(cut)


def test_missing_file(tmp_path):
    with pytest.raises(VideoError, match="no such video"):
        probe(tmp_path / "nope.mp4")
