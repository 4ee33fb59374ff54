"""One way from a cue to audio: the editor's session, `dub`, `say --slot` and `eval`
make the same audio for the same cue and voice, a cloned voice (with its register)
included. Real engine, real instruction models; no cloning (the voice is made by hand)."""
import json

import numpy as np
import pytest
import soundfile as sf

from _signals import make_video
from core.constants import SAMPLE_RATE
from core.project import Cue, Project, VideoInfo
from core.session import Session
from core.voices import style_vector

TEXT = "Bin blue."
RATIO = 1.25


@pytest.fixture(scope="module")
def cloned():
    """A voice as voice cloning saves it: a vector and a clone record with its register."""
    vec = style_vector("jf_gongitsune", 40)
    return {"vector": [float(x) for x in vec],
            "clone": {"reference": "ref.wav", "f0_ratio": RATIO, "history": []}}


@pytest.fixture(scope="module")
def clip(engine, tmp_path_factory):
    """A 2 s clip whose original track is a real spoken line at 0.5 s."""
    line = engine.render(engine.predict(engine.phonemize("Place red at g now."), "jm_kumo"))
    track = np.zeros(2 * SAMPLE_RATE, np.float32)
    at = SAMPLE_RATE // 2
    track[at:at + len(line)] = line[:len(track) - at]
    return make_video(tmp_path_factory.mktemp("clip") / "clip.mp4", 2.0, track)


def eval_dub(engine, clip, voice):
    from core.evaluate.dub import dub_clip
    info = {}
    track = dub_clip(clip, TEXT, voice, eng=engine, timing="oracle", info=info)
    start, end = info["slot_s"]
    return track, start, end, info


def editor_audio(engine, voice, start, end):
    """What the editor's session renders for the cue (Session.update)."""
    s = Session(Project(cues=[Cue(id="c1", text=TEXT, start=start, end=end, voice=voice)]),
                engine_factory=lambda: engine)
    return s.update("c1")


def dub_audio(engine, voice, start, end, tmp_path, monkeypatch):
    """What `dub` renders for the cue: the command itself, its export step captured."""
    import core.export
    from core.cli import main
    got = {}
    monkeypatch.setattr(core.export, "export_project",
                        lambda project, audio, *a, **k: got.update(audio) or
                        core.export.ExportResult())
    proj = Project(video=VideoInfo(duration=2.0),
                   cues=[Cue(id="c1", text=TEXT, start=start, end=end, voice=voice)])
    proj.save(tmp_path / "p.json")
    import torch
    threads = str(torch.get_num_threads())        # the same numerics as the editor's render
    assert main(["dub", str(tmp_path / "p.json"), "--export", str(tmp_path / "out"),
                 "--threads", threads]) == 0
    return got["c1"]


@pytest.mark.parametrize("which", ["pack", "cloned"])
def test_editor_dub_and_eval_make_identical_audio(which, engine, clip, cloned, tmp_path,
                                                  monkeypatch):
    voice = "jm_kumo" if which == "pack" else cloned
    track, start, end, info = eval_dub(engine, clip, voice)
    ed = editor_audio(engine, voice, start, end)
    at = int(round(start * SAMPLE_RATE))
    assert 0.3 < start < end <= 2.0 and len(ed.audio) == ed.alignment.n_samples
    assert np.array_equal(track[at:at + len(ed.audio)], ed.audio)
    assert not track[:at].any() and not track[at + len(ed.audio):].any()
    assert np.array_equal(dub_audio(engine, voice, start, end, tmp_path, monkeypatch), ed.audio)
    if which == "cloned":
        assert info["f0_ratio"] == RATIO


def test_a_cloned_voice_speaks_in_its_register_everywhere(engine, cloned, tmp_path):
    """The register scales the predicted F0 in the shared predict step, so the editor
    and `say` (not only `eval`) render the voice as it was tuned and scored."""
    start, end = 0.5, 1.3
    plain = {"vector": cloned["vector"]}
    low, high = editor_audio(engine, plain, start, end), editor_audio(engine, cloned, start, end)
    assert np.array_equal(high.alignment.durations, low.alignment.durations)
    voiced = low.alignment.f0 > 0
    assert voiced.sum() > 10
    assert np.allclose(high.alignment.f0[voiced], RATIO * low.alignment.f0[voiced], rtol=1e-6)
    assert not np.array_equal(high.audio, low.audio)
    # `say --slot` with the voice file: the same audio (as 16-bit PCM)
    from core.cli import main
    (tmp_path / "v.json").write_text(json.dumps(cloned))
    wav = tmp_path / "say.wav"
    assert main(["say", TEXT, "-o", str(wav), "--voice", str(tmp_path / "v.json"),
                 "--slot", f"{end - start}"]) == 0
    said, sr = sf.read(str(wav), dtype="float32")
    assert sr == SAMPLE_RATE and len(said) == len(high.audio)
    assert np.abs(said - high.audio).max() <= 1.5 / 32768
