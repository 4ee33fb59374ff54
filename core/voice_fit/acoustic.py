"""The acoustic half (style[:128]) against a recording's sound: the decoder renders the
recording's own timing, F0 and N, and the render is compared with the recording in
log-mel (L1, level-matched) and in speaker embedding (the torch d-vector).

To stay cheap on a CPU each step renders a crop of one recording: the decoder is
convolutional, so a crop with its frame features, curves and harmonic source is the
same computation as the full line, up to the instance-norm statistics.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES, SAMPLE_RATE

N_FFT, HOP, N_MELS = 1024, 300, 80
SIM_RENDERS, SIM_FRAMES = 2, 160      # similarity figure: 2 recordings, up to 4 s each


@dataclass
class AcousticData:
    asr: torch.Tensor       # [1, 512, F] frame features of the recording's own timing
    f0: torch.Tensor        # [1, 2F]
    n: torch.Tensor         # [1, 2F]
    har: torch.Tensor       # [1, ?, F*600] harmonic source
    audio: torch.Tensor     # [F*600] the recording
    span: tuple[int, int]   # speech frames


def prepare(eng, targets, audio24: np.ndarray, seed: int = 0) -> AcousticData:
    model = eng.model
    al = targets.to_alignment({"vector": [0.0] * 256})
    with torch.no_grad():
        asr, f0, n, _ = eng._inputs(al)
        har = model.harmonic_source(f0, seed)
    n_samples = al.n_samples
    audio = np.zeros(n_samples, np.float32)
    audio[:min(n_samples, len(audio24))] = audio24[:n_samples]
    return AcousticData(asr.detach(), f0, n, har, torch.from_numpy(audio), targets.frame_span())


class LazyData:
    """AcousticData per recording, prepared when a step first needs it."""

    def __init__(self, eng, targets, audios, seed: int = 0):
        self.eng, self.targets, self.audios, self.seed = eng, targets, audios, seed
        self.spans = [t.frame_span() for t in targets]
        self._done: dict[int, AcousticData] = {}

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> AcousticData:
        if i not in self._done:
            self._done[i] = prepare(self.eng, self.targets[i], self.audios[i], self.seed)
        return self._done[i]


def crops(spans: list[tuple[int, int]], n: int, frames: int, seed: int) -> list[tuple[int, int]]:
    """n (recording, start frame) pairs inside the speech, reproducible; recordings are
    taken in a shuffled order, each once before any twice."""
    rng = np.random.default_rng(seed)
    order = np.concatenate([rng.permutation(len(spans)) for _ in range(n // len(spans) + 1)])
    out = []
    for k in range(n):
        r = int(order[k])
        a, b = spans[r]
        out.append((r, int(rng.integers(a, max(a + 1, b - frames + 1)))))
    return out


def render(model, d: AcousticData, style: torch.Tensor, start: int, frames: int) -> torch.Tensor:
    end = min(start + frames, d.asr.shape[-1])
    c = CURVE_PER_FRAME
    return model.decode(d.asr[..., start:end], d.f0[:, c * start:c * end],
                        d.n[:, c * start:c * end], style,
                        d.har[:, start * FRAME_SAMPLES:end * FRAME_SAMPLES])[0]


@lru_cache(maxsize=1)
def _mel_basis() -> torch.Tensor:
    from core.audio import mel_filterbank
    return torch.from_numpy(mel_filterbank(SAMPLE_RATE, N_FFT, N_MELS, fmin=50.0))


def log_mel(audio: torch.Tensor) -> torch.Tensor:
    """[frames, 80] natural-log mel magnitude, its mean level removed (gain-free)."""
    spec = torch.stft(audio, N_FFT, HOP, window=torch.hann_window(N_FFT), center=True,
                      return_complex=True).abs()
    mel = torch.log(_mel_basis() @ spec + 1e-4).T
    return mel - mel.mean()


def mel_l1(render_audio: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    n = min(len(render_audio), len(target))
    return (log_mel(render_audio[:n]) - log_mel(target[:n])).abs().mean()


def target_crop(d: AcousticData, start: int, frames: int) -> torch.Tensor:
    end = min(start + frames, d.asr.shape[-1])
    return d.audio[start * FRAME_SAMPLES:end * FRAME_SAMPLES]


def speaker_target(audios: list[np.ndarray], spans: list[tuple[int, int]]) -> np.ndarray:
    """Mean unit d-vector (ONNX) over the recordings' speech."""
    from core.speech.speaker import get_dvector
    enc = get_dvector()
    embs = []
    for audio, (a, b) in zip(audios, spans):
        embs.append(enc.embed(np.asarray(audio[a * FRAME_SAMPLES:b * FRAME_SAMPLES]), SAMPLE_RATE))
    mean = np.mean(embs, axis=0)
    return (mean / (np.linalg.norm(mean) + 1e-12)).astype(np.float32)


@torch.no_grad()
def figures(model, datas, style, val_crops, frames, target_emb) -> dict:
    """Mel L1 on fixed crops, and speaker similarity (ONNX) of renders of the first
    SIM_RENDERS recordings (their first SIM_FRAMES frames of speech). Without val_crops
    the mel L1 is taken on those renders (no other render: a clone's final check)."""
    from core.speech.speaker import cosine, get_dvector
    mel = [float(mel_l1(render(model, datas[r], style, s, frames), target_crop(datas[r], s, frames)))
           for r, s in val_crops]
    enc, sims = get_dvector(), []
    for i in range(min(SIM_RENDERS, len(datas))):
        d = datas[i]
        a, b = d.span
        audio = render(model, d, style, a, min(b - a, SIM_FRAMES))
        if not val_crops:
            mel.append(float(mel_l1(audio, target_crop(d, a, min(b - a, SIM_FRAMES)))))
        sims.append(cosine(enc.embed(audio.numpy(), SAMPLE_RATE), target_emb))
    return {"mel_l1": round(float(np.mean(mel)), 4), "similarity": round(float(np.mean(sims)), 4)}
