"""Voice cloning through the torch decoder and the torch d-vector."""
import json
import threading

import numpy as np
import pytest

from _small_fit import small_fit
from core.errors import UserError
from core.voice_clone import CloneCancelled, clone_voice, load_voice, save_voice


@pytest.fixture(scope="module")
def eng(engine):
    return engine


@pytest.fixture(scope="module")
def reference(eng):
    """Someone else's voice: a pack the cloner does not start from (a short line: every
    cloning step renders all of it)."""
    al = eng.predict(eng.phonemize("We should clear the old trees."),
                     "jf_alpha")
    return eng.render(al)


@pytest.mark.slow
def test_clone_tunes_and_reports(eng, reference, tmp_path, monkeypatch):
    # one short phrase to tune on and one to score with, not three sentences and two: the
    # loop, its checkpoints and its choice are what is tested here (bench/clone_speed.py: quality)
    monkeypatch.setattr("core.voice_clone.TUNE_TEXTS", ["Glue the sheet."])
    monkeypatch.setattr("core.voice_clone.CHECK_TEXTS", ["Rice is served."])
    calls = []
    voice = clone_voice(reference, 24000, steps=1, eng=eng, use_wer=False,
                        start_packs=("jm_kumo",), progress=lambda f, m: calls.append((f, m)),
                        name="ref.wav", method="dvector")
    vec = np.asarray(voice["vector"])
    assert vec.shape == (256,) and np.isfinite(vec).all()
    c = voice["clone"]
    assert c["start_pack"] == "jm_kumo" and [h["step"] for h in c["history"]] == [0, 1]
    # the kept checkpoint (the start or step 1) is the best measured one (similarity alone
    # without the WER check)
    assert c["after"]["similarity"] == max(h["similarity"] for h in c["history"])
    from core.voices import style_vector
    english = style_vector("en_lj", 40)        # the prosodic half is en_lj's, not the pack's
    assert np.allclose(vec[128:], english[128:], atol=1e-5)
    assert not np.allclose(vec[128:], style_vector("jm_kumo", 40)[128:], atol=1e-2)
    fracs = [f for f, _ in calls]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
    # the saved file is a voice the engine accepts
    path = tmp_path / "v.json"
    save_voice(voice, path)
    assert load_voice(path)["vector"] == voice["vector"]
    assert np.allclose(style_vector(str(path), 10), vec, atol=1e-6)


@pytest.mark.slow
def test_clone_unalignable_transcript_falls_back_to_timbre(eng, reference, monkeypatch):
    """A transcript the recording cannot be aligned to (here four times too long) still
    gives a voice: the speaker-embedding tuning, said so in the result."""
    text = "We should clear the old trees and start a new grove. " * 4
    monkeypatch.setattr("core.voice_clone.CHECK_TEXTS", ["Rice is served."])
    # no tuning step (test_clone_tunes_and_reports tunes): the route is what is tested
    voice = clone_voice(reference, 24000, steps=0, eng=eng, use_wer=False,
                        start_packs=("jm_kumo",), transcript=text, name="ref.wav")
    assert voice["clone"]["method"] == "dvector" and voice["clone"]["start_pack"] == "jm_kumo"
    assert np.isfinite(np.asarray(voice["vector"])).all()


def test_clone_cancel(eng, reference):
    stop = threading.Event()
    with pytest.raises(CloneCancelled):
        clone_voice(reference, 24000, steps=5, eng=eng, use_wer=False,
                    progress=lambda f, m: stop.set(), cancel=stop)


def test_clone_refuses_silence_and_bad_files(eng, tmp_path):
    with pytest.raises(UserError, match="silent"):
        clone_voice(np.zeros(48000, np.float32), 24000, steps=1, eng=eng)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"vector": [0.1] * 12}))
    with pytest.raises(UserError, match="256 numbers"):
        load_voice(bad)
    with pytest.raises(UserError, match="no such voice file"):
        load_voice(tmp_path / "none.json")
    with pytest.raises(UserError, match="256-number"):
        save_voice({"vector": [1.0]}, tmp_path / "x.json")


def test_cached_clone_writes_once(eng, reference, tmp_path, monkeypatch):
    import soundfile as sf

    from core.voice_clone import cached_clone, clone_cache_path
    monkeypatch.setenv("INSTRUCTDUB_CACHE", str(tmp_path / "cache"))
    small_fit(monkeypatch)                                  # the cache, not the fit
    ref = tmp_path / "ref.wav"
    sf.write(ref, reference, 24000)
    first = cached_clone(ref, steps=0, eng=eng)            # pack choice only
    assert clone_cache_path(ref, 0).is_file()
    assert first["clone"]["kept_step"] == 0 and first["clone"]["reference"] == "ref.wav"
    assert cached_clone(ref, steps=0, eng=None) == first   # from the cache: no engine needed


def test_voices_command(capsys, tmp_path):
    from core.cli import main
    assert main(["voices", "list"]) == 0
    assert "jm_kumo" in capsys.readouterr().out
    assert main(["voices", "clone", str(tmp_path / "none.wav"), "-o", str(tmp_path / "v.json")]) == 2
    assert "no such" in capsys.readouterr().err
    assert main(["voices", "clone", str(tmp_path / "none.wav"), "-o", str(tmp_path / "v.txt")]) == 2
