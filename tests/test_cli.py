"""The command line end to end: `python main.py` in real subprocesses (help, a one-line
error), and the same entry point (core.cli.main) in this process where a fresh
interpreter would add only its model loads (say, render)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]


def run(*args, env=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "INSTRUCTDUB_DEVICE": "cpu", **(env or {})})


def test_say_then_edit_then_render(tmp_path, engine):
    """`say` and `render` on this process's engine: the real processes below run
    main.py, and a third loading the models would add nothing but its load."""
    from core.cli import main
    wav, aln = tmp_path / "hi.wav", tmp_path / "hi.json"
    assert main(["say", "Hello there.", "-o", str(wav), "--alignment-out", str(aln),
                 "--pitch-shift", "2"]) == 0
    audio, sr = sf.read(wav)
    al = json.loads(aln.read_text())
    assert sr == 24000 and len(audio) == sum(al["durations"]) * 600
    for key in ("phonemes", "durations", "f0", "energy", "voice", "sample_rate"):
        assert key in al
    # a hand edit: hold the last phoneme 40 frames (1 s) longer
    al["durations"][-2] += 40
    al["f0"] = al["f0"][:-2] + [al["f0"][-3]] * 80 + al["f0"][-2:]
    al["energy"] = al["energy"][:-2] + [al["energy"][-3]] * 80 + al["energy"][-2:]
    aln.write_text(json.dumps(al))
    out = tmp_path / "edited.wav"
    assert main(["render", str(aln), "-o", str(out)]) == 0
    assert len(sf.read(out)[0]) == len(audio) + 40 * 600


def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys):
    from core.cli import main
    cases = [
        (["render", str(tmp_path / "missing.json"), "-o", str(tmp_path / "a.wav")], "no such"),
        (["say", "", "-o", str(tmp_path / "a.wav")], "empty"),
        (["say", "hi", "--voice", "nobody", "-o", str(tmp_path / "a.wav")], "unknown voice"),
        (["say", "hi", "-o", "/no/such/dir/a.wav"], "does not exist"),
    ]
    for i, (args, words) in enumerate(cases):
        if i == 0:              # a real process: nothing else reaches stderr (no import noise)
            res = run(*args)
            rc, err = res.returncode, res.stderr
        else:                   # the same code path in this process
            rc, err = main(args), capsys.readouterr().err
        assert rc == 2, (args, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:") and words in lines[0]


def test_every_command_has_help(capsys):
    import pytest

    from core.cli import main
    res = run("--help")
    assert res.returncode == 0
    for command in ("say", "render"):
        assert command in res.stdout
        with pytest.raises(SystemExit) as stop:
            main([command, "--help"])
        assert stop.value.code == 0 and "usage:" in capsys.readouterr().out
