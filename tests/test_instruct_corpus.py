"""Corpus readers, rate profiles, emotion transforms and the instruction writer."""
import json
import math
import random

import numpy as np
import pytest

from core.instruct import corpus, phrasing
from core.instruct.corpus import RateProfile, apply_emotion, apply_profile

TOKENS = list("$ðə kˈæt sˈæt ˈɑːn ðə mˈæt$")


def test_read_list_and_jsonl(tmp_path):
    lst = tmp_path / "train.txt"
    lst.write_text("a/b.wav|ðə kˈæt|3\n\nc.wav|hˈɛloʊ|\n", encoding="utf-8")
    lines = corpus.read_list(lst)
    assert [l.ipa for l in lines] == ["ðə kˈæt", "hˈɛloʊ"] and lines[0].speaker == "3"
    js = tmp_path / "val.jsonl"
    js.write_text(json.dumps({"path": "x.wav", "phoneme_idx": [5, 6, 7], "duration_gt": [2, 3, 4]}) + "\n")
    recs = corpus.read_jsonl(js)
    assert recs[0].duration_gt == [2, 3, 4] and recs[0].phoneme_idx == [5, 6, 7]
    train, val = corpus.split_files(tmp_path)
    assert train == [lst] and val == [js]


def test_reader_errors_are_clear(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("no separator here\n")
    with pytest.raises(ValueError, match=r"bad.txt:1.*wav_path\|IPA\|speaker"):
        corpus.read_list(bad)
    js = tmp_path / "bad.jsonl"
    js.write_text(json.dumps({"path": "x", "phoneme_idx": [1, 2], "duration_gt": [1]}) + "\n")
    with pytest.raises(ValueError, match="2 phonemes but 1 durations"):
        corpus.read_jsonl(js)
    with pytest.raises(ValueError, match="no such corpus"):
        corpus.read_corpus(tmp_path / "missing.txt")


def test_profile_tempo_trend_pause_emphasis():
    base = np.full(len(TOKENS), 4.0)
    fast = apply_profile(base, TOKENS, RateProfile(tempo=0.6))
    slow = apply_profile(base, TOKENS, RateProfile(tempo=1.6))
    assert fast.sum() < base.sum() < slow.sum()
    assert fast[0] == 4.0 and fast[-1] == 4.0               # pads keep the backbone's silence
    acc = apply_profile(base, TOKENS, RateProfile(trend="accelerating", trend_ratio=0.6))
    half = len(TOKENS) // 2
    assert acc[1:half].mean() > acc[half:-1].mean()
    paused = apply_profile(base, TOKENS, RateProfile(pause_rate=1.0, pause_frames=8))
    spaces = [i for i, t in enumerate(TOKENS) if t == " "]
    assert all(paused[i] == 12.0 for i in spaces)
    emph = apply_profile(base, TOKENS, RateProfile(emphasis="last", emphasis_factor=1.5))
    a, b = corpus.word_spans(TOKENS)[-1]
    assert np.allclose(emph[a:b], 6.0) and np.allclose(emph[1:a - 1], 4.0)


def test_emotion_transform_directions():
    t = np.arange(200)
    f0 = np.where(t % 10 < 8, 150 * np.exp(0.1 * np.sin(t / 6)), 2.0).astype(np.float32)
    energy = np.sin(t / 9).astype(np.float32)
    voiced = f0 > 40

    def stats(name):
        g, e = apply_emotion(f0, energy, {name: 1.0})
        lg = np.log(g[voiced])
        return lg.mean() - np.log(f0[voiced]).mean(), lg.std() / np.log(f0[voiced]).std(), (e - energy).mean()

    for name in ("happy", "angry", "surprise"):
        lvl, rng_, en = stats(name)
        assert lvl > 0 and rng_ > 1 and en > 0, name
    lvl, rng_, en = stats("sad")
    assert lvl < 0 and rng_ < 1 and en < 0
    lvl, rng_, en = stats("neutral")
    assert abs(lvl) < 1e-6 and abs(rng_ - 1) < 1e-5 and en == 0
    g, _ = apply_emotion(f0, energy, {"sad": 1.0})
    assert np.array_equal(g[~voiced], f0[~voiced])          # unvoiced frames untouched
    mixed = corpus.mixture_params({"angry": 0.5, "sad": 0.5})
    assert math.isclose(mixed[0], (1.5 - 2.0) / 2)


def test_writer_families_and_heldout():
    assert not set(phrasing.TRAIN_FAMILIES) & set(phrasing.HELDOUT_FAMILIES)
    rng = random.Random(1)
    seen = set()
    for fam in phrasing.FAMILIES:
        for _ in range(20):
            prof = corpus.sample_profile(rng)
            text = phrasing.rate_instruction(prof, fam, rng)
            assert text.strip() and "  " not in text
            seen.add(text)
            mix = corpus.sample_mixture(rng)
            assert abs(sum(mix.values()) - 1) < 1e-6
            assert phrasing.emotion_instruction(mix, fam, rng).strip()
    assert len(seen) > 60
    long = phrasing.rate_instruction(RateProfile(tempo_cat="slower", trend="slowing"), "mllm", rng)
    assert len(long.split()) > 15                           # MLLM-style paragraph
    short = phrasing.rate_instruction(RateProfile(tempo_cat="much_faster"), "edit", rng)
    assert len(short.split()) <= 5                          # a short human edit
    # held-out phrasings are not copies of training phrases
    train_phrases = {p for f in phrasing.TRAIN_FAMILIES for v in phrasing.RATE[f].values() for p in v}
    held = {p for f in phrasing.HELDOUT_FAMILIES for v in phrasing.RATE[f].values() for p in v if p}
    assert not held & train_phrases


def test_select_lines_balanced(tmp_path):
    for name, n in (("a_train.txt", 50), ("b_train.txt", 10)):
        (tmp_path / name).write_text("".join(f"w{i}.wav|ðə {i}|0\n" for i in range(n)))
    lines = corpus.select_lines(corpus.split_files(tmp_path)[0], 10, seed=0)
    assert sorted(l.source for l in lines).count("b_train.txt") == 5
    assert lines == corpus.select_lines(corpus.split_files(tmp_path)[0], 10, seed=0)


def test_real_timing_lines_train_on_their_own_durations():
    import torch

    from core.instruct import batches
    tokens = list("$ðə kˈæt$")
    base = torch.full((len(tokens),), 4.0)
    gt = base * 0.6                                          # a fast real recording
    rec = dict(tokens=tokens, bert=torch.randn(len(tokens), 512), base=base, duration_gt=gt)
    batch = batches.sample_idd_batch([rec], [], random.Random(0), 2)
    assert torch.allclose(batch["target"][0], gt)
    assert rec["_real_entry"].profile.tempo_cat == "much_faster"
    assert batch["instr"].shape[-1] == 384
    # the line head's target: the measured tempo, a steady line, no pauses
    assert torch.allclose(batch["line"][0], torch.tensor([math.log(0.6), 0.0, 0.0]), atol=1e-5)


def test_line_values_state_the_profile():
    from core.instruct import batches
    prof = corpus.RateProfile(tempo=1.2, trend="slowing", trend_ratio=1.5, pause_rate=0.6, pause_frames=6)
    # a drawn profile: its trend and the pause length (most gaps pause)
    assert batches.line_values(prof).tolist() == pytest.approx([math.log(1.2), math.log(1.5), 6.0])
    # measured: a half/half ratio of a log-linear trend is the square root of end/start,
    # and the pause is the mean extra per gap
    assert batches.line_values(prof, measured=True).tolist() == pytest.approx(
        [math.log(1.2), 2 * math.log(1.5), 3.6])


def test_untilted_takes_out_the_real_lines_own_trend():
    from core.instruct import batches
    base = np.full(12, 3.0)
    tilted = apply_profile(base, ["$"] + ["a"] * 10 + ["$"], RateProfile(trend_ratio=1.8))
    flat = batches.untilted(tilted, base)
    assert corpus.measured_profile(base, tilted).trend_ratio > 1.3
    assert corpus.measured_profile(base, flat).trend_ratio == pytest.approx(1.0, abs=0.03)
