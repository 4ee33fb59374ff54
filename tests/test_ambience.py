"""core.ambience: the guide's noise floor read from its quiet frames and laid under a line."""
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import butter, sosfilt

from core import ambience as amb
from core import audio as au
from core.export import ExportOptions, export_project
from core.project import Cue, Project, VideoInfo

LJ = Path(__file__).parent / "data" / "ljspeech" / "LJ001-0002.flac"
SR = 16000


def _speech(sr=SR):
    audio, rate = sf.read(str(LJ), dtype="float32")
    return au.resample(audio, rate, sr)


def _scene(noise_rms: float, low_pass: bool = False, sr=SR):
    """The LJ line with 0.5 s either side, over a steady noise bed: (audio, speech spans)."""
    line = _speech(sr)
    pad = np.zeros(sr // 2, np.float32)
    x = np.concatenate([pad, line, pad])
    noise = np.random.default_rng(3).standard_normal(len(x))
    if low_pass:
        noise = sosfilt(butter(2, 500, fs=sr, output="sos"), noise)
    noise *= noise_rms / np.sqrt(np.mean(noise ** 2))
    return (x + noise).astype(np.float32), [(0.5, 0.5 + len(line) / sr)]


def test_the_floor_is_read_from_the_quiet_frames():
    quiet, spans = _scene(0.001)
    loud, _ = _scene(0.00316)                          # 10 dB louder
    a, b = amb.measure(quiet, SR, spans), amb.measure(loud, SR, spans)
    assert abs((a["below_speech_db"] - b["below_speech_db"]) - 10.0) < 1.5
    assert np.ptp(a["bands_db"]) < 5.0                 # white noise: a flat floor
    dull = amb.measure(_scene(0.001, low_pass=True)[0], SR, spans)["bands_db"]
    assert dull[0] - dull[-1] > 20.0                   # a low-passed floor falls with frequency
    # digital silence around the speech: nothing to lay
    clean = np.concatenate([np.zeros(SR // 2, np.float32), _speech(), np.zeros(SR // 2, np.float32)])
    assert amb.measure(clean, SR, spans) is None
    assert amb.measure(quiet[:1000], SR, spans) is None  # too short


def test_fill_lays_the_floor_at_its_distance_under_the_speech():
    guide, spans = _scene(0.002, low_pass=True)
    want = amb.measure(guide, SR, spans)
    line = np.concatenate([np.zeros(SR // 2, np.float32), _speech(), np.zeros(SR // 2, np.float32)])
    out = amb.fill(line, SR, want, seed=7)
    got = amb.measure(out, SR, spans)
    assert abs(got["below_speech_db"] - want["below_speech_db"]) < 2.0
    assert np.abs(np.subtract(got["bands_db"], want["bands_db"])).mean() < 3.0
    assert np.allclose(out, amb.fill(line, SR, want, seed=7))          # seeded: the same bed
    speech = slice(SR // 2, SR // 2 + len(_speech()))
    level = lambda x: 10 * np.log10(np.mean(x[speech] ** 2))
    assert abs(level(out) - level(line)) < 0.5                          # the speech is kept
    assert out[0] == 0.0 and abs(out[-1]) < 1e-6                        # faded in and out
    # a floor claimed as loud as the speech is held MIN_BELOW_DB under it
    close = amb.fill(line, SR, dict(want, below_speech_db=2.0), seed=7)
    assert amb.measure(close, SR, spans)["below_speech_db"] > amb.MIN_BELOW_DB - 2.0


def test_bad_ambience_leaves_the_line_alone():
    line = _speech()
    for bad in (None, {}, {"bands_db": [0.0, 1.0], "below_speech_db": 20},
                {"bands_db": [0.0] * len(amb.CENTRES), "below_speech_db": "loud"},
                {"bands_db": [None] * len(amb.CENTRES), "below_speech_db": 20}):
        assert amb.fill(line, SR, bad) is line
    silence = np.zeros(SR, np.float32)
    good = {"bands_db": [0.0] * len(amb.CENTRES), "below_speech_db": 30.0}
    assert amb.fill(silence, SR, good) is silence


def test_export_lays_the_bed_only_under_cues_with_a_guide(tmp_path):
    sr24 = 24000
    line = np.concatenate([_speech(sr24), np.zeros(sr24 // 2, np.float32)])   # a pause at its end
    n = len(line) / sr24
    guide, spans = _scene(0.002)
    cues = [Cue(id="a", text="One.", start=0.0, end=n), Cue(id="b", text="Two.", start=n + 0.5, end=2 * n + 0.5)]
    cues[0].measurements = {"guide": {"ambience": amb.measure(guide, SR, spans)}}
    project = Project(video=VideoInfo(path="", fps=25.0, duration=2 * n + 1.0, has_audio=False), cues=cues)
    assert set(amb.guide_ambiences(project)) == {"a"}
    res = export_project(project, {"a": line, "b": line}, ExportOptions(
        outdir=tmp_path, video=False, srt=False, stem=False, normalize=False, match_ambience=True))
    a, b = (sf.read(str(p), dtype="float32")[0] for p in sorted(p for p in res.files if p.suffix == ".wav"))
    pause = lambda x: x[-len(x) // 8:-len(x) // 16]                     # inside the line's last pause
    assert np.sqrt(np.mean(pause(a) ** 2)) > 1e-4                     # the room tone fills it
    assert np.abs(pause(b)).max() < 1e-4                               # no guide: still silent
    assert any("room tone: 1 of 2 cues have no measured floor" in w for w in res.warnings)


def test_analysis_reads_the_room_tone_around_a_cue_with_the_vad():
    from types import SimpleNamespace

    from core.analysis_cue import _ambience
    from core.speech.vad import Vad
    audio, _ = _scene(0.002)
    bed = amb.measure(audio, SR, [(0.5, len(audio) / SR - 0.5)])
    models = SimpleNamespace(vad=Vad(), audio_span=lambda meta, t0, t1: audio[int(t0 * SR):int(t1 * SR)])
    got = _ambience(None, 0.6, 1.2, models)           # the cue is a part of the line
    assert abs(got["below_speech_db"] - bed["below_speech_db"]) < 3.0
    assert np.abs(np.subtract(got["bands_db"], bed["bands_db"])).mean() < 2.0


def test_room_tone_runs_through_the_whole_stem(tmp_path, monkeypatch):
    sr24 = 24000
    line = np.concatenate([_speech(sr24), np.zeros(sr24 * 3 // 10, np.float32)])  # ends in a pause
    n = len(line) / sr24
    guide, spans = _scene(0.002)
    room = amb.measure(guide, SR, spans)
    long_gap = amb.PIECE_SECONDS + 2.0                                   # made in two pieces
    starts = [0.7, n + 1.7, 2 * n + 1.7 + long_gap]
    cues = [Cue(id=k, text="One.", start=t, end=t + n) for k, t in zip("abc", starts)]
    for c in cues:
        c.measurements = {"guide": {"ambience": room}}
    project = Project(video=VideoInfo(path="", fps=25.0, duration=starts[-1] + n + 1.5, has_audio=False),
                      cues=cues)
    import core.line_match as lm
    matched, real = [], lm.match_line
    monkeypatch.setattr(lm, "match_line", lambda a, c, *rest: (matched.append(c.id), real(a, c, *rest))[1])
    res = export_project(project, {c.id: line for c in cues}, ExportOptions(
        outdir=tmp_path, video=False, srt=False, per_cue=True, normalize=True, match_ambience=True))
    assert sorted(matched) == ["a", "b", "c"]                  # each line matched once per export
    stem, sr = sf.read(str(res.files[0]), dtype="float32")
    rms_db = lambda t0, t1: 10 * np.log10(np.mean(stem[int(t0 * sr):int(t1 * sr)] ** 2) + 1e-20)
    end_a = starts[0] + n
    in_line = rms_db(end_a - 0.25, end_a - 0.05)                          # the line's own pause
    assert in_line > -90.0
    for t in [0.1, 0.4, end_a + 0.3, end_a + 0.7, starts[-1] + n + 0.5, starts[-1] + n + 1.3]:
        assert abs(rms_db(t, t + 0.2) - in_line) < 1.5, t                 # head, gap, tail
    seams = [t + n for t in starts]                     # the lines' beds crossing into the stem's
    pieces = starts[1] + n - amb.FADE_SECONDS + amb.PIECE_SECONDS         # two pieces of one gap
    for t in [*seams, pieces]:
        assert abs(rms_db(t - 0.03, t + 0.03) - in_line) < 1.5, t          # no hole, no bump
    between = np.arange(starts[1] + n + 0.2, starts[2] - 0.7, 0.5)
    assert np.ptp([rms_db(t, t + 0.5) for t in between]) < 1.5           # steady across the gap
    assert stem[int(pieces * sr) - 200:int(pieces * sr) + 200].std() > 0


def test_under_continuous_speech_the_floor_is_its_quietest_moment():
    padded, spans = _scene(0.002)
    pauses = amb.measure(padded, SR, spans)
    dense = padded[SR // 2:-SR // 2]                                # speech from end to end
    got = amb.measure(dense, SR, [(0.0, len(dense) / SR)])
    assert pauses["read_from"] == "pauses" and got["read_from"] == "quietest moments"
    assert abs(got["below_speech_db"] - pauses["below_speech_db"]) < 4.0
    # the bands under the voice's pitch never fall to the floor in continuous voiced
    # speech and read high (5.5 dB here); a speech-shaped floor would be ~15 dB off
    assert np.abs(np.subtract(got["bands_db"], pauses["bands_db"])).mean() < 6.0
    assert amb.measure(dense[:SR // 2], SR, [(0.0, 0.5)]) is None  # too short to tell


def test_pauses_holding_music_give_way_to_the_quietest_moments():
    scene, spans = _scene(0.002)
    floor = amb.measure(scene, SR, spans)
    t = np.arange(SR // 2) / SR
    chord = 0.05 * np.sin(2 * np.pi * 220 * t)                      # music in every pause
    scene[:len(t)] += chord
    scene[-len(t):] += chord
    got = amb.measure(scene, SR, spans)
    assert floor["read_from"] == "pauses" and got["read_from"] == "quietest moments"
    assert abs(got["below_speech_db"] - floor["below_speech_db"]) < 4.0
