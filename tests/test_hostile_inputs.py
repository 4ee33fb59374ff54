"""Hostile inputs, part 3: text, numbers, media files. Each refusal is one `error:` line
with exit 2, before any long work; what can be read right is read right."""
import json
import logging
import math
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf

from _hostile import DEMO, refused, write_alignment
from core import audio as au


# ---------------------------------------------------------------- text
def test_numbers_money_times_and_titles_are_read_as_words():
    from core.textnorm import normalize
    assert normalize("Dr. Smith paid $5.50 at 3:45pm") == \
        "Doctor Smith paid five dollars fifty at three forty-five p m"
    cases = {"Meet me at 3:00.": "Meet me at three o'clock.",
             "The 21st of May, 1999.": "The twenty-first of May, nineteen ninety-nine.",
             "He won $1,000,000 and 50% of it": "He won one million dollars and fifty percent of it",
             "Mr. and Mrs. Jones live on Baker St.": "Mister and Missus Jones live on Baker Street.",
             "St. Louis, 3.14, -5, No. 7": "Saint Louis, three point one four, minus five, number seven",
             "$0.01 at 5pm": "one cent at five p m", "Rock & roll": "Rock and roll",
             "Room 101, etc.": "Room one hundred one, et cetera."}
    for text, words in cases.items():
        assert normalize(text) == words


def test_g2p_speaks_the_normalised_words_and_keeps_phonemizer_quiet(caplog):
    from core.g2p import phonemize
    with caplog.at_level(logging.DEBUG):
        said = phonemize("Dr. Smith paid $5.50 at 3:45pm")
        words = phonemize("Doctor Smith paid five dollars fifty at three forty-five p m")
        phonemize("Wait... what?! -- No!")
    assert said == words
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_punctuation_only_text_is_refused(tmp_path, capsys):
    refused(capsys, ["say", "... ?!", "-o", tmp_path / "a.wav"], [], "no words to speak")
    assert not (tmp_path / "a.wav").exists()


def test_overlong_text_is_refused_at_once(tmp_path, capsys):
    refused(capsys, ["say", "word " * 1000, "-o", tmp_path / "a.wav"], [], "split it")


# ---------------------------------------------------------------- numbers
def test_a_slot_of_a_day_is_refused_before_any_work(tmp_path, capsys):
    for slot, words in (("100000", "longer than one line"), ("nan", "finite"), ("-1", "longer than 0")):
        refused(capsys, ["say", "Hello.", "--slot", slot, "-o", tmp_path / "a.wav"], [], words)


def test_an_alignment_of_a_hundred_thousand_frames_is_refused_at_once(tmp_path, capsys):
    al = write_alignment(tmp_path / "A.json", durations=(1, 100000, 1))
    refused(capsys, ["render", al, "-o", tmp_path / "out.wav"], [al], "at most 180 s")
    assert not (tmp_path / "out.wav").exists()


def test_nan_f0_and_nan_weights_are_refused_at_once(tmp_path, capsys):
    n = 7
    al = write_alignment(tmp_path / "A.json", f0=[120.0] * (2 * n - 1) + [math.nan])
    refused(capsys, ["render", al, "-o", tmp_path / "out.wav"], [al], "f0 value 13")
    al2 = write_alignment(tmp_path / "B.json", energy=[math.inf] * (2 * n))
    refused(capsys, ["render", al2, "-o", tmp_path / "out.wav"], [al2], "energy value 0")
    refused(capsys, ["say", "Hello.", "--voice", "jm_kumo=nan,jf_alpha=0.5", "-o",
                     tmp_path / "a.wav"], [], "finite")
    refused(capsys, ["say", "Hello.", "--entities", "angry=nan", "-o", tmp_path / "a.wav"], [],
            "finite")
    refused(capsys, ["say", "Hello.", "--voice", "jm_kumo=-1,jf_alpha=2", "-o",
                     tmp_path / "a.wav"], [], "0 or more")


def test_alignment_with_infinite_durations_is_a_clear_error(tmp_path, capsys):
    al = tmp_path / "A.json"
    al.write_text('{"phonemes": ["$", "h", "$"], "durations": [1, Infinity, 1], "f0": [], "energy": []}')
    refused(capsys, ["render", al, "-o", tmp_path / "out.wav"], [al], "bad value")


# ---------------------------------------------------------------- analyze
@pytest.mark.parametrize("fps", ["0", "-5", "nan", "inf"])
def test_analysis_fps_out_of_range_is_refused(tmp_path, capsys, fps):
    video = shutil.copy(DEMO / "grid_s17_bbwe4n.mp4", tmp_path / "v.mp4")
    refused(capsys, ["analyze", video, "--text", "Hello.", "-o", tmp_path / "p.json",
                     f"--analysis-fps={fps}"], [video], "--analysis-fps")
    assert not (tmp_path / "p.json").exists()


