"""Real-speech data for IDD/IEC: manifests, splits, pairing, per-token measures,
measured rate profiles, the IDD/IEC line heads and the render's line gain.
Manifests and curves are built here (tests never read ../shared)."""
import csv

import numpy as np
import pytest
import torch

from core.instruct import corpus, real_data, real_manifest, real_measure
from core.instruct.idd import IDD
from core.instruct.iec import IEC, weights_vector

TOKENS = list("$kˈɪdz ɑɹ tˈɔkɪŋ.$")


def _manifest(tmp_path):
    rows = []
    for actor in ("03", "22"):
        for emo, code, intensity in (("neutral", "01", "01"), ("calm", "02", "01"),
                                     ("angry", "05", "01"), ("angry", "05", "02")):
            for rep in ("01", "02"):
                name = f"03-01-{code}-{intensity}-01-{rep}-{actor}.flac"
                rows.append(dict(path=f"ravdess/{actor}/{name}", speaker=f"ravdess_{actor}",
                                 gender="M", emotion=emo,
                                 intensity="normal" if intensity == "01" else "strong",
                                 text="Kids are talking by the door.", seconds="3.0"))
    (tmp_path / "ravdess").mkdir()
    with open(tmp_path / "ravdess" / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return real_manifest.read_manifest(tmp_path, "ravdess")


def test_manifest_labels_splits_and_pairs(tmp_path):
    lines = _manifest(tmp_path)
    assert len(lines) == 16 and lines[0].sentence == "01" and lines[0].repetition == "01"
    held = real_manifest.split(lines, heldout=True)
    assert {x.speaker for x in held} == {"ravdess_22"}            # actors 21-24 held out
    by = {(x.emotion, x.intensity): x for x in lines}
    assert by[("calm", "normal")].entities() is None               # calm is not an entity
    assert by[("angry", "normal")].entities() == {"angry": 0.6, "neutral": 0.4}
    assert by[("angry", "strong")].entities() == {"angry": 1.0}
    assert by[("neutral", "normal")].entities() == {"neutral": 1.0}
    pairs = real_manifest.emotion_pairs(lines)
    for line, refs in pairs:                   # same actor, same sentence, neutral, not itself
        assert all(r.emotion == "neutral" and r.speaker == line.speaker and r.path != line.path
                   and r.sentence == line.sentence for r in refs)
    assert len(pairs) == 16
    with pytest.raises(real_manifest.RealSpeechError, match="no ljspeech manifest"):
        real_manifest.read_manifest(tmp_path, "ljspeech")


def _curves(durations, hz, db):
    n = 2 * sum(durations)
    f0 = np.full(n, hz, np.float32)
    f0[: 2 * durations[0]] = 0                                   # the lead pad is unvoiced
    return f0, np.full(n, db, np.float32)


def test_measure_and_change():
    durs = [10] + [2] * (len(TOKENS) - 2) + [10]
    durs[2] = 0                                                  # the stress mark
    ref = real_measure.measure(TOKENS, durs, *_curves(durs, 200.0, -30.0))
    loud = [2 * d for d in durs]
    loud[0], loud[-1] = durs[0], durs[-1]
    emo = real_measure.measure(TOKENS, loud, *_curves(loud, 400.0, -20.0))
    assert ref.speech_frames == sum(durs[1:-1])
    assert np.isnan(ref.st[2])                                  # a 0-frame stress token
    ch = real_measure.change(emo, ref)
    assert ch.line_st == pytest.approx(12.0, abs=1e-3)           # an octave up
    assert ch.line_db == pytest.approx(10.0, abs=1e-3)
    assert ch.line_ratio == pytest.approx(2.0)
    assert np.nanmax(np.abs(ch.log_ratio[1:-1] - np.log(2))) < 1e-9
    both = real_measure.reference([ref, emo])                   # the mean of two takes
    assert both.line_db == pytest.approx(10 * np.log10((1e-3 + 1e-2) / 2), abs=1e-3)
    with pytest.raises(ValueError, match="same tokens"):
        real_measure.change(emo, real_measure.measure(TOKENS[:-2] + ["$"], durs[:-1], *_curves(durs[:-1], 1, 1)))


def test_iec_targets_take_out_the_gain():
    ch = real_measure.Change(d_st=np.r_[np.nan, np.full(len(TOKENS) - 2, 3.0), np.nan],
                             d_db=np.full(len(TOKENS), 8.0), log_ratio=np.zeros(len(TOKENS)),
                             line_st=2.0, line_db=8.0, line_ratio=0.9, st_range=1.2)
    t = real_data.iec_targets(ch, TOKENS)
    assert t["d_logf0"][0] == pytest.approx(2.0 / real_measure.SEMITONES_PER_LN)   # the line's
    assert t["d_logf0"][1] == pytest.approx(3.0 / real_measure.SEMITONES_PER_LN)
    assert float(t["shape_db"].abs().max()) == 0.0               # all of it is gain
    assert t["line"][0] == pytest.approx(8.0) and t["line"][1] == pytest.approx(np.log(0.9))


def test_measured_profile_trend_and_pauses():
    toks = list("$ðə kˈæt, sˈæt ˈɑn ðə mˈæt.$")
    base = np.full(len(toks), 3.0)
    prof = corpus.measured_profile(base, base.copy(), toks)
    assert prof.trend == "steady" and prof.tempo_cat == "normal" and prof.pause_rate == 0
    paused = base.copy()
    comma = toks.index(",")
    paused[comma] += 12                                  # a reader's pause at a comma
    assert corpus.measured_profile(base, paused, toks).pause_rate == 0
    comma_only = corpus.measured_profile(base, paused, toks).tempo
    paused[18] += 12                                     # one pause in four gaps: a breath
    prof = corpus.measured_profile(base, paused, toks)
    assert prof.pause_rate == 0 and prof.tempo > comma_only + 0.1    # its time is the tempo's
    paused[14] += 12                                     # two in four: a halting read
    prof = corpus.measured_profile(base, paused, toks)
    assert prof.pause_rate == pytest.approx(2 / 4) and prof.pause_frames == pytest.approx(12, abs=1)
    assert prof.tempo == pytest.approx(comma_only, abs=0.02)     # the speech's, without them
    slowing = base * np.linspace(0.6, 1.6, len(toks))
    assert corpus.measured_profile(base, slowing, toks).trend == "slowing"
    assert corpus.measured_profile(base, slowing[::-1].copy(), toks).trend == "accelerating"
    assert corpus.boundaries(toks) == [3, comma, 14, 18, 21]    # punctuation before space
    assert corpus.boundaries(toks, spaces_only=True) == [3, 14, 18, 21]


def test_idd_line_head_gives_a_trend():
    model = IDD(hidden=16)
    bert, base = torch.randn(1, 12, 512), torch.full((1, 12), 4.0)
    mask, instr = torch.ones(1, 12, dtype=torch.bool), torch.randn(1, 5, 384)
    args = (bert, base, mask, instr, torch.ones(1, 5, dtype=torch.bool))
    assert torch.allclose(torch.exp(model(*args)), base)            # zero-initialised
    with torch.no_grad():
        model.line_head[-1].bias[:] = torch.tensor([0.0, np.log(0.6), 0.0])   # accelerate to 0.6
    with torch.no_grad():
        d = torch.exp(model(*args))[0]
    assert float(d[-1] / d[0]) == pytest.approx(0.6, rel=1e-4)


def test_iec_line_effects():
    iec = IEC(hidden=16, table=torch.randn(7, 384))
    w = torch.stack([weights_vector({"angry": 1.0}), weights_vector({"sad": 0.6, "neutral": 0.4})])
    assert torch.equal(iec.line_effects(w), torch.zeros(2, 2))       # zero-initialised
    torch.nn.init.normal_(iec.line_head[-1].weight)
    out = iec.line_effects(w)
    assert out.shape == (2, 2) and not torch.allclose(out[0], out[1])


def test_checkpoint_without_line_head_loads(tmp_path):
    from core.instruct import checkpoints
    iec = IEC(hidden=16, table=torch.randn(7, 384))
    checkpoints.save_module(iec, tmp_path / "iec.pt")
    blob = torch.load(tmp_path / "iec.pt", weights_only=True)
    blob["state"] = {k: v for k, v in blob["state"].items() if not k.startswith("line_head.")}
    torch.save(blob, tmp_path / "old.pt")
    old = checkpoints._load(IEC, tmp_path / "old.pt")
    assert torch.equal(old.line_effects(weights_vector({"angry": 1})[None]), torch.zeros(1, 2))
    blob["state"].pop("pitch_head.weight")
    torch.save(blob, tmp_path / "bad.pt")
    with pytest.raises(Exception, match="does not match"):
        checkpoints._load(IEC, tmp_path / "bad.pt")


def test_render_applies_the_line_gain(engine, short_line):
    from core.synth import line_gain_db
    al, audio = short_line
    louder = al.copy()
    louder.extra["gain_db"] = 2.0                            # under the limiter's ceiling
    out = engine.render(louder)
    assert line_gain_db(louder) == 2.0 and line_gain_db(al) == 0.0
    rms = lambda x: float(np.sqrt(np.mean(np.square(x))))  # noqa: E731
    assert 20 * np.log10(rms(out) / rms(audio)) == pytest.approx(2.0, abs=0.05)
    quiet = al.copy()
    quiet.extra["gain_db"] = -6.0
    edited = engine.render_edit(louder, out, quiet)          # a gain change re-renders whole
    assert 20 * np.log10(rms(edited) / rms(audio)) == pytest.approx(-6.0, abs=0.05)
    huge = al.copy()
    huge.extra["gain_db"] = 30.0
    assert np.abs(engine.render(huge)).max() < 0.9           # limited, not clipped


def test_real_durations_from_shipped_lj_clips(engine, tmp_path, monkeypatch):
    """Four LJ001 clips -> forced-aligned durations in the backbone's convention."""
    from pathlib import Path

    from core.speech_targets.tokens import token_kinds
    monkeypatch.setenv("INSTRUCTDUB_CACHE", str(tmp_path))
    lines = real_manifest.read_manifest(Path(__file__).parent / "data", "ljspeech")
    assert len(lines) == 4 and all(x.path.is_file() and not x.heldout for x in lines)
    measures = real_data.measure_lines(lines)
    assert len(measures) == 4
    recs = real_data.backbone_records(engine, [m.tokens for m in measures.values()], ["jm_kumo"])
    items = real_data.idd_records(lines, measures, recs, lambda line: "jm_kumo")
    for item, m in zip(items, measures.values()):
        gt, base = item["duration_gt"].numpy(), item["base"].numpy()
        groups = real_data.groups_of(m.tokens, m.durations)
        inner = [i for idx, kind in groups if kind != "edge" for i in idx]
        assert gt[inner].sum() == pytest.approx(m.durations[inner].sum(), rel=1e-5)  # real length
        edges = [i for idx, kind in groups if kind == "edge" for i in idx]
        assert np.allclose(gt[edges], base[edges])                       # the backbone's edges
        # whatever the aligner gives a stress mark (speech_targets VERSION 2: nothing;
        # VERSION 3: half the phone after it), the target shares each phone group's real
        # length among its tokens as the backbone does, so a stress mark always has time
        stress = [i for i, k in enumerate(token_kinds(m.tokens)) if k == "stress"]
        assert stress and (gt[stress] > 0).all()
        for idx, kind in groups:
            if kind == "phone" and len(idx) > 1:
                share = np.maximum(base[idx], 1e-3)
                assert gt[idx] == pytest.approx(m.durations[idx].sum() * share / share.sum(), rel=1e-4)
        prof = corpus.measured_profile(base, gt, item["tokens"])
        assert 0.4 < prof.tempo < 2.5


def test_emotion_examples_train_the_iec_heads(engine, tmp_path):
    """RAVDESS-style pairs (curves built here) -> IEC examples -> a few steps move the
    heads toward the measured change: louder and higher for the emotion."""
    import random

    from core.instruct import batches
    from core.instruct.train import adam, line_loss, prosody_loss
    lines = _manifest(tmp_path)
    tokens = engine.tokens(engine.phonemize(lines[0].text))
    durs = [8] + [2] * (len(tokens) - 2) + [8]
    measures = {}
    for line in lines:
        hz, db = (200.0, -30.0) if line.emotion != "angry" else (300.0, -18.0)
        jitter = 1 + 0.01 * int(line.repetition)
        measures[str(line.path)] = real_measure.measure(tokens, durs, *_curves(durs, hz * jitter, db))
    recs = real_data.backbone_records(engine, [tokens], ["jm_kumo"])
    examples = real_data.emotion_examples(lines, measures, recs, ["jm_kumo"])
    assert len(examples) == 12                                  # calm is left out
    angry = [e for e in examples if e["weights"] == {"angry": 1.0}][0]
    assert float(angry["line"][0]) == pytest.approx(12.0, abs=0.1)      # +12 dB
    assert float(angry["d_logf0"][5]) == pytest.approx(np.log(1.5), abs=0.02)
    torch.manual_seed(0)
    iec = IEC(hidden=16)
    opt = adam(iec.parameters(), 3e-3)
    rng = random.Random(0)
    for _ in range(150):
        batch, exs = batches.sample_iec_batch([], rng, 4, examples, 1.0)
        f0_err, en_err = prosody_loss(iec, batch, exs)
        loss = f0_err + en_err + line_loss(iec, batch, exs)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        line = iec.line_effects(torch.stack([weights_vector({"angry": 1.0}), weights_vector({})]))
    assert line[0, 0] > line[1, 0] + 4                         # angry: a louder line than neutral


def test_measure_store_survives_a_copy_of_the_data(tmp_path, monkeypatch):
    """Stored measures are found again when the recordings get new modification times
    (a copied data set), including stores written with the time in their keys."""
    import os
    import pickle

    import core.speech_targets as st
    monkeypatch.setenv("INSTRUCTDUB_CACHE", str(tmp_path / "cache"))
    audio = tmp_path / "a.flac"
    audio.write_bytes(b"x" * 100)
    line = real_manifest.RealLine(audio, "ljspeech", "lj", "", "", "Kids are talking.")
    m = real_measure.measure(TOKENS, [2] * len(TOKENS), np.full(2 * 2 * len(TOKENS), 200.0),
                             np.full(2 * 2 * len(TOKENS), -20.0))
    path = real_data._store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    old_key = f"{audio}|{line.text}|100|{int(audio.stat().st_mtime)}"
    path.write_bytes(pickle.dumps({old_key: m}))
    os.utime(audio, (1e9, 1e9))

    def no_measuring(*a, **k):
        raise AssertionError("measured again")
    monkeypatch.setattr(st, "targets_for_file", no_measuring)
    got = real_data.measure_lines([line])
    assert list(got) == [str(audio)] and got[str(audio)].tokens == TOKENS
