"""core.export: stem, per-cue files, SRT, muxed video; no overwrite; failures say why."""
import os

import numpy as np
import pytest
import soundfile as sf
import srt

from _signals import make_video, voiced
from core import audio as au
from core import loudness as ld
from core.export import (ExportError, ExportExistsError, ExportOptions, export_project,
                         planned_files, timecode)
from core.project import Cue, Project, VideoInfo


def project_with_cues(video_path=None, duration=3.0):
    video = VideoInfo(path=str(video_path or ""), fps=25.0, duration=duration,
                      has_audio=bool(video_path))
    cues = [Cue(id="c1", text="Bin blue with e four now.", start=0.4, end=1.6),
            Cue(id="c2", text="Place red at g.", start=1.8, end=2.8)]
    audio = {"c1": voiced(1.1, 24000, 130, seed=1), "c2": voiced(0.9, 24000, 170, seed=2)}
    return Project(video=video, cues=cues), audio


def test_timecode():
    assert timecode(0, 25) == "00:00:00:00"
    assert timecode(3661.48, 25) == "01:01:01:12"
    assert timecode(1.0, 23.976) == "00:00:00:23"


def test_export_writes_valid_files(tmp_path):
    video = make_video(tmp_path / "in.mp4")
    proj, audio = project_with_cues(video)
    opts = ExportOptions(outdir=tmp_path / "out", mix_original=True)
    res = export_project(proj, audio, opts)
    names = sorted(p.relative_to(opts.outdir).as_posix() for p in res.files)
    assert names == sorted(["dub_dialogue.wav", "cues/001_00-00-00-10_c1.wav",
                            "cues/002_00-00-01-20_c2.wav", "dub.srt", "dub_dub.mp4",
                            "dub_mix.mp4"])
    stem, sr = sf.read(str(opts.outdir / "dub_dialogue.wav"), dtype="float32")
    info = sf.info(str(opts.outdir / "dub_dialogue.wav"))
    assert (sr, info.subtype) == (48000, "PCM_24")
    assert len(stem) == 3 * 48000                              # the whole video
    assert abs(ld.loudness(stem, sr) + 23.0) < 0.5
    assert ld.true_peak_db(stem, sr) <= -0.95
    assert not stem[: int(0.39 * sr)].any()                   # nothing before the first in-time
    cue1, sr1 = sf.read(str(opts.outdir / "cues/001_00-00-00-10_c1.wav"), dtype="float32")
    assert sr1 == 48000 and len(cue1) == int(1.1 * 48000)
    subs = list(srt.parse((opts.outdir / "dub.srt").read_text()))
    assert [s.content for s in subs] == ["Bin blue with e four now.", "Place red at g."]
    assert subs[1].start.total_seconds() == pytest.approx(1.8)
    dub = au.read_media_audio(opts.outdir / "dub_dub.mp4", 48000)
    assert abs(len(dub) / 48000 - 3.0) < 0.1
    assert np.corrcoef(au.fit_length(dub, len(stem))[4000:-4000], stem[4000:-4000])[0, 1] > 0.9


def test_loudness_off_keeps_levels(tmp_path):
    proj, audio = project_with_cues()
    opts = ExportOptions(outdir=tmp_path, normalize=False, video=False)
    export_project(proj, audio, opts)
    cue, sr = sf.read(str(tmp_path / "cues/001_00-00-00-10_c1.wav"), dtype="float32")
    ref = au.resample(audio["c1"], 24000, 48000)
    assert np.max(np.abs(cue - ref)) < 1e-4


def test_never_overwrites_without_asking(tmp_path):
    proj, audio = project_with_cues()
    opts = ExportOptions(outdir=tmp_path, video=False)
    (tmp_path / "dub.srt").write_text("mine")
    with pytest.raises(ExportExistsError, match="dub.srt"):
        export_project(proj, audio, opts)
    assert (tmp_path / "dub.srt").read_text() == "mine"
    assert not (tmp_path / "dub_dialogue.wav").exists()
    opts.overwrite = True
    export_project(proj, audio, opts)
    assert "Bin blue" in (tmp_path / "dub.srt").read_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_write_failure_leaves_earlier_files(tmp_path):
    proj, audio = project_with_cues()
    opts = ExportOptions(outdir=tmp_path, video=False, overwrite=True)
    export_project(proj, audio, opts)
    before = (tmp_path / "dub_dialogue.wav").read_bytes()
    os.chmod(tmp_path, 0o500)
    try:
        with pytest.raises(ExportError, match="could not write"):
            export_project(proj, {"c1": audio["c1"] * 0.5, "c2": audio["c2"]}, opts)
    finally:
        os.chmod(tmp_path, 0o700)
    assert (tmp_path / "dub_dialogue.wav").read_bytes() == before


def test_write_failure_on_a_blocked_path_says_why(tmp_path):
    """A folder where a file should go: the error names it before anything is written."""
    proj, audio = project_with_cues()
    opts = ExportOptions(outdir=tmp_path, video=False, per_cue=False)
    (tmp_path / "dub.srt").mkdir()          # blocks the SRT, written after the stem
    opts.overwrite = True
    with pytest.raises(ExportError, match="could not write .*dub.srt"):
        export_project(proj, audio, opts)
    assert not (tmp_path / "dub_dialogue.wav").exists()


def test_planned_files_without_video(tmp_path):
    proj, _ = project_with_cues()
    names = [p.name for p in planned_files(proj, ExportOptions(outdir=tmp_path))]
    assert "dub_dub.mp4" not in names and "dub.srt" in names


def test_dub_command_renders_and_exports_headless(tmp_path, capsys):
    import torch
    torch.set_num_threads(1)
    from core.cli import main
    video = make_video(tmp_path / "in.mp4", 2.0)
    proj = Project(video=VideoInfo(path=str(video), fps=25.0, duration=2.0, has_audio=True),
                   cues=[Cue(id="c1", text="Bin blue.", start=0.4, end=1.2)])
    proj.save(tmp_path / "p.json")
    out = tmp_path / "out"
    assert main(["dub", str(tmp_path / "p.json"), "--export", str(out)]) == 0
    captured = capsys.readouterr()
    assert "wrote 4 files" in captured.out and "100.0%" in captured.err     # the progress bar
    stem, sr = sf.read(str(out / "dub_dialogue.wav"), dtype="float32")
    assert sr == 48000 and len(stem) == 2 * 48000
    assert abs(ld.loudness(stem, sr) + 23.0) < 0.5
    cue, _ = sf.read(str(out / "cues/001_00-00-00-10_c1.wav"), dtype="float32")
    assert len(cue) == int(0.8 * 48000)                                   # fitted to the slot
    assert not [p for p in out.iterdir() if p.name.startswith(".")]       # lines kept meanwhile: gone
    assert main(["dub", str(tmp_path / "p.json"), "--export", str(out)]) == 2
    assert "exist already" in capsys.readouterr().err
