"""Hostile inputs, part 1: no command ever overwrites one of its own inputs (one shared
check, core.fileio.guard_outputs), and every command asks before replacing a file."""
import json
import os
import shutil

import pytest

from _hostile import DEMO, refused, write_alignment
from core.errors import UserError
from core.fileio import guard_outputs, remove_stale_temps


def test_render_never_writes_over_its_alignment(tmp_path, capsys):
    al = write_alignment(tmp_path / "A.json")
    refused(capsys, ["render", al, "-o", al], [al], "one of this command's inputs")
    refused(capsys, ["render", al, "-o", al, "--force"], [al], "even with --force")
    os.symlink(al, tmp_path / "link.json")                     # the same file by another name
    refused(capsys, ["render", al, "-o", tmp_path / "link.json", "--force"], [al], "inputs")
    os.link(al, tmp_path / "hard.json")
    refused(capsys, ["render", al, "-o", tmp_path / "hard.json", "--force"], [al], "inputs")


def test_say_asks_before_replacing_a_file(tmp_path, capsys):
    clip = tmp_path / "clip.mp4"
    shutil.copy(DEMO / "grid_s17_bbwe4n.mp4", clip)
    refused(capsys, ["say", "Hello.", "-o", clip], [clip], "pass --force")


def test_say_refuses_one_file_for_two_outputs(tmp_path, capsys):
    same = tmp_path / "same.wav"
    for extra in ([], ["--force"]):
        refused(capsys, ["say", "Hello.", "-o", same, "--alignment-out", same, *extra], [],
                "would both be written to")
        assert not same.exists()


def test_say_never_writes_over_its_voice_file(tmp_path, capsys):
    voice = tmp_path / "v.json"
    voice.write_text(json.dumps({"vector": [0.0] * 256}))
    refused(capsys, ["say", "Hello.", "-o", tmp_path / "a.wav", "--voice", voice,
                     "--alignment-out", voice, "--force"], [voice], "inputs")


def test_analyze_never_writes_over_the_video_or_the_script(tmp_path, capsys):
    video = shutil.copy(DEMO / "grid_s17_bbwe4n.mp4", tmp_path / "V.mp4")
    script = tmp_path / "script.txt"
    script.write_text("Bin blue with e four now.\n")
    refused(capsys, ["analyze", video, "--script", script, "-o", video, "--force"],
            [video, script], "inputs")
    refused(capsys, ["analyze", video, "--script", script, "-o", script, "--force"],
            [video, script], "inputs")


def test_eval_never_writes_over_its_manifest(tmp_path, capsys):
    m = tmp_path / "m.json"
    m.write_text(json.dumps({"clips": []}))
    refused(capsys, ["eval", m, "-o", m, "--force"], [m], "inputs")


def test_voices_clone_never_writes_over_its_reference(tmp_path, capsys):
    ref = tmp_path / "ref.json"
    ref.write_text("{}")
    refused(capsys, ["voices", "clone", ref, "-o", ref, "--force"], [ref], "inputs")


def test_train_never_writes_into_its_corpus_file(tmp_path, capsys):
    corpus = tmp_path / "lines.txt"
    corpus.write_text("a.wav|hɛlO|s1\n")
    refused(capsys, ["train", "--corpus", corpus, "--out", corpus], [corpus], "inputs")


def test_dub_export_never_writes_over_the_video(tmp_path, capsys):
    """The muxed video would be named like the project's own video: refused, even with
    --overwrite, before anything is rendered."""
    out = tmp_path / "out"
    out.mkdir()
    video = shutil.copy(DEMO / "grid_s17_bbwe4n.mp4", out / "dub_dub.mp4")
    proj = tmp_path / "p.json"
    d = json.loads((DEMO / "demo.json").read_text())
    d["video"]["path"] = str(video)
    proj.write_text(json.dumps(d))
    refused(capsys, ["dub", proj, "--export", out, "--overwrite"], [video, proj], "inputs")


def test_the_shared_check_directly(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("x")
    with pytest.raises(UserError, match="inputs"):
        guard_outputs({"out": a}, [a], force=True)
    with pytest.raises(UserError, match="both be written"):
        guard_outputs({"one": tmp_path / "b", "two": tmp_path / "sub/../b"}, [], force=True)
    with pytest.raises(UserError, match="--force"):
        guard_outputs({"out": a}, [])
    assert guard_outputs({"out": a}, [], force=True) == [a]
    with pytest.raises(UserError, match="folder does not exist"):
        guard_outputs({"out": tmp_path / "no" / "x.wav"}, [])


def test_leftover_temp_files_of_dead_writers_are_removed(tmp_path):
    target = tmp_path / "dub_dialogue.wav"
    dead = tmp_path / ".dub_dialogue.wav.999999999.abc.tmp"      # no such process
    live = tmp_path / f".dub_dialogue.wav.{os.getppid()}.abc.tmp"  # a live process's file
    other = tmp_path / ".notes.txt.999999999.abc.tmp"
    for p in (dead, live, other):
        p.write_bytes(b"x" * 100)
    assert remove_stale_temps(target) == [dead]
    assert live.exists() and other.exists()
