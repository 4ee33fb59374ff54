"""The editor window, offscreen with pytest-qt and the real engine on short lines."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import soundfile as sf  # noqa: E402
import srt  # noqa: E402

from core import audio as au  # noqa: E402
from core import loudness as ld  # noqa: E402
from core.alignment import FRAME_SAMPLES  # noqa: E402
from app.job_kinds import Export  # noqa: E402
from core.export import ExportOptions  # noqa: E402
from core.project import Cue, Project  # noqa: E402
from _signals import make_video  # noqa: E402
from _window import open_window  # noqa: E402

WAIT = 120_000      # ms; the first render loads the backbone


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """The 2-s test clip; no test writes to it, so the module shares one."""
    return make_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 2.0)


@pytest.fixture
def project_path(tmp_path, clip):
    video = clip
    mouth = [0.0, 0.1, 0.3, 0.5, 0.2, 0.4, 0.6, 0.3, 0.1, 0.0, None, 0.0]
    cue = Cue(id="c1", text="Bin blue.", start=0.5, end=1.3,
              rate_instruction="Speak evenly.", emotion_instruction="Calm.",
              entities={"neutral": 0.8}, measurements={"mouth_curve": mouth, "mouth_fps": 25.0})
    from app.project_io import probe_video
    p = Project(video=probe_video(str(video)), cues=[cue])
    path = tmp_path / "proj.json"
    p.save(path)
    return path


@pytest.fixture
def win(qtbot, tmp_path, engine):
    w = open_window(qtbot, tmp_path)
    w.start_engine()                     # as the launcher does: loads it, lists the voices
    yield w
    w.editor.shutdown(WAIT)


def rendered(win, qtbot, cue_id="c1"):
    qtbot.waitUntil(lambda: not win.editor.busy() and win.cues.status(cue_id) in
                    ("rendered", "edited"), timeout=WAIT)


def test_open_project_renders_and_shows_everything(win, project_path, qtbot):
    assert win.open_project(project_path)
    assert win.cues.rowCount() == 1 and win.current == "c1"
    rendered(win, qtbot)
    al = win.session.project.cue("c1").alignment
    assert win.timeline.mel.mel.shape == (al.n_samples // 300, 80)
    assert len(win.timeline.phonemes.labels) == len(al.phonemes)
    assert len(win.timeline.f0.values) == 2 * al.n_frames
    assert win.timeline.mouth.xData is not None and len(win.timeline.mouth.xData) == 12
    assert not win.video.picture.pixmap().isNull()           # a real frame is drawn
    assert win.video.tc.text().startswith("00:00:00:12") and "25 fps" in win.video.tc.text()
    qtbot.waitUntil(lambda: win.transport.original is not None, timeout=WAIT)
    assert len(win.timeline.waveform.xData) > 0


def test_instruction_edit_re_predicts_and_re_renders(win, project_path, qtbot):
    win.open_project(project_path)
    rendered(win, qtbot)
    before = win.editor.last_result
    mel_before = win.timeline.mel.mel.copy()
    edit = win.instructions.edits["rate_instruction"]
    edit.setText("Very slow and deliberate, with a long pause after every word.")
    edit.editingFinished.emit()
    assert win.editor.undo.count() == 1
    qtbot.waitUntil(lambda: win.editor.last_result is not before, timeout=WAIT)
    rendered(win, qtbot)
    res = win.editor.last_result
    assert res.predicted and res.alignment.instructions["rate"].startswith("Very slow")
    note = win.instructions.note.text()
    assert "missing" not in note                     # the shipped instruction models ran
    assert not np.array_equal(win.timeline.mel.mel, mel_before)
    # the line's text is an edit that always changes what is drawn
    text = win.instructions.edits["text"]
    text.setText("Bin red at g now.")
    text.editingFinished.emit()
    qtbot.waitUntil(lambda: win.editor.last_result.alignment.phonemes != res.alignment.phonemes,
                    timeout=WAIT)
    rendered(win, qtbot)
    assert not np.array_equal(win.timeline.mel.mel, mel_before)
    assert [lb.textItem.toPlainText() for lb in win.timeline.phonemes.labels].count("ɹ") >= 1


def test_boundary_drag_changes_length_and_undo_restores(win, project_path, qtbot):
    win.open_project(project_path)
    rendered(win, qtbot)
    audio0 = win.session.audio("c1").copy()
    k = 3
    x = win.timeline.phonemes.boundary_times()[k]
    for step in (0.025, 0.05, 0.075):                      # one drag, several moves
        win.timeline.phonemes.drag_to(k, x + step, finished=False)
    win.timeline.phonemes.drag_to(k, x + 0.1, finished=True)
    assert win.editor.undo.count() == 1                    # one drag = one undo step
    qtbot.waitUntil(lambda: win.session.audio("c1") is not None and
                    len(win.session.audio("c1")) != len(audio0), timeout=WAIT)
    rendered(win, qtbot)
    assert len(win.session.audio("c1")) == len(audio0) + 4 * FRAME_SAMPLES
    assert win.editor.last_result.partial
    assert win.cues.status("c1") == "edited"
    assert win.timeline.mel.mel.shape[0] == len(win.session.audio("c1")) // 300
    win.editor.undo.undo()
    qtbot.waitUntil(lambda: win.session.audio("c1") is not None and
                    len(win.session.audio("c1")) == len(audio0), timeout=WAIT)
    assert np.array_equal(win.session.audio("c1"), audio0)
    assert win.timeline.phonemes.boundary_times()[k] == pytest.approx(x)


def test_drawing_f0_is_one_undo_step_and_re_renders(win, project_path, qtbot):
    win.open_project(project_path)
    rendered(win, qtbot)
    f0_before = list(win.session.project.cue("c1").alignment.f0)
    audio0 = win.session.audio("c1").copy()
    curve = win.timeline.f0
    voiced = [i for i, v in enumerate(curve.values) if v >= 40]
    t = lambda i: curve.t0 + (i + 0.5) * 0.0125              # noqa: E731
    i0, i1 = voiced[0], voiced[min(len(voiced) - 1, 8)]
    curve.drag(t(i0), 220.0, True, False)
    curve.drag(t((i0 + i1) // 2), 230.0, False, False)
    curve.drag(t(i1), 240.0, False, True)
    assert win.editor.undo.count() == 1
    f0 = win.session.project.cue("c1").alignment.f0
    assert list(f0) != f0_before and max(f0) >= 220
    qtbot.waitUntil(lambda: win.session.audio("c1") is not None and
                    not np.array_equal(win.session.audio("c1"), audio0), timeout=WAIT)
    assert len(win.session.audio("c1")) == len(audio0)
    rendered(win, qtbot)
    assert win.editor.last_result.partial
    moved = [i for i, (a, b) in enumerate(zip(f0, f0_before)) if a != b]
    assert moved and moved[0] >= i0 and moved[-1] <= i1      # only the drawn points changed


def test_export_from_the_editor(win, project_path, qtbot, tmp_path):
    win.open_project(project_path)
    rendered(win, qtbot)
    out = tmp_path / "export"
    win.run_export(ExportOptions(outdir=out, mix_original=True))
    qtbot.waitUntil(lambda: win.jobs.last(Export) is not None or bool(win.jobs.last_error),
                    timeout=WAIT)
    assert not win.jobs.last_error
    stem, sr = sf.read(str(out / "dub_dialogue.wav"), dtype="float32")
    assert sr == 48000 and sf.info(str(out / "dub_dialogue.wav")).subtype == "PCM_24"
    assert len(stem) == 2 * 48000
    assert abs(ld.loudness(stem, sr) + 23.0) < 0.5
    subs = list(srt.parse((out / "dub.srt").read_text()))
    assert subs[0].content == "Bin blue." and subs[0].start.total_seconds() == pytest.approx(0.5)
    assert (out / "dub_dub.mp4").stat().st_size > 0 and (out / "dub_mix.mp4").exists()
    win.run_export(ExportOptions(outdir=out))            # never overwrite without asking
    qtbot.waitUntil(lambda: bool(win.jobs.last_error), timeout=WAIT)
    assert "exist already" in win.jobs.last_error


def test_voice_change_and_emotion_analysis(win, project_path, qtbot):
    from core.project import ENTITIES
    win.open_project(project_path)
    rendered(win, qtbot)
    audio0 = win.session.audio("c1").copy()
    win.voice.pack.setCurrentText("jf_gongitsune")
    assert win.editor.undo.count() == 1
    assert win.session.project.cue("c1").voice == "jf_gongitsune"
    qtbot.waitUntil(lambda: win.session.audio("c1") is not None and
                    not np.array_equal(win.session.audio("c1"), audio0), timeout=WAIT)
    rendered(win, qtbot)
    assert win.editor.last_result.predicted
    win.editor.undo.undo()
    assert win.voice.pack.currentText() == "en_lj"
    # the analyser fills the entity weights from the emotion instruction (one undo step)
    cue = win.session.project.cue("c1")
    cue.emotion_instruction = "Furious, shouting at the top of his voice."
    before = dict(cue.entities)
    win.analyse_emotion()
    qtbot.waitUntil(lambda: win.session.project.cue("c1").entities != before, timeout=WAIT)
    ents = win.session.project.cue("c1").entities
    assert set(ents) <= set(ENTITIES) and sum(ents.values()) == pytest.approx(1.0, abs=0.02)
    assert win.instructions.weights["angry"].value() == pytest.approx(ents.get("angry", 0), abs=0.01)
    assert win.editor.undo.index() == 1 and "weight" in win.editor.undo.undoText()


def test_new_project_from_video_and_script_is_analysed(win, qtbot, tmp_path):
    from app.project_io import demo_path
    video = demo_path().parent / "grid_s17_bbwe4n.mp4"       # ships with the project
    script = tmp_path / "script.txt"
    script.write_text("Bin blue with e four now.\n")
    win.start_new_project(str(video), str(script))
    qtbot.waitUntil(lambda: len(win.session.project.cues) == 1 or bool(win.jobs.last_error),
                    timeout=WAIT)
    cue = win.session.project.cues[0]
    assert cue.text == "Bin blue with e four now." and 0.2 < cue.start < cue.end < 3.0
    assert cue.rate_instruction and cue.measurements.get("mouth_curve")
    assert win.doc.dirty() and win.doc.path is None and win.cues.rowCount() == 1
    rendered(win, qtbot, cue.id)


def test_dragging_the_cue_out_time_refits_the_line(win, project_path, qtbot):
    win.open_project(project_path)
    rendered(win, qtbot)
    n0 = win.session.project.cue("c1").alignment.n_frames
    assert n0 == 32                                            # 0.8 s slot
    win.timeline.bounds.editable.setRegion((0.5, 1.5))         # drag the out edge
    win.timeline.bounds.editable.sigRegionChangeFinished.emit(win.timeline.bounds.editable)
    assert win.session.project.cue("c1").end == pytest.approx(1.5)
    assert win.cues.item(0, 1).text() == "00:00:01:12"
    qtbot.waitUntil(lambda: win.session.project.cue("c1").alignment.n_frames == 40, timeout=WAIT)
    rendered(win, qtbot)
    assert len(win.session.audio("c1")) == 40 * FRAME_SAMPLES
    win.editor.undo.undo()
    assert win.session.project.cue("c1").end == pytest.approx(1.3)
    assert win.timeline.bounds.range() == pytest.approx((0.5, 1.3))
    qtbot.waitUntil(lambda: win.session.audio("c1") is not None and
                    len(win.session.audio("c1")) == n0 * FRAME_SAMPLES, timeout=WAIT)


def test_switching_cues_keeps_text_being_typed(win, project_path, qtbot):
    p = Project.load(project_path)
    p.cues.append(Cue(id="c2", text="Place red.", start=1.4, end=1.9))
    p.save(project_path)
    win.open_project(project_path)
    rendered(win, qtbot)
    win.instructions.edits["emotion_instruction"].setText("Whispered, scared.")  # no commit yet
    win.select_relative(1)
    assert win.current == "c2"
    assert win.session.project.cue("c1").emotion_instruction == "Whispered, scared."
    assert win.instructions.edits["emotion_instruction"].text() == ""
    rendered(win, qtbot, "c2")
    qtbot.waitUntil(lambda: win.cues.status("c1") != "rendering", timeout=WAIT)
    win.cues.selectRow(0)                             # a click in the cue list; cached: instant
    assert win.current == "c1"
    assert win.instructions.edits["emotion_instruction"].text() == "Whispered, scared."


def test_clone_a_voice_from_a_reference_clip(win, project_path, qtbot, monkeypatch):
    """The wiring: the clone job with the window's settings, the cue's new voice, its
    render and undo. The cloning itself (core.voice_clone.cached_clone: Whisper's words,
    the fit, the cache) is tested by test_voice_clone and test_voice_fit, for minutes."""
    import core.voice_clone
    from app.project_io import demo_path
    from core.voices import style_vector
    asked = []

    def cached_clone(reference, steps, **kw):
        asked.append((reference, steps))
        return {"vector": [round(float(x), 6) for x in style_vector("jf_gongitsune", 40)],
                "clone": {"reference": "grid_s17_bbwe4n.mp4", "method": "fit", "steps": steps,
                          "kept_step": steps, "f0_ratio": 1.0, "history": [],
                          "check": {"min_mos": 2.5, "timbre_kept": 0.4, "mos": 3.1,
                                    "tried": [{"timbre_kept": 1.0, "mos": 1.2},
                                              {"timbre_kept": 0.4, "mos": 3.1}]}}}
    monkeypatch.setattr(core.voice_clone, "cached_clone", cached_clone)
    win.open_project(project_path)
    rendered(win, qtbot)
    win.settings.setValue("clone/steps", 0)
    reference = str(demo_path().parent / "grid_s17_bbwe4n.mp4")
    win.clone_voice(reference)
    qtbot.waitUntil(lambda: isinstance(win.session.project.cue("c1").voice, dict) or
                    bool(win.jobs.last_error), timeout=WAIT)
    voice = win.session.project.cue("c1").voice
    assert asked == [(reference, 0)]
    assert len(voice["vector"]) == 256 and "✓" in win.voice.clone.text()
    # the quality check pulled the timbre back: the status line says so
    qtbot.waitUntil(lambda: "keeps 40%" in win.activity.text(), timeout=WAIT)
    rendered(win, qtbot)
    assert win.editor.last_result.alignment.voice == voice
    win.editor.undo.undo()
    assert win.session.project.cue("c1").voice == "en_lj"


def test_reopening_does_not_wait_then_transport_and_keys(win, project_path, qtbot):
    """One rendered project serves three checks: a second open while the first one
    renders returns at once; the transport steps and plays; the keys drive it."""
    import time
    from PySide6.QtCore import Qt
    win.open_project(project_path)                  # its render starts in the background
    t0 = time.monotonic()
    win.open_project(project_path)                  # same cue ids, new session
    assert time.monotonic() - t0 < 2.0
    rendered(win, qtbot)
    assert win.session.audio("c1") is not None and win.timeline.mel.mel.shape[0] > 0
    # the transport steps frames and plays silently
    win.transport.seek(0.0)
    win.transport.step(2)
    assert win.transport.time == pytest.approx(0.08)
    assert win.video.tc.text().startswith("00:00:00:02")
    win.transport.play()
    assert win.transport.player.backend.name == "silent"
    qtbot.wait(300)
    assert win.transport.time > 0.15
    win.transport.pause()
    win.transport.set_mode("original")
    prog = win.transport.program(0.0, 2.0)
    assert np.abs(prog).max() > 0.05                      # the original's tone
    win.transport.set_mode("dub")
    dub = win.transport.program(0.0, 2.0)
    assert not dub[:int(0.45 * 24000)].any() and np.abs(dub).max() > 0.01
    # the keys drive the transport
    win.timeline.setFocus()
    win.transport.seek(0.0)
    qtbot.keyClick(win.timeline, Qt.Key.Key_Right)
    qtbot.keyClick(win.timeline, Qt.Key.Key_Right)
    assert win.transport.time == pytest.approx(0.08)
    qtbot.keyClick(win.timeline, Qt.Key.Key_Left)
    assert win.transport.time == pytest.approx(0.04)
    qtbot.keyClick(win.timeline, Qt.Key.Key_B)
    assert win.transport.mode == "original" and win.mode_box.currentText() == "Original"
    qtbot.keyClick(win.timeline, Qt.Key.Key_Space)
    assert win.transport.player.playing
    qtbot.keyClick(win.timeline, Qt.Key.Key_K)
    assert not win.transport.player.playing
    qtbot.keyClick(win.timeline, Qt.Key.Key_O)              # loop the cue with pre-roll
    assert win.transport.loop == pytest.approx((0.0, 2.3)) and win.transport.player.playing
    win.transport.pause()
    # typing in an instruction field types; it does not play
    field = win.instructions.edits["rate_instruction"]
    field.setFocus()
    field.moveCursor(field.textCursor().MoveOperation.End)
    qtbot.keyClicks(field, " ok")
    assert not win.transport.player.playing
    assert field.text().endswith(" ok")
