"""Building blocks shared by the prosody predictor and the decoder.

Weight norm is folded into plain convolutions: the shipped weights are already folded.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F


class AdaIN1d(nn.Module):
    """Instance norm whose scale and shift come from the style vector.

    `stats` lets a partial re-render reuse the statistics of the last full render,
    so a short window normalises exactly as the whole line did.
    """

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.fc = nn.Linear(style_dim, channels * 2)
        self.stats_mode = "live"            # "live" | "record" | "replay"
        self.stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.fc(style).unsqueeze(-1).chunk(2, dim=1)
        if self.stats_mode == "replay" and self.stats is not None:
            mean, var = self.stats
            if torch.is_grad_enabled():
                return (1 + gamma) * ((x - mean) * torch.rsqrt(var + 1e-5)) + beta
            return torch.sub(x, mean).mul_(torch.rsqrt(var + 1e-5)).mul_(1 + gamma).add_(beta)
        if torch.is_grad_enabled():
            out, mean, var = _NormAffine.apply(x, gamma, beta)
        else:                               # on one buffer: a line's decoder makes hundreds
            mean, centred, var = _centre(x)
            out = centred.mul_(torch.rsqrt(var + 1e-5)).mul_(1 + gamma).add_(beta)
        if self.stats_mode == "record":
            self.stats = (mean.detach(), var.detach())
        return out


def _centre(x: torch.Tensor):
    """(mean, x - mean, variance) over the last axis; two passes, not Tensor.var (its
    one-pass CPU kernel is ~8x slower)."""
    mean = x.mean(dim=-1, keepdim=True)
    centred = x - mean
    return mean, centred, torch.linalg.vector_norm(centred, dim=-1, keepdim=True) ** 2 / x.shape[-1]


class _NormAffine(torch.autograd.Function):
    """(1 + γ)(x - mean)/σ + β over the last axis (the numbers of AdaIN1d without a
    gradient), with its backward written out: about half the passes of autograd's."""

    @staticmethod
    def forward(ctx, x, gamma, beta):
        mean, centred, var = _centre(x)
        rstd = torch.rsqrt(var + 1e-5)
        out = torch.mul(centred, rstd).mul_(1 + gamma).add_(beta)
        ctx.save_for_backward(centred, rstd, gamma)
        ctx.mark_non_differentiable(mean, var)
        return out, mean, var

    @staticmethod
    def backward(ctx, grad, _mean, _var):
        centred, rstd, gamma = ctx.saved_tensors
        n = centred.shape[-1]
        d_beta = grad.sum(dim=-1, keepdim=True)
        g_dot_c = (grad.unsqueeze(-2) @ centred.unsqueeze(-1)).squeeze(-1)    # Σ g·(x - mean)
        scale = rstd * (1 + gamma)
        # dx = scale·(g - mean(g) - (x - mean)·rstd²·mean(g·(x - mean)))
        dx = (grad - d_beta / n).mul_(scale)
        dx.addcmul_(centred, scale * rstd ** 2 * g_dot_c / n, value=-1)
        return dx, g_dot_c * rstd, d_beta


class AdaLayerNorm(nn.Module):
    """Layer norm over channels with a style-driven scale and shift. x: [B, T, C]."""

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.channels = channels
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.fc(style).unsqueeze(1).chunk(2, dim=-1)
        return (1 + gamma) * F.layer_norm(x, (self.channels,), eps=1e-5) + beta


class ChannelLayerNorm(nn.Module):
    """Layer norm over the channel axis of a [B, C, T] tensor."""

    def __init__(self, channels: int):
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.layer_norm(x.transpose(1, -1), (x.shape[1],), self.gamma, self.beta, 1e-5)
        return x.transpose(1, -1)


class AdainResBlk1d(nn.Module):
    """Residual block: AdaIN, LeakyReLU, conv3, twice; optional 2x upsampling."""

    def __init__(self, dim_in: int, dim_out: int, style_dim: int, upsample: bool = False):
        super().__init__()
        self.upsample_type = "half" if upsample else "none"
        self.learned_sc = dim_in != dim_out
        self.conv1 = nn.Conv1d(dim_in, dim_out, 3, 1, 1)
        self.conv2 = nn.Conv1d(dim_out, dim_out, 3, 1, 1)
        self.norm1 = AdaIN1d(style_dim, dim_in)
        self.norm2 = AdaIN1d(style_dim, dim_out)
        if self.learned_sc:
            self.conv1x1 = nn.Conv1d(dim_in, dim_out, 1, 1, 0, bias=False)
        if upsample:
            self.pool = nn.ConvTranspose1d(dim_in, dim_in, 3, stride=2, groups=dim_in,
                                           padding=1, output_padding=1)
        else:
            self.pool = nn.Identity()

    def _shortcut(self, x: torch.Tensor) -> torch.Tensor:
        if self.upsample_type != "none":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        return self.conv1x1(x) if self.learned_sc else x

    def _residual(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        x = self.pool(F.leaky_relu(self.norm1(x, style), 0.2))
        x = self.conv1(x)
        x = self.conv2(F.leaky_relu(self.norm2(x, style), 0.2))
        return x

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return (self._residual(x, style) + self._shortcut(x)) * (0.5 ** 0.5)
