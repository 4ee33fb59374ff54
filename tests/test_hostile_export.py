"""Hostile inputs, part 4: export. Outputs are checked before any rendering, failed
exports leave no hidden temp files, and the stem is built and written in blocks."""
import os

import numpy as np
import pytest
import soundfile as sf

from core import audio as au
from core import loudness as ld
from core.errors import UserError
from core.export import ExportError, ExportOptions, export_project, export_session
from core.loudness import (LoudnessMeter, limited, loudness, normalize_loudness, normalized,
                           plan_normalization, true_peak_of)
from core.project import Cue, Project, VideoInfo
from core.session import Session
from core.stem import Stem
from tests.test_audio import voiced


def project(duration=6.0):
    cues = [Cue(id="c1", text="Bin blue with e four now.", start=0.4, end=1.6),
            Cue(id="c2", text="Place red at g.", start=3.1, end=4.0)]
    audio = {"c1": voiced(1.1, 24000, 130, seed=1), "c2": voiced(0.9, 24000, 170, seed=2) * 3}
    return Project(video=VideoInfo(fps=25.0, duration=duration), cues=cues), audio


def no_engine():
    raise AssertionError("the engine was started before the outputs were checked")


def test_unwritable_export_folder_is_found_before_rendering(tmp_path):
    proj, _ = project()
    (tmp_path / "file").write_text("x")
    session = Session(proj, engine_factory=no_engine)
    with pytest.raises(ExportError, match="could not write in"):
        export_session(session, ExportOptions(outdir=tmp_path / "file" / "out", video=False))


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_export_folder_is_found_before_rendering(tmp_path):
    proj, _ = project()
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        with pytest.raises(ExportError, match="could not write in"):
            export_session(Session(proj, engine_factory=no_engine),
                           ExportOptions(outdir=tmp_path / "ro", video=False))
    finally:
        os.chmod(tmp_path / "ro", 0o700)


def test_a_failed_export_leaves_no_hidden_temp_files(tmp_path):
    proj, audio = project()
    out = tmp_path / "out"
    out.mkdir()
    stale = out / ".dub_dialogue.wav.999999999.x1.tmp"          # left by a killed export
    stale.write_bytes(b"\0" * 1000)
    with pytest.raises(ExportError, match="could not write"):   # the subtitles' name is taken
        (out / "dub.srt").mkdir()
        export_project(proj, audio, ExportOptions(outdir=out, video=False, overwrite=True))
    (out / "dub.srt").rmdir()
    assert stale.exists()                                         # refused before any work
    bad = dict(audio, c2=np.full(100, np.nan, np.float32))
    with pytest.raises(UserError, match="cue c2: its audio holds NaN"):
        export_project(proj, bad, ExportOptions(outdir=out, video=False, normalize=False))
    assert not stale.exists()                                     # a killed export's leftover
    fail_midway = {"c1": audio["c1"], "c2": audio["c2"]}
    real_write = au.write_wav_blocks

    def broken(path, blocks, sr, subtype="PCM_24"):              # a disk that fills up mid-stem
        def some():
            for i, b in enumerate(blocks):
                if i == 1:
                    raise OSError(28, "No space left on device")
                yield b
        return real_write(path, some(), sr, subtype)
    au.write_wav_blocks = broken
    try:
        with pytest.raises(ExportError, match="No space left"):
            export_project(proj, fail_midway, ExportOptions(outdir=out, video=False))
    finally:
        au.write_wav_blocks = real_write
    assert [p for p in out.rglob("*") if p.is_file()] == []       # no hidden temp file left
    export_project(proj, audio, ExportOptions(outdir=out, video=False))
    assert not [p for p in out.rglob(".*")]


def test_the_streamed_stem_equals_the_whole_track():
    proj, audio = project()
    sr = 48000
    stem = Stem(proj, audio, sr)
    whole = np.zeros(int(6.0 * sr), np.float32)
    for c in proj.cues:
        au.place(whole, au.resample(audio[c.id], 24000, sr), int(round(c.start * sr)))
    for block in (0.3, 1.0, 5.0):
        assert np.array_equal(np.concatenate(list(stem.blocks(block))), whole)
    # normalisation planned over blocks gives the whole-array result
    gain, limit = plan_normalization(lambda: stem.blocks(0.7), sr, -23.0, -1.0)
    ref, ref_gain = normalize_loudness(whole, sr, -23.0, -1.0)
    assert abs(gain - ref_gain) < 1e-6
    streamed = np.concatenate(list(normalized(stem.blocks(0.7), sr, gain, limit, -1.0)))
    assert np.max(np.abs(streamed - ref)) < 1e-3
    assert true_peak_of([streamed], sr) <= -0.95 and abs(loudness(streamed, sr) + 23) < 0.5


def test_block_loudness_equals_pyloudnorm():
    import pyloudnorm as pyln
    for sr, seconds in ((48000, 7.33), (44100, 0.2), (24000, 3.0)):
        x = voiced(seconds, sr) * 0.3
        ref = pyln.Meter(sr).integrated_loudness(
            np.pad(x.astype(np.float64), (0, max(0, int(0.4 * sr) - len(x)))))
        m = LoudnessMeter(sr)
        for i in range(0, len(x), 12345):
            m.feed(x[i:i + 12345])
        assert abs(m.integrated() - ref) < 1e-6


def test_limiter_over_blocks_matches_the_whole_track():
    sr = 48000
    x = voiced(4.0, sr) * 2.0                                    # far over the ceiling
    whole = ld.limit_peaks(x, sr, -1.0)
    blocks = np.concatenate(list(limited([x[i:i + 30000] for i in range(0, len(x), 30000)], sr, -1.0)))
    assert np.max(np.abs(blocks - whole)) < 1e-3


def test_export_writes_the_stem_in_blocks(tmp_path):
    """The stem file is whole and right; memory figures are in bench/long_video.py."""
    proj, audio = project(duration=30.0)
    res = export_project(proj, audio, ExportOptions(outdir=tmp_path, video=False, per_cue=False))
    stem, sr = sf.read(str(tmp_path / "dub_dialogue.wav"), dtype="float32")
    assert len(stem) == 30 * sr and abs(ld.loudness(stem, sr) - res.loudness_lufs) < 0.05
    assert abs(res.loudness_lufs + 23.0) < 0.5 and ld.true_peak_db(stem, sr) <= -0.95
