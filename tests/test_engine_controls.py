"""The engine's explicit controls, measured on real renders."""
import numpy as np
import pytest

from core.alignment import FRAME_SAMPLES, Alignment, AlignmentError, move_boundary, retime
from core.errors import UserError


def _pitch_track(audio: np.ndarray) -> np.ndarray:
    """swift-f0 (core.speech.pitch, not the engine) at 16 kHz, NaN where unvoiced."""
    from core.audio import resample
    from core.constants import ANALYSIS_SR
    from core.speech.pitch import pitch
    _, f0, voiced = pitch(resample(audio, 24000, ANALYSIS_SR))
    return np.where(voiced, f0, np.nan)


def _log_mel(x: np.ndarray, n_fft: int = 1024, hop: int = 240) -> np.ndarray:
    """librosa.feature.melspectrogram's log-power (centred Hann frames, 128 Slaney mels),
    without librosa's first-use cost."""
    from core.audio import mel_filterbank
    n = 1 + len(x) // hop
    padded = np.pad(np.asarray(x, np.float32), (n_fft // 2, n_fft // 2 + hop))
    frames = padded[np.arange(n_fft)[None] + hop * np.arange(n)[:, None]] * np.hanning(n_fft)
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.log(power @ mel_filterbank(24000, n_fft, 128, slaney=True).T + 1e-5)


def test_length_is_sum_of_durations(short_line):
    al, audio = short_line
    assert len(audio) == sum(al.durations) * FRAME_SAMPLES == al.n_samples
    assert len(al.f0) == len(al.energy) == 2 * sum(al.durations)
    assert al.phonemes[0] == al.phonemes[-1] == "$"


def test_render_is_deterministic(engine, short_line):
    al, audio = short_line
    engine.renders.clear()                  # decode again, not the kept render
    assert np.array_equal(engine.render(al), audio)


def test_lengthening_one_phoneme_adds_exactly_its_frames(engine, short_line):
    al, audio = short_line
    i = 5
    longer = retime(al, [d + 20 if k == i else d for k, d in enumerate(al.durations)])
    out = engine.render(longer)
    assert len(out) - len(audio) == 20 * FRAME_SAMPLES      # 0.500 s
    # the audio before the edited phoneme is essentially the same
    start = sum(al.durations[:i]) * FRAME_SAMPLES - 2400
    assert np.corrcoef(out[:start], audio[:start])[0, 1] > 0.9


def test_f0_edit_changes_audio_there_and_not_far_away(engine, short_line):
    al, audio = short_line
    edited = al.copy()
    lo, hi = 30, 50                                           # frames
    for t in range(2 * lo, 2 * hi):
        edited.f0[t] *= 1.5
    diff = (engine.render(edited) - audio) ** 2
    margin = 8 * FRAME_SAMPLES
    inside = diff[lo * FRAME_SAMPLES - margin:hi * FRAME_SAMPLES + margin].sum()
    assert diff.sum() > 0
    assert inside / diff.sum() > 0.8


def test_pitch_shift_measured_with_a_pitch_tracker(engine, short_line):
    al, audio = short_line
    up = al.copy()
    up.f0 = [f * 2 ** (4 / 12) for f in al.f0]
    # frame by frame, where both renders are voiced
    ratio = _pitch_track(engine.render(up)) / _pitch_track(audio)
    shift = 12 * np.nanmedian(np.log2(ratio))
    assert np.isfinite(ratio).sum() > 20
    assert shift == pytest.approx(4.0, abs=0.5)


def test_partial_rerender_matches_a_full_render(engine, short_line):
    al, audio = short_line
    new = move_boundary(al, 8, 3)
    partial = engine.render_edit(al, audio, new)
    full = engine.render(new)
    assert len(partial) == len(full) == new.n_samples
    assert np.corrcoef(_log_mel(partial).ravel(), _log_mel(full).ravel())[0, 1] > 0.97


def test_speed_and_blend(engine):
    phon = engine.phonemize("One two.")
    slow, fast = engine.predict(phon, speed=0.7), engine.predict(phon, speed=1.4)
    assert slow.n_frames > fast.n_frames
    blend = engine.predict(phon, voice={"blend": {"jm_kumo": 0.5, "jf_alpha": 0.5}})
    assert len(engine.render(blend)) == blend.n_samples


def test_bad_alignments_are_refused(engine, short_line):
    al, _ = short_line
    broken = al.copy()
    broken.f0 = broken.f0[:-3]
    with pytest.raises(AlignmentError, match="f0 has"):
        engine.render(broken)
    with pytest.raises(AlignmentError):
        Alignment.from_dict({"phonemes": ["a"]})
    with pytest.raises(UserError, match="unknown voice"):
        engine.predict(["a"], voice="nobody")


def test_copy_is_exact_so_an_edit_touches_only_its_frames(engine, short_line):
    from core.edit_splice import changed_frames
    al, _ = short_line
    edited = al.copy()
    assert edited == al and edited.f0.tobytes() == al.f0.tobytes()   # no rounding on copy
    edited.f0[2 * 20] += 10.0
    lo, hi_new, hi_old = changed_frames(al, edited)
    assert (lo, hi_new, hi_old) == (20, 21, 21)


def test_unvoiced_frames_have_zero_f0(short_line):
    al, _ = short_line
    f0 = np.asarray(al.f0)
    assert (f0 == 0).any() and (f0 > 50).any()
    assert not ((f0 > 0) & (f0 < 10)).any()
