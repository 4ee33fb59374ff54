"""The project file as the analyser writes it: round trip, versions, atomic save."""
import json

import pytest

from core.project import PROJECT_VERSION, Cue, Project, ProjectError, VideoInfo


def sample() -> Project:
    m = {"mouth_curve": [0.01, None, 0.2, 0.05], "mouth_fps": 23.976, "face_found_share": 0.75,
         "syllable_rate": 4.1, "pauses": [[1.2, 1.5]], "trend": {"first": 5.0, "second": 3.2, "ratio": 0.64},
         "expression": {"mean": {"happy": 0.6, "neutral": 0.4}, "dominant": "happy",
                        "sequence": [{"emotion": "happy", "start": 1.0, "end": 2.0}], "frames": 5},
         "guide": None, "faces": [{"track": 0, "share": 0.75, "center": [0.5, 0.4]}], "face_track": 0}
    cue = Cue(id="c001", text="Wow, they're shiny — 雪!", start=1.0, end=2.25,
              rate_instruction="The speaking pace is brisk.", emotion_instruction="The character looks pleased.",
              entities={"happy": 0.6, "neutral": 0.4}, measurements=m, voice={"blend": {"jm_kumo": 1.0}})
    return Project(video=VideoInfo(path="clip.mp4", sha256="ab" * 32, fps=23.976, duration=3.2, has_audio=True),
                   cues=[cue], settings={"analysis": {"timing": "srt"}})


def test_round_trip_keeps_everything(tmp_path):
    path = tmp_path / "p.json"
    p = sample()
    p.save(path)
    q = Project.load(path)
    assert q.cues[0].to_dict() == p.cues[0].to_dict()
    assert q.cues[0].measurements["mouth_curve"][1] is None
    assert q.settings == p.settings and q.video.sha256 == p.video.sha256
    assert q.video.path == str((tmp_path / "clip.mp4").resolve())      # relative to the project file
    assert [f.name for f in tmp_path.iterdir()] == ["p.json"]         # no temp file left behind
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == PROJECT_VERSION


def test_newer_versions_and_garbage_are_refused(tmp_path):
    d = sample().to_dict()
    d["version"] = PROJECT_VERSION + 1
    newer = tmp_path / "new.json"
    newer.write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="newer instructdub"):
        Project.load(newer)
    junk = tmp_path / "junk.json"
    junk.write_text("{ not json")
    with pytest.raises(ProjectError, match="not a valid project"):
        Project.load(junk)
    nover = tmp_path / "nover.json"
    nover.write_text("{}")
    with pytest.raises(ProjectError, match="no version"):
        Project.load(nover)
    d = sample().to_dict()
    del d["cues"][0]["start"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(d))
    with pytest.raises(ProjectError, match="start"):
        Project.load(bad)


def test_analysis_output_round_trips(tmp_path):
    """A project written by the analyser (robot video, no face) loads back equal."""
    from _synth_video import syllable_openings, write_cartoon
    from core.analyze import analyze
    from core.script import parse_text
    v = write_cartoon(tmp_path / "r.avi", syllable_openings(1.0, 4.0))
    p = analyze(v, parse_text("Hello.\nAgain."))
    p.save(tmp_path / "a.json")
    q = Project.load(tmp_path / "a.json")
    assert q.to_dict() == json.loads(p.to_json())
