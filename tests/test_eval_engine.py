"""Metrics on real synthetic speech from the backbone, with answers known from the
alignment: identical audio gives DD 0 and sync 0; a stretched copy gives the sync
error its phoneme timings predict."""
import numpy as np
import pytest

from core.alignment import FRAME_SECONDS
from core.audio import resample
from core.constants import ANALYSIS_SR, DEFAULT_VOICE, SAMPLE_RATE
from core.instruct.idd import rescale_to_slot

TEXT = "Your father is out there entertaining them."


@pytest.fixture(scope="module")
def renders():
    import torch
    torch.set_num_threads(1)
    from core.synth import get_engine
    eng = get_engine("cpu")
    phon = eng.phonemize(TEXT)
    enc = eng.encode(phon, DEFAULT_VOICE)
    base = eng.predict(phon, DEFAULT_VOICE)
    slow = base.copy()
    slow.durations = rescale_to_slot(base.durations, base.n_frames * 1.3 / 40)
    f0, energy = eng.prosody(enc, slow.durations)
    slow.f0, slow.energy = f0.tolist(), energy.tolist()
    return [(al, resample(eng.render(al), SAMPLE_RATE, ANALYSIS_SR)) for al in (base, slow)]


def speech_frames(al):
    """(first, last) frame of speech: the first sounding phoneme's start and the last
    one's end (pads, spaces and punctuation are silent)."""
    b = al.boundaries()
    sounding = [i for i, p in enumerate(al.phonemes) if p.strip() and p not in "$.,!?;:\"'ˈˌ"]
    return b[sounding[0]], b[sounding[-1] + 1]


def on_track(audio, at=0.5, seconds=6.0):
    track = np.zeros(int(seconds * ANALYSIS_SR), np.float32)
    i = int(at * ANALYSIS_SR)
    track[i:i + len(audio)] = audio
    return track


def test_identical_speech_gives_zero(renders):
    from core.evaluate.dd import dd_metric
    from core.evaluate.sync import sync_error
    _, audio = renders[0]
    res = dd_metric(audio, audio, TEXT)
    assert res["dd"] == 0.0 and res["phone_mae_ms"] == 0.0 and res["n_phones"] > 20
    assert sync_error(on_track(audio), on_track(audio))["sync_ms"] == 0.0


def test_stretched_copy(renders):
    from core.evaluate.dd import dd_metric
    from core.evaluate.sync import sync_error
    from core.evaluate.wer import wer_metric
    (al, audio), (al_slow, slow) = renders
    on0, off0 = speech_frames(al)
    on1, off1 = speech_frames(al_slow)
    res = sync_error(on_track(audio), on_track(slow))
    want_on = abs(on1 - on0) * FRAME_SECONDS * 1000
    want_off = abs(off1 - off0) * FRAME_SECONDS * 1000
    # the VAD works in 32 ms chunks and cuts a fading word-final nasal early: +-15 % + 80 ms
    assert res["onset_ms"] == pytest.approx(want_on, abs=0.15 * want_on + 80)
    assert res["offset_ms"] == pytest.approx(want_off, abs=0.15 * want_off + 80)
    assert res["offset_ms"] > 300          # 30 % slower speech ends well after the original
    shifted = sync_error(on_track(audio), on_track(audio, at=0.5 + 0.288))   # 9 VAD chunks
    assert shifted["onset_ms"] == pytest.approx(288, abs=1)
    assert shifted["offset_ms"] == pytest.approx(288, abs=1)
    dd = dd_metric(audio, slow, TEXT)
    assert dd["phone_mae_ms"] > 10          # 30 % longer phones on average
    assert wer_metric(audio, TEXT)["wer"] <= 0.5
