"""The analyze pipeline end to end on synthetic videos, the CLI, and per-cue re-analysis."""
import threading

import numpy as np
import pytest

from _synth_video import babble, mux_audio, photo, syllable_openings, write_cartoon, write_talking
from core.analyze import AnalysisCancelled, AnalysisOptions, analyze, analyze_cue
from core.cli import main as cli_main
from core.errors import UserError
from core.project import Project
from core.script import parse_text

pytestmark = pytest.mark.skipif(photo() is None, reason="matplotlib's sample photo is missing")
TEXTS = "One two three four five.\nSix seven eight."


def two_phrases(seconds=4.0):
    """Mouth openings: talk 0.5-1.7 s and 2.5-3.5 s at 4 cycles a second."""
    o = syllable_openings(seconds, 4.0, lead=0.5)
    t = np.arange(len(o)) / 25
    o[(t >= 1.7) & (t < 2.5)] = 0
    o[t >= 3.5] = 0
    return o


@pytest.fixture(scope="module")
def talking(tmp_path_factory):
    return write_talking(tmp_path_factory.mktemp("v") / "talk.avi", two_phrases())


def test_cues_from_the_mouth_when_there_is_no_audio(talking):
    p = analyze(talking, parse_text(TEXTS))
    assert p.video.fps == 25 and not p.video.has_audio and len(p.video.sha256) == 64
    assert p.video.duration == pytest.approx(4.0)
    assert p.settings["analysis"]["timing"].startswith("mouth activity")
    (a, b) = p.cues
    assert a.start == pytest.approx(0.5, abs=0.25) and a.end == pytest.approx(1.7, abs=0.3)
    assert b.start == pytest.approx(2.5, abs=0.25) and b.end == pytest.approx(3.5, abs=0.3)
    for c in p.cues:
        m = c.measurements
        assert m["face_found_share"] > 0.9 and m["mouth_fps"] == 25
        assert len(m["mouth_curve"]) == pytest.approx(c.slot * 25, abs=1.5)
        assert m["syllable_rate"] == pytest.approx(4.0, rel=0.35)
        assert "mouth opens and closes" in c.rate_instruction
        assert c.emotion_instruction.startswith("The character looks")
        assert abs(sum(c.entities.values()) - 1) < 0.01
        assert m["guide"] is None and m["instruction_source"] == "embedded"


def test_cues_from_the_guide_audio(tmp_path, talking):
    sr = 16000
    audio = np.zeros(4 * sr, np.float32)
    audio[int(0.5 * sr):int(0.5 * sr) + int(1.2 * sr)] = babble(4.0, 1.2)[:int(1.2 * sr)]
    tail = babble(4.0, 1.0)
    audio[int(2.5 * sr):int(2.5 * sr) + len(tail)] = tail
    v = mux_audio(talking, audio, sr, tmp_path / "talk_audio.mkv")
    p = analyze(v, parse_text(TEXTS))
    assert p.video.has_audio and p.settings["analysis"]["timing"].startswith("guide audio")
    a, b = p.cues
    assert a.start == pytest.approx(0.5, abs=0.1) and a.end == pytest.approx(1.7, abs=0.15)
    assert b.start == pytest.approx(2.5, abs=0.1) and b.end == pytest.approx(3.5, abs=0.15)
    g = a.measurements["guide"]
    assert g["speech_found"] and g["syllables"] == pytest.approx(5, abs=1)
    assert "the original voice speaks the line's" in a.rate_instruction
    assert "Hz" in a.emotion_instruction
    # the guide's melody per script word and its tone (third-octave levels)
    assert [w for w, _ in g["melody"]] == a.text.split()
    assert len(g["tone_db"]) == 18 and abs(sum(g["tone_db"])) < 1.0
    assert g["ambience"] is None             # digital silence between the lines: no room tone
    if any(lv for _, lv in g["melody"]):
        assert "The melody, word by word:" in a.emotion_instruction
    # ignoring the audio falls back to the mouth
    q = analyze(v, parse_text(TEXTS), AnalysisOptions(use_audio=False))
    assert q.settings["analysis"]["timing"].startswith("mouth activity")


def test_srt_times_are_kept(tmp_path, talking):
    srt = tmp_path / "s.srt"
    srt.write_text("1\n00:00:00,400 --> 00:00:01,800\nOne two three four five.\n\n"
                   "2\n00:00:02,400 --> 00:00:03,600\nSix seven eight.\n")
    p = analyze(talking, srt)
    assert [(c.start, c.end) for c in p.cues] == [(0.4, 1.8), (2.4, 3.6)]
    assert p.cues[0].measurements["timing"] == "srt"