def _ffmpeg(*args):
    subprocess.run([au.ffmpeg_exe(), "-v", "error", "-y", *map(str, args)], check=True)


def test_not_a_video_gets_a_precise_message(tmp_path, capsys):
    import cv2
    png = tmp_path / "still.png"
    cv2.imwrite(str(png), np.full((64, 64, 3), 128, np.uint8))
    fake = shutil.copy(png, tmp_path / "still.mp4")                   # a PNG renamed .mp4
    refused(capsys, ["analyze", fake, "--text", "Hi.", "-o", tmp_path / "p.json"], [fake],
            "still image")
    tone = tmp_path / "tone.m4a"
    _ffmpeg("-f", "lavfi", "-i", "sine=frequency=300:duration=2", "-c:a", "aac", tone)
    refused(capsys, ["analyze", tone, "--text", "Hi.", "-o", tmp_path / "p.json"], [tone],
            "only audio, no picture")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"hello" * 1000)
    refused(capsys, ["analyze", junk, "--text", "Hi.", "-o", tmp_path / "p.json"], [junk],
            "damaged or not a video")
    refused(capsys, ["analyze", tmp_path / "missing.mp4", "--text", "Hi.", "-o",
                     tmp_path / "p.json"], [], "no such video")


def test_more_lines_than_speech_warns_and_dub_names_the_cue(tmp_path, capsys):
    """12 script lines over 1.5 s of speech: 0.12-s slots are reported, and `dub` says
    which cue cannot be spoken before it renders anything."""
    from core.project import Cue, Project, VideoInfo
    from core.video.cues import assign, crowded
    texts = [f"This is script line number {i} of twelve." for i in range(1, 13)]
    times, _ = assign([(0.5, 2.0)], texts, 3.0)
    assert max(e - s for s, e in times) < 0.2
    warnings = crowded(times, texts)
    assert len(warnings) == 1 and "12 of 12 cues are too short" in warnings[0]
    assert crowded([(0.0, 3.0)], ["Hello there."]) == []
    proj = Project(video=VideoInfo(fps=25.0, duration=3.0),
                   cues=[Cue(id=f"c{i:03d}", text=t, start=s, end=e)
                         for i, (t, (s, e)) in enumerate(zip(texts, times), 1)])
    proj.save(tmp_path / "p.json")
    refused(capsys, ["dub", tmp_path / "p.json", "--export", tmp_path / "out"],
            [tmp_path / "p.json"], "cue c001")
    assert not (tmp_path / "out" / "dub_dialogue.wav").exists()


def test_overlapping_subtitles_warn_in_the_script_and_in_the_stem():
    from core.project import Cue, Project, VideoInfo
    from core.script import parse_srt
    from core.stem import Stem
    s = parse_srt("1\n00:00:01,000 --> 00:00:03,000\nOne.\n\n2\n00:00:02,000 --> 00:00:04,000\nTwo.\n")
    assert any("overlaps" in w for w in s.warnings)
    proj = Project(video=VideoInfo(duration=5.0), cues=[
        Cue(id="a", text="One.", start=1.0, end=3.0), Cue(id="b", text="Two.", start=2.0, end=4.0)])
    stem = Stem(proj, {"a": np.ones(48000, np.float32) * 0.1, "b": np.ones(48000, np.float32) * 0.1}, 48000)
    assert any("a and b overlap by 1.00 s" in w for w in stem.warnings)


# ---------------------------------------------------------------- voices and eval
def test_a_video_without_sound_says_so(tmp_path, capsys):
    from core.speech.checks import MeasurementError as MetricError
    from core.speech.checks import load_audio
    silent = tmp_path / "silent.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=25:duration=1", "-c:v", "mpeg4", silent)
    with pytest.raises(MetricError, match="has no audio track"):
        load_audio(silent)
    refused(capsys, ["voices", "clone", silent, "-o", tmp_path / "v.json"], [silent],
            "has no audio track")


def test_voices_clone_refuses_white_noise(tmp_path, capsys):
    noise = tmp_path / "noise.wav"
    sf.write(noise, (np.random.default_rng(0).standard_normal(4 * 24000) * 0.2).astype(np.float32), 24000)
    refused(capsys, ["voices", "clone", noise, "-o", tmp_path / "v.json"], [noise], "no speech")
    assert not (tmp_path / "v.json").exists()


def test_voice_file_with_nan_is_refused(tmp_path, capsys):
    v = tmp_path / "v.json"
    v.write_text(json.dumps({"vector": [math.nan] * 256}))
    refused(capsys, ["say", "Hello.", "--voice", v, "-o", tmp_path / "a.wav"], [v], "finite")
