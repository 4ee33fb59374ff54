"""The d-vector speaker encoder: ONNX, its torch port, and their agreement."""
import numpy as np
import pytest
import torch

from core.constants import SAMPLE_RATE
from core.speech.checks import MeasurementError
from core.speech.speaker import (build_torch_dvector, cosine, get_dvector, resample_torch,
                                 speaker_similarity)
from _signals import SR, speechlike


def test_embedding_is_unit_length_and_self_similar():
    a = speechlike(2.0, seed=1, f0=110)
    e = get_dvector().embed(a, SR)
    assert e.shape == (256,) and np.linalg.norm(e) == pytest.approx(1.0, abs=1e-5)
    assert speaker_similarity(a, SR, a, SR) == pytest.approx(1.0, abs=1e-6)


def test_torch_port_matches_onnx():
    model = build_torch_dvector()
    enc = get_dvector()
    for seed, f0 in ((1, 110), (2, 230)):
        a = speechlike(2.5, seed=seed, f0=f0)
        with torch.no_grad():
            t = model(torch.from_numpy(a)).numpy()
        assert cosine(t, enc.embed(a, SR)) > 0.995


def test_torch_port_is_differentiable_through_resampling():
    model = build_torch_dvector()
    a24 = torch.from_numpy(np.interp(np.arange(0, 2 * SR, SR / SAMPLE_RATE), np.arange(2 * SR),
                                     speechlike(2.0)).astype(np.float32)).requires_grad_(True)
    emb = model(resample_torch(a24, SAMPLE_RATE, SR))
    emb.sum().backward()
    assert a24.grad is not None and torch.isfinite(a24.grad).all() and a24.grad.abs().sum() > 0


def test_fft_resample_keeps_length_and_tone():
    t = torch.arange(SAMPLE_RATE) / SAMPLE_RATE
    x = torch.sin(2 * np.pi * 440 * t)
    y = resample_torch(x, SAMPLE_RATE, SR)
    assert y.shape[0] == SR
    ref = torch.sin(2 * np.pi * 440 * torch.arange(SR) / SR)
    assert torch.corrcoef(torch.stack([y[100:-100], ref[100:-100]]))[0, 1] > 0.999


def test_silence_is_refused():
    with pytest.raises(MeasurementError, match="silent"):
        get_dvector().embed(np.zeros(SR, np.float32), SR)


def test_log_mel_features_are_librosas():
    """The embedder's features in numpy (no librosa import when cloning) must be the
    librosa recipe it was trained with: Slaney mel, periodic Hamming, no centring."""
    import librosa
    from core.speech.speaker import log_mel_frames, mel_basis
    ref_mel = librosa.filters.mel(sr=SR, n_fft=512, n_mels=40)
    assert np.abs(mel_basis() - ref_mel).max() < 1e-7
    a = speechlike(1.3, seed=3, f0=150)
    spec = np.abs(librosa.stft(a, n_fft=512, hop_length=160, win_length=400,
                               window="hamming", center=False)) ** 2
    ref = np.log10(ref_mel @ spec + 1e-10).T
    ours = log_mel_frames(a)
    assert ours.shape == ref.shape and np.abs(ours - ref).max() < 1e-4
    assert log_mel_frames(a[:300]).shape == (1, 40)      # under one frame: padded, not refused