def test_stylised_face_is_reported_not_invented(tmp_path):
    v = write_cartoon(tmp_path / "robot.avi", two_phrases(3.0))
    p = analyze(v, parse_text("Beep boop."))
    c = p.cues[0]
    assert c.measurements["face_found_share"] == 0.0 and c.measurements["syllable_rate"] is None
    assert "face could not be tracked" in c.rate_instruction
    assert "could not be tracked" in c.emotion_instruction
    assert c.entities == {"neutral": 1.0}
    assert p.settings["analysis"]["timing"] == "even split (no speech found)"


def test_cli_writes_a_project_and_keeps_existing_files(tmp_path, talking, capsys):
    out = tmp_path / "proj.json"
    assert cli_main(["analyze", str(talking), "--text", TEXTS, "-o", str(out)]) == 0
    p = Project.load(out)
    assert len(p.cues) == 2 and p.cues[0].rate_instruction
    before = out.read_bytes()
    assert cli_main(["analyze", str(talking), "--text", TEXTS, "-o", str(out)]) == 2
    assert "--force" in capsys.readouterr().err and out.read_bytes() == before
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video at all" * 100)
    assert cli_main(["analyze", str(bad), "--text", "Hi.", "-o", str(tmp_path / "x.json")]) == 2
    assert "damaged or not a video" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
    assert cli_main(["analyze", str(talking), "--text", " \n ", "-o", str(tmp_path / "y.json")]) == 2


def test_one_cue_again_with_progress_cancel_and_another_face(tmp_path):
    v = write_talking(tmp_path / "two.avi", syllable_openings(2.0, 4.0), second_face=True)
    p = analyze(v, parse_text("One two three four five six seven eight."))
    cue = p.cues[0]
    faces = cue.measurements["faces"]
    talker = next(i for i, f in enumerate(faces) if f["track"] == cue.measurements["face_track"])
    assert len(faces) == 2 and faces[talker]["center"][0] < 0.5 and cue.measurements["syllable_rate"]
    before = cue.to_dict()
    stop = threading.Event()
    stop.set()
    with pytest.raises(AnalysisCancelled):
        analyze_cue(p, cue.id, cancel=stop)
    assert cue.to_dict() == before                      # a cancelled run changes nothing
    seen = []
    analyze_cue(p, cue.id, progress=lambda f, m: seen.append(f), face=1 - talker)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert cue.measurements["face_choice"][0] > 0.5        # the still face on the right
    assert cue.measurements["syllable_rate"] is None       # ... does not talk
    assert "No pace was measured" in cue.rate_instruction
    analyze_cue(p, cue.id)                                 # the choice sticks
    assert cue.measurements["face_choice"][0] > 0.5 and cue.measurements["syllable_rate"] is None
    analyze_cue(p, cue.id, face_at=(0.25, 0.45))           # a click on the left face
    assert cue.measurements["syllable_rate"] == pytest.approx(4.0, rel=0.3)
    with pytest.raises(UserError, match="no face 5"):
        analyze_cue(p, cue.id, face=5)
    with pytest.raises(UserError, match="no face was found near"):
        analyze_cue(p, cue.id, face_at=(0.5, 0.95))


def test_srt_past_the_end_of_the_video_is_refused(tmp_path, talking):
    srt = tmp_path / "late.srt"
    srt.write_text("1\n00:01:00,000 --> 00:01:02,000\nToo late.\n")
    with pytest.raises(UserError, match="after the end of the video"):
        analyze(talking, srt)


def test_whole_analysis_reports_progress_and_can_be_stopped(talking):
    seen = []
    analyze(talking, parse_text(TEXTS), progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(seen) > 3
    assert any("cue 2/2" in m for _, m in seen)
    calls = []
    with pytest.raises(AnalysisCancelled):
        analyze(talking, parse_text(TEXTS), cancel=lambda: calls.append(1) or len(calls) > 5)


def test_a_silent_sound_track_falls_back_to_the_mouth(tmp_path, talking):
    v = mux_audio(talking, np.zeros(4 * 16000, np.float32), 16000, tmp_path / "silent.mkv")
    p = analyze(v, parse_text(TEXTS))
    assert p.video.has_audio
    assert p.settings["analysis"]["timing"].startswith("mouth activity")
    assert p.cues[0].measurements["guide"]["speech_found"] is False
    assert "mouth opens and closes" in p.cues[0].rate_instruction
