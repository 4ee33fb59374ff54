"""Starting the editor: the no-display message, the `edit` command, the demo project."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from app import launch as launch_mod  # noqa: E402
from app.project_io import demo_path, new_project  # noqa: E402
from core.cli import build_parser  # noqa: E402
from core.project import Cue, Project  # noqa: E402


def test_without_a_display_it_explains_the_cli(monkeypatch, capsys):
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(launch_mod.sys, "platform", "linux")
    assert launch_mod.launch([]) == 2
    err = capsys.readouterr().err
    assert "needs a display" in err and "python main.py dub" in err and "libxcb-cursor0" in err


def test_edit_command_is_registered():
    args = build_parser().parse_args(["edit", "--demo"])
    assert args.command == "edit" and args.demo and args.func.__module__ == "core.commands.edit"
    args = build_parser().parse_args(["dub", "p.json", "--export", "out"])
    assert args.export == "out" and not args.overwrite


def test_the_demo_project_opens_with_its_clip():
    p = Project.load(demo_path())
    assert os.path.exists(p.video.path) and p.video.fps == 25.0
    (cue,) = p.cues
    assert cue.text == "Bin blue with e four now."
    assert 0 < cue.start < cue.end <= p.video.duration
    assert cue.rate_instruction and cue.emotion_instruction
    assert len(cue.measurements["mouth_curve"]) > 10


def test_new_project_spreads_script_lines(tmp_path):
    from _signals import make_video
    video = make_video(tmp_path / "v.mp4", 2.0)
    script = tmp_path / "script.txt"
    script.write_text("Hello there.\n\nGeneral Kenobi.\n")
    p, note = new_project(str(video), str(script))
    assert [c.text for c in p.cues] == ["Hello there.", "General Kenobi."]
    assert p.video.has_audio and p.video.duration == pytest.approx(2.0, abs=0.05)
    assert p.cues[0].end <= p.cues[1].start and "evenly" in note
    script.write_text("\n  \n")
    with pytest.raises(Exception, match="empty"):
        new_project(str(video), str(script))


def test_export_dialog_options(qtbot, tmp_path):
    from app.export_dialog import ExportDialog
    from core.project import VideoInfo
    p = Project(video=VideoInfo(path="", fps=25.0, duration=2.0))
    dlg = ExportDialog(p, str(tmp_path))
    qtbot.addWidget(dlg)
    assert not dlg.video.isEnabled() and not dlg.mix.isEnabled()      # no video to mux
    dlg.normalize.setChecked(False)
    dlg.per_cue.setChecked(False)
    dlg.name.setText("take2")
    o = dlg.options()
    assert (o.outdir, o.basename, o.normalize, o.per_cue, o.stem, o.video, o.overwrite) == \
        (tmp_path, "take2", False, False, True, False, False)
    assert not dlg.target.isEnabled()
    assert not dlg.ambience.isEnabled() and not o.match_ambience          # no cue analysed with a guide
    p.cues = [Cue(id="a", text="Hi.", start=0.0, end=1.0)]
    p.cues[0].measurements = {"guide": {"ambience": {"bands_db": [0.0] * 23, "below_speech_db": 30.0}}}
    dlg = ExportDialog(p, str(tmp_path))
    qtbot.addWidget(dlg)
    dlg.ambience.setChecked(True)
    assert dlg.ambience.isEnabled() and dlg.options().match_ambience and not dlg.options().match_tone
    dlg = ExportDialog(p, str(tmp_path), matched=True)              # as the editor plays it
    qtbot.addWidget(dlg)
    assert dlg.options().match_ambience and not dlg.options().match_tone  # no tone measured


def test_measurement_summary_from_the_demo_analysis():
    from app.instruction_panel import measurement_summary
    assert measurement_summary({}) == ""
    text = measurement_summary(Project.load(demo_path()).cues[0].measurements)
    assert text.startswith("Analysis: mouth ") and "syll/s" in text and "face in 100%" in text
    m = {"guide": {"ambience": {"bands_db": [0.0] * 23, "below_speech_db": 27.6}}}
    assert measurement_summary(m) == "Analysis: room tone 28 dB under the voice"
