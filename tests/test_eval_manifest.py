"""The manifest parser, the runner and `python main.py eval` on files made here."""
import json
import subprocess

import numpy as np
import pytest
import soundfile as sf

from core.evaluate.manifest import ManifestError, load_manifest
from _signals import SR, placed, speechlike


def write(path, obj):
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj, encoding="utf-8")
    return path


def make_clip_files(root):
    """A real mp4 (picture + speech-like audio), a reference wav, a peer wav, a silent peer."""
    import imageio_ffmpeg
    (root / "video").mkdir()
    (root / "peers").mkdir()
    (root / "reference").mkdir()
    gt = placed(speechlike(1.5, seed=3), 0.512, 2.5)
    sf.write(root / "gt.wav", gt, SR)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                    "-i", "color=c=gray:s=64x64:d=2.5:r=25", "-i", str(root / "gt.wav"),
                    "-shortest", "-c:v", "mpeg4", "-c:a", "aac", str(root / "video" / "c1.mp4")],
                   check=True)
    sf.write(root / "reference" / "s7-abc.wav", speechlike(2.0, seed=4), SR)
    sf.write(root / "peers" / "late.wav", placed(speechlike(1.5, seed=3), 0.768, 2.5), SR)
    sf.write(root / "peers" / "silent.wav", np.zeros(int(2.5 * SR), np.float32), SR)


def good_manifest():
    return {"clips": [{
        "id": "c1", "video": "video/c1.mp4", "script": "hello there",
        "references": [{"audio": "reference/s7-abc.wav", "script": "set white"}],
        "peer_outputs": {"Late (s7 voice)": "peers/late.wav", "Silent": "peers/silent.wav"}}]}


def test_good_manifest_parses(tmp_path):
    make_clip_files(tmp_path)
    man = load_manifest(write(tmp_path / "m.json", good_manifest()))
    clip = man.clips[0]
    assert clip.video == tmp_path / "video" / "c1.mp4"
    assert clip.references[0].speaker_tag == "s7"
    assert clip.reference_for("Late (s7 voice)").audio.name == "s7-abc.wav"
    assert clip.reference_for("Silent").audio.name == "s7-abc.wav"   # first reference


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ({"about": "x"}, "no 'clips'"),
    ({"clips": []}, "non-empty list"),
    ({"clips": ["c1"]}, "must be an object"),
    ({"clips": [{"id": "c1", "video": "v.mp4"}]}, "has no 'script'"),
    ({"clips": [{"id": "c1", "video": "v.mp4", "script": "  "}]}, "non-empty string"),
    ({"clips": [{"id": "c1", "video": "v.mp4", "script": "a", "peer_outputs": ["x"]}]},
     "must map system names"),
    ({"clips": [{"id": "c1", "video": "v.mp4", "script": "a"},
                {"id": "c1", "video": "v.mp4", "script": "b"}]}, "appears twice"),
    ({"clips": [{"id": "c1", "video": "missing.mp4", "script": "a"}]}, "files not found"),
])
def test_bad_manifests(tmp_path, content, message):
    with pytest.raises(ManifestError, match=message):
        load_manifest(write(tmp_path / "m.json", content))


def test_missing_manifest_and_folder(tmp_path):
    with pytest.raises(ManifestError, match="no such manifest"):
        load_manifest(tmp_path / "nope.json")
    with pytest.raises(ManifestError, match="is a folder"):
        load_manifest(tmp_path)


def test_runner_records_failures_and_continues(tmp_path):
    from core.evaluate.runner import GROUND_TRUTH, EvalOptions, format_table, run_eval
    make_clip_files(tmp_path)
    man = write(tmp_path / "m.json", good_manifest())
    out = tmp_path / "results.json"
    res = run_eval(man, EvalOptions(groups=("sync", "secs"), own=False), out)
    saved = json.loads(out.read_text())
    assert saved["summary"] == res["summary"]
    systems = saved["clips"][0]["systems"]
    late = systems["Late (s7 voice)"]
    assert late["metrics"]["onset_ms"] == pytest.approx(256, abs=33)   # AAC adds one VAD chunk at most
    assert late["secs_target"] == "s7-abc.wav" and -1 <= late["metrics"]["secs"] <= 1
    silent = systems["Silent"]
    assert silent["metrics"]["onset_ms"] is None and "silent" in silent["errors"]["onset_ms"]
    gt = systems[GROUND_TRUTH]
    assert gt["metrics"]["onset_ms"] is None and "itself" in gt["errors"]["onset_ms"]
    table = format_table(res["summary"])
    assert "Late" in table and "onset ms" in table
    assert "| system |" in format_table(res["summary"], markdown=True)


def test_eval_command(tmp_path, capsys):
    from core.cli import main
    make_clip_files(tmp_path)
    man = write(tmp_path / "m.json", good_manifest())
    out = tmp_path / "r.json"
    assert main(["eval", str(man), "-o", str(out), "--no-own", "--metrics", "sync"]) == 0
    assert "Late" in capsys.readouterr().out and out.is_file()
    assert main(["eval", str(man), "-o", str(out), "--no-own", "--metrics", "sync"]) == 2  # exists
    assert main(["eval", str(man), "-o", str(tmp_path / "x.json"), "--metrics", "bogus"]) == 2
    assert "unknown metric" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "none.json"), "-o", str(tmp_path / "y.json")]) == 2
    assert "no such manifest" in capsys.readouterr().err
