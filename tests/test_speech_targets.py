"""Targets from real speech: shipped LJSpeech clips (public domain) -> tokens, aligned
durations, F0 and energy in the backbone's units."""
import csv
from pathlib import Path

import numpy as np
import pytest

from core.speech_targets import SpeechTargets, TargetsError, speech_targets, targets_for_file
from core.speech_targets.align import ACOUSTIC_LEAD_S
from core.speech_targets.tokens import token_groups, token_kinds, token_words

DATA = Path(__file__).parent / "data" / "ljspeech"


def clips():
    with open(DATA / "manifest.csv", encoding="utf-8") as f:
        return [(DATA / r["path"], r["text"], float(r["seconds"])) for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def targets(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("INSTRUCTDUB_CACHE", str(tmp_path_factory.mktemp("cache")))
    out = [(targets_for_file(p, text), secs) for p, text, secs in clips()]
    yield out
    mp.undo()


def test_tokens_map_to_phones_and_back():
    toks = ["$", "h", "ə", "z", " ", "n", "ˈ", "ɛ", "v", "ə", "ɹ", ",", " ", "b", "$"]
    kinds = token_kinds(toks)
    assert kinds[:3] == ["pad", "phone", "phone"] and kinds[6] == "stress" and kinds[11] == "punct"
    words = token_words(toks)
    assert [[a for _, a in w] for w in words] == [["HH", "AH", "Z"], ["N", "EH", "V", "ER"], ["B"]]
    assert words[1][-1][0] == [9, 10]            # "əɹ" is one ER over two tokens


def test_durations_cover_the_recording_and_the_speech(targets):
    for t, secs in targets:
        assert isinstance(t, SpeechTargets)
        assert len(t.durations) == len(t.tokens) and (t.durations >= 0).all()
        assert abs(t.n_frames * 0.025 - secs) <= 0.025          # sums to the recording
        assert len(t.f0) == len(t.energy_db) == len(t.energy_n) == 2 * t.n_frames
        a, b = t.frame_span()
        start, end = t.span
        lead = ACOUSTIC_LEAD_S
        assert abs(a * 0.025 - start - lead) <= 0.0125 + 1e-9
        assert abs(b * 0.025 - min(end + lead, secs)) <= 0.0125 + 0.025
        # LJSpeech clips are trimmed: speech fills all but the last ~0.1 s
        assert end - start > 0.85 * secs
        phones = [i for i, k in enumerate(t.kinds) if k == "phone"]
        assert all(t.durations[i] >= 1 for i in phones)           # the aligner gives >= 30 ms
        # stress marks share the vowel after them, as Kokoro times them
        stress = [i for i, k in enumerate(t.kinds) if k == "stress"]
        assert all(t.durations[i] <= t.durations[i + 1] + 1 for i in stress)
        assert sum(t.durations[i] for i in stress) > 0


def test_groups_partition_the_tokens(targets):
    for t, _ in targets:
        groups = t.groups()
        flat = sorted(i for g, _ in groups for i in g)
        assert flat == list(range(len(t.tokens)))
        assert sum(1 for _, k in groups if k == "phone") == max(t.phone_index) + 1


def test_f0_is_voiced_where_the_speech_is(targets):
    lead = int(round(ACOUSTIC_LEAD_S / 0.0125))      # tokens are heard this early
    for t, _ in targets:
        vowel_frames = np.concatenate([
            np.arange(2 * t.durations[:i].sum(), 2 * t.durations[:i + 1].sum()) - lead
            for i, a in enumerate(t.arpabet) if a in ("AH", "IH", "EH", "AE", "IY", "AA", "AO",
                                                     "EY", "OW", "ER", "AY", "UW")])
        assert (t.f0[vowel_frames] > 0).mean() > 0.8
        voiced = t.f0[t.f0 > 0]
        assert 120 < np.median(voiced) < 300                      # a woman's register
        last = t.last_vowel()
        lo, hi = 2 * t.durations[:last[0]].sum() - lead, 2 * t.durations[:last[-1] + 1].sum() - lead
        assert (t.f0[lo:hi] > 0).mean() >= 0.5                    # she voices the last vowel
        # louder on vowels than in the final pad
        assert np.median(t.energy_db[vowel_frames]) > t.energy_db[-2:].mean() + 10


def test_normalised_n_sits_at_the_speech_level(targets):
    from core.speech_targets import N_SPEECH_LEVEL
    for t, _ in targets:
        n = t.normalised_n()
        assert abs(np.median(n[t.f0 > 0]) - N_SPEECH_LEVEL) < 0.3
        assert np.allclose(n - t.energy_n, n[0] - t.energy_n[0])   # a shift, not a reshape
        t.to_alignment("jm_kumo").validate()


def test_cache_returns_the_same_without_aligning(targets, monkeypatch):
    import core.speech_targets as st
    path, text, _ = clips()[0]
    first = targets[0][0]
    monkeypatch.setattr(st, "align_tokens", lambda *a, **k: pytest.fail("aligned again"))
    again = targets_for_file(path, text)
    assert again.tokens == first.tokens and np.array_equal(again.durations, first.durations)
    assert np.array_equal(again.f0, first.f0)


def test_a_wrong_transcript_or_silence_is_refused(tmp_path):
    from core.speech.checks import load_audio
    path, _, _ = clips()[0]
    audio = load_audio(path, 24000)
    with pytest.raises(TargetsError):
        speech_targets(np.zeros(24000, np.float32), 24000, "hello there", use_cache=False)
    long_text = "the quick brown fox jumps over the lazy dog " * 6
    with pytest.raises(TargetsError, match="align"):
        speech_targets(audio, 24000, long_text, use_cache=False)


def test_groups_put_a_pause_on_the_comma():
    kinds = ["pad", "phone", "punct", "space", "stress", "phone", "space", "phone", "punct", "pad"]
    durs = [0, 5, 8, 0, 0, 6, 0, 4, 0, 3]
    groups = token_groups(kinds, [-1, 0, -1, -1, -1, 1, -1, 2, -1, -1], durs)
    assert groups == [([0], "edge"), ([1], "phone"), ([2, 3], "pause"), ([4, 5, 6], "phone"),
                      ([7], "phone"), ([8, 9], "edge")]
