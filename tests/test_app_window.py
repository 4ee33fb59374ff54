"""The window's parts that need no voice engine: autosave warnings, recovery
through the window, the jobs controller, the preview mix, the voice list."""
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from app import recovery  # noqa: E402
from app.jobs import BackgroundJob, JobController  # noqa: E402
from core.audio import db_to_gain  # noqa: E402
from core.constants import ORIGINAL_GAIN_DB  # noqa: E402
from core.project import Project, autosave_path  # noqa: E402
from _window import open_window  # noqa: E402


@pytest.fixture
def win(qtbot, tmp_path):
    w = open_window(qtbot, tmp_path)
    yield w
    w.editor.shutdown(60_000)


def cueless_project(tmp_path, name="proj.json", note="saved"):
    """A project with no cues: opening it starts no render."""
    p = Project(cues=[])
    p.settings["note"] = note
    path = tmp_path / name
    p.save(path)
    return path


def test_autosave_failure_stays_on_screen_until_a_retry_works(win, tmp_path):
    path = cueless_project(tmp_path)
    assert win.open_project(path)
    win.doc.mark_unsaved()
    blocker = autosave_path(path)
    blocker.mkdir()
    assert win.doc.autosave() is None
    assert win.autosave_warning.isVisible() and "autosave failing" in win.autosave_warning.text()
    assert str(blocker) in win.autosave_warning.toolTip()
    win.activity.setText("something else happened")
    win.doc.autosave()                                   # the timer's retry, still failing
    assert win.autosave_warning.isVisible()
    blocker.rmdir()
    assert win.doc.autosave() == blocker
    assert not win.autosave_warning.isVisible()


def test_window_offers_an_older_autosave_and_keeps_it_unsaved(win, tmp_path):
    path = cueless_project(tmp_path)
    a = autosave_path(path)
    p = Project.load(path)
    p.settings["note"] = "recovered"
    p.save(a)
    os.utime(a, (os.path.getmtime(path) - 30,) * 2)     # dub --save rewrote the project later
    asked = []
    win.ask = lambda title, text: asked.append(text) or True
    assert win.open_project(path)
    assert asked and "saved file is newer" in asked[0]
    assert win.session.project.settings["note"] == "recovered"
    assert win.doc.dirty() and win.windowTitle().startswith("proj.json *")
    assert win.save() and not a.exists() and not win.doc.dirty()
    assert Project.load(path).settings["note"] == "recovered"


def _dead_pid() -> int:
    pid = 4_000_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except OSError:
            pass
        pid += 1


def test_start_offers_untitled_autosaves_of_ended_editors(win, tmp_path):
    from app.launch import offer_untitled_recovery
    left = recovery.data_dir() / f".untitled-20260101-000000-{_dead_pid()}-1.json.autosave"
    Project(cues=[], settings={"note": "left behind"}).save(left)
    win.ask = lambda title, text: True
    offer_untitled_recovery(win)
    assert win.session.project.settings["note"] == "left behind" and win.doc.dirty()
    assert not left.exists()                             # now under this editor's own name
    own = win.doc.autosave_target()
    assert own.exists() and Project.load(own).settings["note"] == "left behind"
    own.unlink()


class Echo(BackgroundJob):
    """Returns its value; the first can be held until released."""

    def __init__(self, value, seen, gate=None):
        super().__init__()
        self.value, self.seen, self.gate = value, seen, gate

    def run(self, progress, cancel):
        if self.gate is not None:
            self.gate.wait(10)
        if self.value == "boom":
            raise RuntimeError("boom")
        return self.value

    def done(self, result):
        self.seen.append(("done", result))

    def failed(self, message):
        self.seen.append(("failed", message))
        super().failed(message)


