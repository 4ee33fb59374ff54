"""iSTFTNet decoder: frame features + F0 + energy + style -> 24 kHz waveform.

The harmonic source is computed separately (`harmonic_source`) for the whole line,
so a partial re-render can slice it and stay phase-continuous with the full render.
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from core.backbone.layers import AdaIN1d, AdainResBlk1d

SAMPLE_RATE = 24000


def _pad(kernel: int, dilation: int = 1) -> int:
    return (kernel * dilation - dilation) // 2


def _snake_buffer(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    return torch.mul(alpha, x).sin_().pow_(2).mul_(1 / alpha).add_(x)


class _SnakeX(torch.autograd.Function):
    """Snake with a fixed α: d/dx (x + sin²(αx)/α) = 1 + sin(2αx), one sine in the backward
    instead of autograd's sine, cosine and five products (a clone's steps: ~5 % less CPU)."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x, alpha)
        return _snake_buffer(x, alpha)

    @staticmethod
    def backward(ctx, grad):
        x, alpha = ctx.saved_tensors
        return torch.mul(x, 2 * alpha).sin_().add_(1).mul_(grad), None


class SnakeResBlock(nn.Module):
    """Generator residual block: AdaIN + Snake activation + dilated convs."""

    def __init__(self, channels: int, kernel: int, dilations, style_dim: int):
        super().__init__()
        self.convs1 = nn.ModuleList(nn.Conv1d(channels, channels, kernel, 1, dilation=d,
                                              padding=_pad(kernel, d)) for d in dilations)
        self.convs2 = nn.ModuleList(nn.Conv1d(channels, channels, kernel, 1,
                                              padding=_pad(kernel)) for _ in dilations)
        self.adain1 = nn.ModuleList(AdaIN1d(style_dim, channels) for _ in dilations)
        self.adain2 = nn.ModuleList(AdaIN1d(style_dim, channels) for _ in dilations)
        self.alpha1 = nn.ParameterList(nn.Parameter(torch.ones(1, channels, 1)) for _ in dilations)
        self.alpha2 = nn.ParameterList(nn.Parameter(torch.ones(1, channels, 1)) for _ in dilations)

    @staticmethod
    def _snake(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """x + sin²(αx)/α; on one buffer (the same numbers, 1 allocation of 5), and with a
        gradient for x alone (a style fit) through _SnakeX's shorter backward."""
        if not torch.is_grad_enabled():
            return _snake_buffer(x, alpha)
        if alpha.requires_grad:
            return x + (1 / alpha) * torch.sin(alpha * x) ** 2
        return _SnakeX.apply(x, alpha)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        for c1, c2, n1, n2, a1, a2 in zip(self.convs1, self.convs2, self.adain1,
                                          self.adain2, self.alpha1, self.alpha2):
            h = c1(self._snake(n1(x, style), a1))
            h = c2(self._snake(n2(h, style), a2))
            x = x + h
        return x


class SourceModule(nn.Module):
    """Harmonic-plus-noise excitation from F0 (NSF): 9 harmonics merged by a linear layer."""

    def __init__(self, upsample_scale: int, harmonics: int = 8, sine_amp: float = 0.1,
                 noise_std: float = 0.003, voiced_threshold: float = 10.0):
        super().__init__()
        self.upsample_scale = upsample_scale
        self.n_harm = harmonics + 1
        self.sine_amp, self.noise_std, self.voiced_threshold = sine_amp, noise_std, voiced_threshold
        self.l_linear = nn.Linear(self.n_harm, 1)

    @torch.no_grad()
    def sines(self, f0_curve: torch.Tensor, gen: torch.Generator | None) -> torch.Tensor:
        """f0_curve [B, N] at the curve rate -> noisy harmonic sines [B, N*scale, n_harm]."""
        scale = self.upsample_scale
        harm = torch.arange(1, self.n_harm + 1, device=f0_curve.device, dtype=f0_curve.dtype)
        f0_up = f0_curve.repeat_interleave(scale, dim=1).unsqueeze(-1)      # [B, L, 1]
        rad = (f0_up * harm / SAMPLE_RATE) % 1                             # [B, L, H]
        phase0 = torch.rand(f0_up.shape[0], self.n_harm, generator=gen).to(rad)
        phase0[:, 0] = 0
        rad[:, 0, :] += phase0
        # integrate phase at the curve rate, then interpolate back to samples
        rad_low = F.interpolate(rad.transpose(1, 2), scale_factor=1 / scale, mode="linear")
        phase = torch.cumsum(rad_low, dim=-1) * 2 * math.pi
        phase = F.interpolate(phase * scale, scale_factor=scale, mode="linear").transpose(1, 2)
        noise = torch.randn(rad.shape, generator=gen).to(rad)
        return self._mix(phase, f0_up, noise)

    @torch.no_grad()
    def window_sines(self, f0_curve: torch.Tensor, gen: torch.Generator | None,
                     start: int, stop: int) -> torch.Tensor:
        """sines(f0_curve, gen)[:, start:stop] at a fraction of the cost (a drag's window):
        the phase is summed at the curve rate, not interpolated down from samples, so it
        matches to ~1e-3 rather than bit for bit; the noise is the same seeded stream."""
        scale, n = self.upsample_scale, f0_curve.shape[1]
        harm = torch.arange(1, self.n_harm + 1, device=f0_curve.device, dtype=f0_curve.dtype)
        torch.rand(f0_curve.shape[0], self.n_harm, generator=gen)   # phase0's draw, as in sines
        noise = torch.randn((f0_curve.shape[0], n * scale, self.n_harm), generator=gen)
        rad_low = ((f0_curve.unsqueeze(-1) * harm / SAMPLE_RATE) % 1).transpose(1, 2)
        phase = torch.cumsum(rad_low, dim=-1) * 2 * math.pi
        i0, i1 = max(0, start // scale - 1), min(n, -(-stop // scale) + 1)   # a point beyond
        s0, s1 = start - i0 * scale, stop - i0 * scale
        phase = F.interpolate(phase[..., i0:i1] * scale, scale_factor=scale, mode="linear")
        f0_up = f0_curve[:, i0:i1].repeat_interleave(scale, dim=1).unsqueeze(-1)
        return self._mix(phase.transpose(1, 2)[:, s0:s1], f0_up[:, s0:s1],
                         noise[:, start:stop].to(phase))

    def _mix(self, phase, f0_up, noise) -> torch.Tensor:
        voiced = (f0_up > self.voiced_threshold).to(phase)
        noise_amp = voiced * self.noise_std + (1 - voiced) * self.sine_amp / 3
        return torch.sin(phase) * self.sine_amp * voiced + noise_amp * noise

    def forward(self, sines: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.l_linear(sines)).squeeze(-1)                # [B, L]


class Generator(nn.Module):
    def __init__(self, style_dim: int, resblock_kernel_sizes, upsample_rates,
                 upsample_initial_channel, resblock_dilation_sizes, upsample_kernel_sizes,
                 gen_istft_n_fft, gen_istft_hop_size):
        super().__init__()
        self.n_fft, self.hop = gen_istft_n_fft, gen_istft_hop_size
        self.num_kernels = len(resblock_kernel_sizes)
        self.m_source = SourceModule(math.prod(upsample_rates) * gen_istft_hop_size)
        self.ups, self.resblocks = nn.ModuleList(), nn.ModuleList()
        self.noise_convs, self.noise_res = nn.ModuleList(), nn.ModuleList()
        for i, (u, k) in enumerate(zip(upsample_rates, upsample_kernel_sizes)):
            ch_in, ch = upsample_initial_channel // 2 ** i, upsample_initial_channel // 2 ** (i + 1)
            self.ups.append(nn.ConvTranspose1d(ch_in, ch, k, u, padding=(k - u) // 2))
            for rk, rd in zip(resblock_kernel_sizes, resblock_dilation_sizes):
                self.resblocks.append(SnakeResBlock(ch, rk, rd, style_dim))
            if i + 1 < len(upsample_rates):
                stride = math.prod(upsample_rates[i + 1:])
                self.noise_convs.append(nn.Conv1d(self.n_fft + 2, ch, stride * 2, stride,
                                                  padding=(stride + 1) // 2))
                self.noise_res.append(SnakeResBlock(ch, 7, [1, 3, 5], style_dim))
            else:
                self.noise_convs.append(nn.Conv1d(self.n_fft + 2, ch, 1))
                self.noise_res.append(SnakeResBlock(ch, 11, [1, 3, 5], style_dim))
        self.conv_post = nn.Conv1d(ch, self.n_fft + 2, 7, 1, padding=3)
        self.register_buffer("window", torch.hann_window(self.n_fft), persistent=False)
        self.fast = None            # an optional faster runner of the same network

    def _stft(self, wav: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wav, self.n_fft, self.hop, self.n_fft, window=self.window,
                          return_complex=True)
        return torch.cat([spec.abs(), spec.angle()], dim=1)

    def forward(self, x: torch.Tensor, style: torch.Tensor, har_source: torch.Tensor):
        if self.fast is not None and self.fast.applies(self):   # core/preview_decoder.py
            return self.fast(x, style, har_source)
        return self.to_wave(self.spectrum(x, style, self._stft(har_source)))

    def spectrum(self, x: torch.Tensor, style: torch.Tensor, har: torch.Tensor) -> torch.Tensor:
        """The network between the source's STFT and the inverse STFT."""
        for i, up in enumerate(self.ups):
            x = F.leaky_relu(x, 0.1)
            x_source = self.noise_res[i](self.noise_convs[i](har), style)
            x = up(x)
            if i == len(self.ups) - 1:
                x = F.pad(x, (1, 0), mode="reflect")
            x = x + x_source
            blocks = self.resblocks[i * self.num_kernels:(i + 1) * self.num_kernels]
            x = sum(block(x, style) for block in blocks) / self.num_kernels
        return self.conv_post(F.leaky_relu(x))

    def to_wave(self, x: torch.Tensor) -> torch.Tensor:
        n_bins = self.n_fft // 2 + 1
        spec = torch.exp(x[:, :n_bins]) * torch.exp(1j * torch.sin(x[:, n_bins:]))
        return torch.istft(spec, self.n_fft, self.hop, self.n_fft, window=self.window)


class Decoder(nn.Module):
    def __init__(self, dim_in: int, style_dim: int, dim_out: int, **istft):
        super().__init__()
        self.encode = AdainResBlk1d(dim_in + 2, 1024, style_dim)
        self.decode = nn.ModuleList([AdainResBlk1d(1024 + 2 + 64, 1024, style_dim) for _ in range(3)]
                                    + [AdainResBlk1d(1024 + 2 + 64, 512, style_dim, upsample=True)])
        self.F0_conv = nn.Conv1d(1, 1, 3, stride=2, padding=1)
        self.N_conv = nn.Conv1d(1, 1, 3, stride=2, padding=1)
        self.asr_res = nn.Sequential(nn.Conv1d(512, 64, 1))
        self.generator = Generator(style_dim, **istft)

    def forward(self, asr, f0_curve, energy, style, har_source):
        """asr [B,512,T], f0_curve/energy [B,2T], style [B,128], har_source [B,600T] -> [B,600T]."""
        return self.generator(self.features(asr, f0_curve, energy, style), style, har_source)

    def features(self, asr, f0_curve, energy, style) -> torch.Tensor:
        """The frame-rate part: [B, 512, 2T], the generator's input."""
        f0 = self.F0_conv(f0_curve.unsqueeze(1))
        n = self.N_conv(energy.unsqueeze(1))
        x = self.encode(torch.cat([asr, f0, n], dim=1), style)
        asr_res = self.asr_res(asr)
        for block in self.decode:               # every block sees the residual inputs
            x = block(torch.cat([x, asr_res, f0, n], dim=1), style)
        return x
