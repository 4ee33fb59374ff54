"""Fitting a voice to transcribed recordings (shipped LJSpeech clips), the `voices fit`
command, cloning through the fit, and the shipped voices."""
import json
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from _small_fit import small_fit
from core.constants import SAMPLE_RATE
from core.errors import UserError
from core.voice_fit import FitCancelled, FitSettings, fit_files, fit_voice
from core.voice_fit.sources import read_recordings

DATA = Path(__file__).parent / "data" / "ljspeech"
TINY = FitSettings(prosody_steps=8, prosody_batch=2, prosody_lr=0.03, acoustic_steps=2,
                   crop_frames=24, val_crops=1, measure_start=False)   # no renders of the start


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """A fresh cache for this module (the recordings are measured once), two start
    packs for the fits that choose one, not five (each costs decoder renders), and
    shorter similarity renders."""
    mp = pytest.MonkeyPatch()
    mp.setenv("INSTRUCTDUB_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setattr("core.voice_fit.START_PACKS", ("jf_alpha", "jm_kumo"))
    mp.setattr("core.voice_fit.acoustic.SIM_FRAMES", 40)    # 1-s similarity renders, not 4 s
    yield
    mp.undo()


@pytest.fixture(scope="module")
def loaded(engine, cache):
    from core.speech.checks import load_audio
    recs = read_recordings(DATA, limit=2)
    return [(load_audio(r.path, SAMPLE_RATE), r.text, r.path.name) for r in recs]


@pytest.fixture(scope="module")
def fitted(engine, loaded):
    calls = []
    voice = fit_voice(loaded, TINY, eng=engine, progress=lambda f, m: calls.append((f, m)),
                      start_packs=("jf_alpha", "jm_kumo"))
    return voice, calls


def test_read_recordings_from_manifest_and_pairs(tmp_path):
    recs = read_recordings(DATA)
    assert len(recs) == 4 and all(r.path.is_file() and r.text for r in recs)
    assert [r.path.name for r in read_recordings(DATA, limit=2)] == ["LJ001-0002.flac",
                                                                    "LJ001-0008.flac"]
    with pytest.raises(UserError, match="speaker"):
        read_recordings(DATA, speaker="nobody")
    pairs = tmp_path / "pairs"
    pairs.mkdir()
    shutil.copy(DATA / "LJ001-0002.flac", pairs / "a.flac")
    (pairs / "a.txt").write_text("in being comparatively modern.\n")
    assert [(r.path.name, r.text) for r in read_recordings(pairs)] == [
        ("a.flac", "in being comparatively modern.")]
    shutil.copy(DATA / "LJ001-0008.flac", pairs / "b.flac")
    with pytest.raises(UserError, match="no transcript"):
        read_recordings(pairs)
    two = tmp_path / "two.csv"
    two.write_text("path,speaker,text\n" f"{DATA / 'LJ001-0002.flac'},a,x\n"
                   f"{DATA / 'LJ001-0008.flac'},b,y\n")
    with pytest.raises(UserError, match="several speakers"):
        read_recordings(two)
    assert len(read_recordings(two, speaker="b")) == 1


def test_bad_fit_settings_are_refused(loaded):
    from dataclasses import replace
    with pytest.raises(UserError, match="mel loss"):       # "best" start is chosen by mel
        fit_voice(loaded[:1], replace(TINY, acoustic_start="best", mel_weight=0.0))
    with pytest.raises(UserError, match="unknown acoustic start"):
        fit_voice(loaded[:1], replace(TINY, acoustic_start="nearest"))


def test_fit_moves_both_halves_towards_the_recordings(fitted):
    voice, calls = fitted
    vec = np.asarray(voice["vector"])
    assert vec.shape == (256,) and np.isfinite(vec).all()
    fit = voice["fit"]
    from core.voices import style_vector
    start = np.concatenate([style_vector(fit["start"]["acoustic"], 30)[:128],
                            style_vector(fit["start"]["prosody"], 30)[128:]])
    assert np.abs(vec[128:] - start[128:]).max() > 0.01      # prosody half fitted
    assert np.abs(vec[:128] - start[:128]).max() > 0.005     # acoustic half fitted
    b, a = fit["before"], fit["after"]
    # the fitted prosody predicts these recordings' melody and timing better
    assert a["f0_rmse_st"] < b["f0_rmse_st"]
    assert a["duration_mae_ms"] + a["n_mae"] * 10 < b["duration_mae_ms"] + b["n_mae"] * 10
    assert fit["recordings"] == ["LJ001-0002.flac", "LJ001-0008.flac"]
    assert len(fit["history"]["prosody"]) == 8 and len(fit["history"]["acoustic"]) == 2
    fracs = [f for f, _ in calls]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0


def test_fitted_vector_is_a_voice_the_engine_speaks(engine, fitted):
    al = engine.predict(engine.phonemize("A new voice."), {"vector": fitted[0]["vector"]})
    audio = engine.render(al)
    assert np.isfinite(audio).all() and np.abs(audio).max() > 0.01


def test_fit_cancel(engine, loaded):
    stop = threading.Event()
    with pytest.raises(FitCancelled):
        fit_voice(loaded, TINY, eng=engine, progress=lambda f, m: stop.set(), cancel=stop)


def test_voices_fit_command_and_its_cache(engine, cache, tmp_path, capsys, monkeypatch):
    import functools

    import core.voice_fit as vf
    from core.cli import main
    # the command's settings with one short validation crop, not four long ones: the
    # command and the cache are tested here, the fit itself above
    monkeypatch.setattr(vf, "FitSettings", functools.partial(FitSettings, val_crops=1,
                                                              crop_frames=24))
    out = tmp_path / "v.json"
    assert main(["voices", "fit", str(DATA), "-o", str(out), "--limit", "1",
                 "--prosody-steps", "1", "--acoustic-steps", "0",
                 "--source-note", "LJSpeech test clip", "--licence", "public domain"]) == 0
    voice = json.loads(out.read_text())
    assert voice["name"] == "v" and voice["licence"] == "public domain"
    assert voice["fit"]["recordings"] == ["LJ001-0002.flac"] and len(voice["vector"]) == 256
    # the fit was cached by content: the same recordings and settings do not fit again
    monkeypatch.setattr(vf, "fit_voice", lambda *a, **k: pytest.fail("fitted again"))
    settings = FitSettings(prosody_steps=1, acoustic_steps=0, val_crops=1, crop_frames=24)
    cached = fit_files(read_recordings(DATA, limit=1), settings, eng=engine)
    assert cached["vector"] == voice["vector"] and cached["fit"] == voice["fit"]
    other = FitSettings(prosody_steps=2, acoustic_steps=0)
    assert vf.cache_path([(np.zeros(3), "a", "x")], settings) != \
        vf.cache_path([(np.zeros(3), "a", "x")], other)
    assert main(["voices", "fit", str(DATA), "-o", str(out), "--limit", "1"]) == 2   # exists
    assert "--force" in capsys.readouterr().err
    manifest = tmp_path / "list.json"        # a manifest (CSV) that happens to end in .json
    manifest.write_text(f"path,text\n{DATA / 'LJ001-0002.flac'},in being comparatively modern.\n")
    assert main(["voices", "fit", str(manifest), "-o", str(manifest), "--force"]) == 2
    assert "inputs" in capsys.readouterr().err


def test_clone_with_a_transcript_fits_the_clip(engine, loaded, monkeypatch):
    from core.voice_clone import clone_voice
    small_fit(monkeypatch)                                    # the route, not the fit
    audio, text, _ = loaded[0]
    voice = clone_voice(audio, SAMPLE_RATE, steps=0, eng=engine, transcript=text, name="lj.flac")
    c = voice["clone"]
    assert c["method"] == "fit" and c["transcript"] == text and c["transcript_from"] == "given"
    assert c["reference"] == "lj.flac" and len(voice["vector"]) == 256
    # no acoustic steps: the acoustic half is the start's, en_lj (native English, clean);
    # the acoustic loss is the speaker embedding's alone (a film clip's music is not learned)
    from core.voices import style_vector
    start = voice["fit"]["start"]
    assert start["prosody"] == "en_lj" and start["acoustic_packs"] == ["en_lj"]
    assert voice["fit"]["settings"]["mel_weight"] == 0.0
    assert np.allclose(voice["vector"][:128], style_vector("en_lj", 12)[:128], atol=1e-5)
    # only the fitted voice was rendered to be measured
    assert c["before"]["similarity"] is None and -1 <= c["after"]["similarity"] <= 1


def test_shipped_voices_are_listed_and_default():
    from core.constants import DEFAULT_VOICE
    from core.voices import SHIPPED_DIR, list_voices, shipped_voice_info, style_vector
    assert DEFAULT_VOICE == "en_lj" and "en_lj" in list_voices() and "jm_kumo" in list_voices()
    shipped = json.loads((SHIPPED_DIR / "en_lj.json").read_text())
    assert np.allclose(style_vector("en_lj", 12), shipped["vector"])
    info = shipped_voice_info("en_lj")
    assert "LJSpeech" in info["source"] and info["licence"] == "public domain"
    assert "vector" not in info and shipped_voice_info("jm_kumo") is None


def test_adam_is_torch_adam():
    import torch

    from core.voice_fit.adam import Adam
    torch.manual_seed(0)
    ours = torch.randn(1, 16).requires_grad_(True)
    theirs = ours.detach().clone().requires_grad_(True)
    opts = [(ours, Adam(ours, lr=0.05)), (theirs, torch.optim.Adam([theirs], lr=0.05))]
    w = torch.randn(16)
    for _ in range(5):
        for p, opt in opts:
            opt.zero_grad()
            (torch.sin(p * w) ** 2).sum().backward()
            opt.step()
    assert torch.equal(ours, theirs) and not torch.equal(ours, theirs.new_zeros(1, 16))


def test_snake_gradient_in_x_alone_is_autograds():
    import torch

    from core.backbone.decoder import SnakeResBlock
    torch.manual_seed(0)
    x = torch.randn(1, 4, 50, dtype=torch.float64, requires_grad=True)
    alpha = torch.rand(1, 4, 1, dtype=torch.float64) + 0.5        # fixed, as in a style fit
    assert torch.autograd.gradcheck(lambda v: SnakeResBlock._snake(v, alpha), (x,))
    with torch.no_grad():
        assert torch.equal(SnakeResBlock._snake(x, alpha), x + (1 / alpha) * torch.sin(alpha * x) ** 2)


def test_prosody_losses_of_several_styles_in_one_batch(engine, loaded):
    import torch

    from core.speech_targets import speech_targets
    from core.voice_fit import prosody
    from core.voices import style_vector
    audio, text, name = loaded[0]
    data = prosody.prepare(engine, speech_targets(audio, SAMPLE_RATE, text, eng=engine, what=name))
    styles = torch.stack([torch.from_numpy(style_vector(p, 20)) for p in ("jf_alpha", "jm_kumo")])
    with torch.no_grad():
        one_by_one = [float(prosody.loss(engine.model, data, s[None])[0]) for s in styles]
    assert np.allclose(prosody.losses(engine.model, data, styles), one_by_one, rtol=1e-4)
    assert abs(one_by_one[0] - one_by_one[1]) > 1e-3                 # two different voices


def test_clone_check_pulls_a_broken_timbre_back(engine, monkeypatch):
    """A timbre the quality check rates as broken (DistillMOS of a rendered sentence) is
    moved back towards the start; the prosody half stays; a sound voice is kept as is."""
    from core.voice_fit.check import MIN_MOS, guard_timbre
    monkeypatch.setattr("core.voice_fit.check.CHECK_TEXT", "Rice is often served.")  # shorter
    from core.voices import style_vector
    start = style_vector("en_lj", 12)
    kept, found = guard_timbre(engine, start, start)
    assert found["timbre_kept"] == 1.0 and found["mos"] >= MIN_MOS
    assert np.array_equal(kept, start)
    broken = start.copy()
    broken[:128] += 3.0 * start[:128].std() * np.random.default_rng(0).standard_normal(128)
    kept, found = guard_timbre(engine, broken, start)
    assert found["tried"][0]["mos"] < MIN_MOS and found["timbre_kept"] < 1.0
    assert found["mos"] >= MIN_MOS or found["timbre_kept"] == 0.0
    share = found["timbre_kept"]
    assert np.allclose(kept[:128], start[:128] + share * (broken[:128] - start[:128]), atol=1e-5)
    assert np.array_equal(kept[128:], broken[128:])