def test_each_job_handles_its_own_result_and_newer_ones_supersede(qtbot):
    jobs = JobController()
    seen, gate = [], threading.Event()
    jobs.start(Echo("old", seen, gate))
    jobs.start(Echo("new", seen))                    # same kind: supersedes the held one
    gate.set()
    qtbot.waitUntil(lambda: not jobs.busy(), timeout=20_000)
    assert seen == [("done", "new")] and jobs.last(Echo) == "new"
    jobs.start(Echo("boom", seen))
    qtbot.waitUntil(lambda: not jobs.busy(), timeout=20_000)
    assert seen[-1] == ("failed", "RuntimeError: boom")
    assert jobs.last_error == "RuntimeError: boom"


def test_the_preview_mix_plays_the_original_at_the_export_level(qtbot):
    from app.transport import Transport
    from core.session import Session
    session = Session(Project(cues=[]))
    t = Transport(lambda: session, prefer="silent")
    t.original = np.ones(24000, np.float32)
    t.set_mode("mix")
    assert t.program(0.0, 0.5) == pytest.approx(np.full(12000, db_to_gain(ORIGINAL_GAIN_DB)))
    t.set_mode("original")
    assert t.program(0.0, 0.5) == pytest.approx(np.ones(12000))


def test_voice_list_arrives_after_the_window_and_keeps_the_cue_voice(qtbot):
    from app.voice_panel import VoicePanel
    panel = VoicePanel()
    qtbot.addWidget(panel)
    chosen = []
    panel.voiceChosen.connect(chosen.append)
    panel.set_voice("jf_alpha")                      # before the engine lists its voices
    assert panel.pack.currentText() == "jf_alpha" and chosen == []
    panel.set_names(["jf_alpha", "jm_kumo", "jf_nezumi"])
    assert panel.pack.currentText() == "jf_alpha" and panel.pack.count() == 3 and chosen == []
    panel.pack.setCurrentText("jm_kumo")
    assert chosen == ["jm_kumo"]


def test_the_engine_state_is_shown_above_the_cue_list(win, qtbot, tmp_path):
    from app.job_kinds import LoadEngine
    assert win.engine_state.text() == ""
    win.start_engine()
    assert "Loading the voice engine" in win.engine_state.text()
    win.open_project(cueless_project(tmp_path))     # as the launcher does, while it loads
    win.stop_work()                                  # Esc: the load goes on
    qtbot.waitUntil(lambda: win.jobs.last(LoadEngine) is not None or win.engine_state.error,
                    timeout=300_000)
    assert win.engine_state.text() == "Voice engine ready."
    assert win.voice.pack.count() >= 2


def test_playback_can_hear_the_room_tone_match_export_would_lay(qtbot):
    from types import SimpleNamespace

    from app.transport import Transport
    from core.project import Cue
    line = np.zeros(24000, np.float32)
    line[:12000] = 0.3 * np.sin(np.arange(12000) / 3.0)             # sound, then a pause
    from core.line_match import matched_stem
    from core.project import VideoInfo
    cue = Cue(id="a", text="Hi.", start=0.5, end=1.5)
    cue.measurements = {"guide": {"ambience": {"bands_db": [0.0] * 23, "below_speech_db": 30.0}}}
    project = Project(video=VideoInfo(duration=2.5), cues=[cue])
    session = SimpleNamespace(project=project, audio=lambda cid: line)
    t = Transport(lambda: session, prefer="silent")
    t.duration = 2.5
    pause, head, tail = (lambda x: x[27000:33000]), (lambda x: x[:10000]), (lambda x: x[40000:])
    assert all(np.abs(part(t.program(0.0, 2.5))).max() == 0.0 for part in (pause, head, tail))
    t.set_matching(True)
    heard = t.program(0.0, 2.5)
    for part in (pause, head, tail):                                 # the bed, well under the line
        assert 1e-4 < np.sqrt(np.mean(part(heard) ** 2)) < 0.05
    assert np.allclose(t.program(0.0, 2.5), heard)                   # the same bed each time
    assert np.allclose(heard, matched_stem(project, {"a": line}, 24000, 24000, True, True).array(),
                       atol=1e-6)                                    # what export lays
    assert np.allclose(t.program(1.7, 2.1), heard[40800:50400], atol=1e-6)   # any part of it
    t.set_matching(False)
    assert np.abs(pause(t.program(0.0, 2.5))).max() == 0.0


