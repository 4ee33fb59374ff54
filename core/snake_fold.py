"""The generator's residual blocks with each AdaIN folded into its Snake, for the ONNX
Runtime export (core/preview_ort.py), where the statistics are replayed.

A block's step is conv(snake(AdaIN(x))), snake(y) = y + sin²(αy)/α. With replayed
statistics AdaIN(x) = x·s + t per channel (s = (1 + γ)/σ, t = β - mean·s), so with
z = x·(αs) + αt the step is (conv's weight / α)(z + sin²z): the 1/α moves into the
convolution's input channels once, at export. That is five passes over the activations
instead of nine (AdaIN's subtract, scale, scale and shift; Snake's scale, sine, square,
scale and add). Same numbers to float rounding (a test compares the exports).
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from core.backbone.decoder import SnakeResBlock


def _scaled_conv(conv: nn.Conv1d, alpha: torch.Tensor) -> nn.Conv1d:
    """A copy of `conv` that reads x/α: its weight's input channels divided by α."""
    out = copy.deepcopy(conv)
    with torch.no_grad():
        out.weight.div_(alpha.reshape(1, -1, 1))
    return out


def _alpha_affine(norm, x: torch.Tensor, style: torch.Tensor, alpha: torch.Tensor):
    """α·AdaIN(x) with the norm's replayed (mean, var)."""
    gamma, beta = norm.fc(style).unsqueeze(-1).chunk(2, dim=1)
    mean, var = norm.stats
    scale = torch.rsqrt(var + 1e-5) * (1 + gamma) * alpha
    return x * scale + (beta * alpha - mean * scale)


def _fold_step(z: torch.Tensor) -> torch.Tensor:
    sine = torch.sin(z)
    return z + sine * sine


class FoldedBlock(nn.Module):
    """A SnakeResBlock for replayed statistics; its AdaINs are the block's own modules, in
    the same order (the statistics are fed by that order)."""

    def __init__(self, block: SnakeResBlock):
        super().__init__()
        self.convs1 = nn.ModuleList(_scaled_conv(c, a) for c, a in zip(block.convs1, block.alpha1))
        self.convs2 = nn.ModuleList(_scaled_conv(c, a) for c, a in zip(block.convs2, block.alpha2))
        self.adain1, self.adain2 = block.adain1, block.adain2
        self.alpha1 = [a.detach().clone() for a in block.alpha1]
        self.alpha2 = [a.detach().clone() for a in block.alpha2]

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        for c1, c2, n1, n2, a1, a2 in zip(self.convs1, self.convs2, self.adain1,
                                          self.adain2, self.alpha1, self.alpha2):
            h = c1(_fold_step(_alpha_affine(n1, x, style, a1)))
            h = c2(_fold_step(_alpha_affine(n2, h, style, a2)))
            x = x + h
        return x


def folded_generator(generator):
    """A float CPU copy of `generator` with every SnakeResBlock folded (replay only)."""
    fast, generator.fast = generator.fast, None     # an ONNX Runtime session: not copied
    try:
        gen = copy.deepcopy(generator).float().cpu().eval()
    finally:
        generator.fast = fast
    for blocks in (gen.resblocks, gen.noise_res):
        for i, block in enumerate(blocks):
            blocks[i] = FoldedBlock(block)
    return gen
