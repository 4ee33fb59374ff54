"""core.tone: a line EQ'd towards its guide's spectrum, in export and on its own."""
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from core import audio as au
from core import tone
from core.export import ExportOptions, export_project
from core.project import Cue, Project, VideoInfo

LJ = Path(__file__).parent / "data" / "ljspeech" / "LJ001-0002.flac"


def _speech(sr=16000):
    audio, rate = sf.read(str(LJ), dtype="float32")
    return au.resample(audio, rate, sr)


def _muffled(audio, sr):
    """The same speech, duller: highs 12 dB/oct down from 2 kHz."""
    return sosfilt(butter(2, 2000, fs=sr, output="sos"), audio).astype(np.float32)


def test_match_moves_the_spectrum_towards_the_guide_and_keeps_the_level():
    sr = 16000
    clean = _speech(sr)
    guide = tone.bands(_muffled(clean, sr), sr)
    before = np.abs(tone.bands(clean, sr) - guide).mean()
    out = tone.match(clean, sr, guide)
    after = np.abs(tone.bands(out, sr) - guide).mean()
    assert after < 0.5 * before
    assert abs(np.sqrt(np.mean(out ** 2)) / np.sqrt(np.mean(clean ** 2)) - 1) < 1e-3
    # the EQ is limited: a target far outside +-MAX_DB is not reached
    steep = np.linspace(-60, 60, len(tone.CENTRES))
    lifted = tone.bands(tone.match(clean, sr, steep), sr) - tone.bands(clean, sr)
    assert np.ptp(lifted) <= 2 * tone.MAX_DB + 6


def test_bad_targets_leave_the_line_alone():
    clean = _speech()
    assert tone.match(clean, 16000, [1.0, 2.0]) is clean            # wrong band count
    silence = np.zeros(8000, np.float32)
    assert tone.match(silence, 16000, np.zeros(len(tone.CENTRES))) is silence


def test_export_matches_only_cues_with_a_guide(tmp_path):
    sr24 = 24000
    line = _speech(sr24)
    n = len(line) / sr24
    muffled = tone.bands(_muffled(_speech(16000), 16000), 16000)
    cues = [Cue(id="a", text="One.", start=0.0, end=n), Cue(id="b", text="Two.", start=n + 0.5, end=2 * n + 0.5)]
    cues[0].measurements = {"guide": {"tone_db": [round(float(x), 1) for x in muffled]}}
    project = Project(video=VideoInfo(path="", fps=25.0, duration=2 * n + 1.0, has_audio=False), cues=cues)
    assert set(tone.guide_tones(project)) == {"a"}
    res = export_project(project, {"a": line, "b": line}, ExportOptions(
        outdir=tmp_path, video=False, srt=False, stem=False, normalize=False, match_tone=True))
    files = sorted(p for p in res.files if p.suffix == ".wav")
    a, sr = sf.read(str(files[0]), dtype="float32")
    b, _ = sf.read(str(files[1]), dtype="float32")
    ref = au.resample(line, sr24, sr)
    assert np.allclose(b, ref, atol=1e-3)                            # no guide: untouched
    gap = lambda x: np.abs(tone.bands(au.resample(x, sr, 16000), 16000) - muffled).mean()
    assert gap(a) < 0.6 * gap(ref)
