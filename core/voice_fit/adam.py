"""Adam for the one tensor a voice fit or a clone tunes.

torch.optim.Adam's update, written out: the first torch.optim optimiser a process makes
imports torch._dynamo, about 2.5 CPU-s of a 60-s clone (bench/results/clone_speed.md).
The same numbers as torch.optim.Adam (tests/test_voice_fit.py checks it).
"""
from __future__ import annotations

import math

import torch


class Adam:
    def __init__(self, param: torch.Tensor, lr: float, betas=(0.9, 0.999), eps: float = 1e-8):
        self.param, self.lr, self.betas, self.eps = param, lr, betas, eps
        self.m = torch.zeros_like(param)
        self.v = torch.zeros_like(param)
        self.t = 0

    def zero_grad(self) -> None:
        self.param.grad = None

    @torch.no_grad()
    def step(self) -> None:
        g = self.param.grad
        if g is None:
            return
        b1, b2 = self.betas
        self.t += 1
        self.m.lerp_(g, 1 - b1)
        self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
        denom = (self.v.sqrt() / math.sqrt(1 - b2 ** self.t)).add_(self.eps)
        self.param.addcdiv_(self.m, denom, value=-self.lr / (1 - b1 ** self.t))
