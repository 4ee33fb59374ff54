"""`python main.py train` end to end on a tiny corpus the test writes (real engine, few steps)."""
import json

import pytest

from core.cli import main
from core.instruct import checkpoints


def test_train_command_tiny(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("INSTRUCTDUB_CACHE", str(tmp_path / "cache"))
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "mine_train.txt").write_text(
        "a.wav|wˈɛl lˈɛts tˈɔːk ɐbˌaʊt ɪt|0\n"
        "b.wav|plˈeɪs blˈuː wɪð ˈoʊ ˈeɪt plˈiːz|1\n"
        "c.wav|ænd wiː kæn lˈʊk æt ðæt|0\n", encoding="utf-8")
    from core import g2p
    ids = [g2p.vocab()[c] for c in "hˈɛlO"]
    (corpus_dir / "mine_val.jsonl").write_text(json.dumps(
        {"path": "d.wav", "phoneme_idx": ids, "duration_gt": [3, 4, 5, 6, 7]}) + "\n")
    out = tmp_path / "ckpt"
    rc = main(["train", "--corpus", str(corpus_dir), "--lines", "3", "--val-lines", "1",
               "--steps", "4", "--batch", "2", "--bank-size", "12", "--analyzer-steps", "0",
               "--no-ablation", "--out", str(out)])
    assert rc == 0
    idd = checkpoints._load(checkpoints.IDD, out / "idd.pt")
    assert idd.slot_attn.slots.shape == (10, 64)
    side = json.loads((out / "checkpoints.json").read_text())
    assert side["data"]["train_lines"] == 3 and side["data"]["val_lines"] == 1
    assert side["files"]["idd.pt"]["steps"] == 4 and "--corpus" in side["command"]


def test_train_command_bad_corpus(tmp_path, capsys):
    assert main(["train", "--corpus", str(tmp_path / "nope")]) == 2
    assert "no such corpus" in capsys.readouterr().err


def test_train_command_with_real_speech(tmp_path, monkeypatch, engine):
    """`train --real` on the shipped LJ clips: real durations reach IDD, the sidecar
    records them and the licence of what was used."""
    from pathlib import Path
    monkeypatch.setenv("INSTRUCTDUB_CACHE", str(tmp_path / "cache"))
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "mine_train.txt").write_text("a.wav|wˈɛl lˈɛts tˈɔːk ɐbˌaʊt ɪt|0\n", encoding="utf-8")
    out = tmp_path / "ckpt"
    real = str(Path(__file__).parent / "data")
    rc = main(["train", "--corpus", str(corpus_dir), "--real", real, "--lines", "1", "--val-lines", "0",
               "--steps", "3", "--batch", "4", "--bank-size", "8", "--analyzer-steps", "0",
               "--no-ablation", "--voices", "jm_kumo", "--out", str(out)])
    assert rc == 0
    side = json.loads((out / "checkpoints.json").read_text())
    info = side["data"]["real"]
    assert info["measured_lines"] == {"ljspeech": 4, "ravdess": 0} and info["idd_lines"] == 4
    assert info["iec_examples"] == 0 and info["measured_table"] is None
    assert "--real" in side["command"] and "LJSpeech" in side["files"]["idd.pt"]["trained_on"]
    assert side["files"]["idd.pt"]["real"]["idd_lines"] == 4
    assert "public domain" in side["files"]["iec.pt"]["licence"]        # no RAVDESS, no conditions