def test_playback_streams_a_long_programme_as_it_plays(qtbot, monkeypatch):
    """Play makes the first AHEAD seconds before the sound starts (lines beyond are not
    matched yet) and the rest while it plays; what plays is the whole programme made in
    one go, sample for sample."""
    from types import SimpleNamespace

    import core.line_match as lm
    from app import transport as tr
    from core.project import Cue, VideoInfo
    line = np.zeros(48000, np.float32)
    line[:30000] = 0.3 * np.sin(np.arange(30000) / 3.0)
    cues = []
    for i in range(8):                                   # a line every 8 s: 64 s in all
        cue = Cue(id=f"c{i}", text="Hi.", start=8.0 * i + 0.5, end=8.0 * i + 2.5)
        cue.measurements = {"guide": {"ambience": {"bands_db": [float(i)] * 23,
                                                   "below_speech_db": 30.0}}}
        cues.append(cue)
    project = Project(video=VideoInfo(duration=64.0), cues=cues)
    session = SimpleNamespace(project=project, audio=lambda cid: line)
    matched = []
    match = lm.match_line
    monkeypatch.setattr(lm, "match_line", lambda audio, cue, *a: matched.append(cue.id) or
                        match(audio, cue, *a))
    t = tr.Transport(lambda: session, prefer="silent")
    t.duration = 64.0
    t.set_matching(True)
    t.play()
    assert t.player.playing and len(t.player._buffer) == 64 * 24000
    assert matched == ["c0", "c1", "c2"]                 # starts within AHEAD = 20 s
    while t.player.playing:                              # the clock runs 4 s a tick
        t.player._started -= 4.0
        t._tick()
        if t._stream is not None:
            t._stream.wait()                             # made in a worker thread
    assert sorted(set(matched)) == [c.id for c in cues]  # each matched, once
    assert len(matched) == len(cues)
    assert np.allclose(t.player._buffer, t.program(0.0, 64.0), atol=1e-6)
    t.time = 30.0                                        # a play from anywhere
    t.play()
    assert np.allclose(t.player._buffer[:20 * 24000], t.program(30.0, 50.0), atol=1e-6)
    t.pause()


def test_a_shuttle_makes_a_span_at_a_time_and_goes_on(qtbot):
    """J/L at any speed make SHUTTLE_SPAN seconds of timeline at a time (not the whole
    rest of a long project) and go on from where each span stops, to the programme's ends."""
    from types import SimpleNamespace

    from app import transport as tr
    session = SimpleNamespace(project=Project(cues=[]), audio=lambda cid: None)
    t = tr.Transport(lambda: session, prefer="silent")
    t.duration = 150.0
    ends = []

    def run_out():                                   # let each span play to its end
        for _ in range(20):
            if not (t.player.playing or t._shuttle is not None):
                return
            if t.player.playing:
                t.player._started -= 1000.0
            t._tick()
            ends.append(round(t.time, 6))
        raise AssertionError("the shuttle never stopped")
    t.time = 10.0
    t.shuttle(1)
    t.shuttle(1)                                     # L, L: twice the speed
    assert t.player.speed == 2.0 and t.player._t_end == pytest.approx(10.0 + tr.SHUTTLE_SPAN)
    run_out()
    assert sorted(set(ends)) == pytest.approx([70.0, 130.0, 150.0])    # each span's end
    ends.clear()
    t.shuttle(-1)                                    # J from the end: back to the start
    assert t.player._t_end == pytest.approx(150.0 - tr.SHUTTLE_SPAN)
    run_out()
    assert sorted(set(ends)) == pytest.approx([0.0, 30.0, 90.0]) and t._shuttle is None
