"""Hostile inputs, part 2: project files. One schema checked at load names the cue and
the field; a load -> save round trip keeps what it does not know and keeps a relative
video path relative; the video is checked on open."""
import json
import math

import pytest

from _hostile import cli, demo_copy, edit_project, refused
from core.export import ExportError, timecode
from core.project import Project, ProjectError


def first_cue(fn):
    return lambda d: fn(d["cues"][0])


BAD_CUES = [
    ("a string for a number", first_cue(lambda c: c.update(start="0.5")), "c001", "'start'", "number"),
    ("a dict for the cue list", lambda d: d.update(cues={"c001": {}}), "", "'cues'", "list"),
    ("a dict for durations", first_cue(lambda c: c.update(alignment={
        "phonemes": ["$", "h", "$"], "durations": {"h": 3}, "f0": [], "energy": []})),
     "c001", "'durations'", "list"),
    ("a null start", first_cue(lambda c: c.update(start=None)), "c001", "'start'", "null"),
    ("an entity list", first_cue(lambda c: c.update(entities=["angry", 0.7])), "c001", "'entities'",
     "list"),
    ("an unknown entity", first_cue(lambda c: c.update(entities={"furious": 1.0})), "c001",
     "furious", "unknown"),
    ("an infinite end", first_cue(lambda c: c.update(end=math.inf)), "c001", "'end'", "finite"),
    ("a NaN start", first_cue(lambda c: c.update(start=math.nan)), "c001", "'start'", "finite"),
    ("a huge time", first_cue(lambda c: c.update(end=1e15)), "c001", "'end'", "at most"),
    ("a huge duration", first_cue(lambda c: c.update(end=c["start"] + 5000)), "c001", "lasts",
     "at most 180"),
    ("huge alignment durations", first_cue(lambda c: c.update(alignment={
        "phonemes": ["$", "h", "$"], "durations": [1, 10 ** 7, 1],
        "f0": [100.0] * 4, "energy": [0.0] * 4})), "c001", "alignment", "f0 has"),
    ("an end before the start", first_cue(lambda c: c.update(start=2.0, end=1.0)), "c001",
     "ends (1 s)", "before"),
    ("text null", first_cue(lambda c: c.update(text=None)), "c001", "'text'", "null"),
    ("a cue before the video", first_cue(lambda c: c.update(start=-1.0)), "c001", "'start'",
     "at least 0"),
    ("two cues with one id", lambda d: d["cues"].append(dict(d["cues"][0], start=2.1, end=2.9)),
     "c001", "both have the id", "own id"),
    ("fps 0", lambda d: d["video"].update(fps=0), "video", "'fps'", "above 0"),
    ("fps negative", lambda d: d["video"].update(fps=-25), "video", "'fps'", "above 0"),
]


@pytest.mark.parametrize("name, change, cue, field, words", BAD_CUES, ids=[c[0] for c in BAD_CUES])
def test_bad_project_values_are_named_at_load(tmp_path, capsys, name, change, cue, field, words):
    proj = edit_project(demo_copy(tmp_path), change)
    with pytest.raises(ProjectError) as e:
        Project.load(proj)
    msg = str(e.value)
    assert cue in msg and field in msg and words in msg, msg
    # and the command line says it in one line, exit 2, the file untouched
    refused(capsys, ["dub", proj, "--export", tmp_path / "out", "--save"], [proj], field)


def test_round_trip_keeps_unknown_keys_and_relative_paths(tmp_path):
    src = edit_project(demo_copy(tmp_path / "a"), lambda d: (
        d.update(studio={"client": "ACME"}),
        d["video"].update(reel=3),
        d["cues"][0].update(note="breath before 'four'", take=2)))
    p = Project.load(src)
    assert p.video.path == str((tmp_path / "a" / "grid_s17_bbwe4n.mp4").resolve())
    p.save(src)
    d = json.loads(src.read_text())
    assert d["studio"] == {"client": "ACME"} and d["video"]["reel"] == 3
    assert d["cues"][0]["note"] == "breath before 'four'" and d["cues"][0]["take"] == 2
    assert d["video"]["path"] == "grid_s17_bbwe4n.mp4"             # still relative
    # saved elsewhere ("save as" into a sub-folder): relative to the new place
    (tmp_path / "a" / "sub").mkdir()
    Project.load(src).save(tmp_path / "a" / "sub" / "copy.json")
    d2 = json.loads((tmp_path / "a" / "sub" / "copy.json").read_text())
    assert d2["video"]["path"] == "../grid_s17_bbwe4n.mp4"
    assert Project.load(tmp_path / "a" / "sub" / "copy.json").video.path == p.video.path
    # the folder moves to another machine: the project still finds its video
    moved = tmp_path / "moved"
    (tmp_path / "a").rename(moved)
    assert Project.load(moved / "demo.json").check_video(required=True) == []


def test_changed_video_warns_and_missing_video_is_an_error(tmp_path, capsys):
    proj = demo_copy(tmp_path)
    video = tmp_path / "grid_s17_bbwe4n.mp4"
    with open(video, "ab") as f:
        f.write(b"\0")                                  # not the file the project was made on
    warnings = Project.load(proj).check_video()
    assert len(warnings) == 1 and "has changed" in warnings[0]
    # the CLI prints it (here the export then fails at once: its folder is under a file)
    (tmp_path / "file").write_text("x")
    rc, err, _ = cli(capsys, "dub", proj, "--export", tmp_path / "file" / "out")
    assert rc == 2 and any(ln.startswith("warning:") and "has changed" in ln for ln in err)
    video.unlink()
    refused(capsys, ["dub", proj, "--export", tmp_path / "out"], [proj], "video is missing")
    with pytest.raises(ProjectError, match="missing"):
        Project.load(proj).check_video(required=True)


def test_timecodes_refuse_a_frame_rate_of_zero():
    assert timecode(61.5, 25) == "00:01:01:12"
    for fps in (0, -25, float("nan")):
        with pytest.raises(ExportError, match="frame rate"):
            timecode(10.0, fps)


def test_dub_save_keeps_unknown_keys_and_the_relative_path(tmp_path, capsys):
    """The whole path: `dub --save` on a project with keys this version does not know."""
    import torch
    torch.set_num_threads(1)
    proj = edit_project(demo_copy(tmp_path / "p"), lambda d: (
        d.update(studio="ACME"), d["video"].update(reel=3), d["cues"][0].update(take=2)))
    rc, err, out = cli(capsys, "dub", proj, "--export", tmp_path / "out", "--save", "--no-video")
    assert rc == 0, err
    d = json.loads(proj.read_text())
    assert d["studio"] == "ACME" and d["video"]["reel"] == 3 and d["cues"][0]["take"] == 2
    assert d["video"]["path"] == "grid_s17_bbwe4n.mp4"
    assert d["cues"][0]["alignment"]["durations"]                    # the timing was saved
