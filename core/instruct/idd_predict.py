"""IDD on one line: the word-gap mask its pause goes to, and float durations.

Apart from idd.py so that the model module needs nothing from the corpus code.
"""
from __future__ import annotations

import numpy as np
import torch

from core.instruct.corpus import boundaries
from core.instruct.idd import IDD


def gap_mask(tokens, n: int | None = None) -> torch.Tensor:
    """[n] bool: the word gaps without punctuation (where a "with pauses" delivery
    pauses; a comma's pause is the text's)."""
    out = torch.zeros(len(tokens) if n is None else n, dtype=torch.bool)
    out[boundaries(list(tokens), spaces_only=True)] = True
    return out


def predict_durations(model: IDD, bert: torch.Tensor, base, tokens, instr: torch.Tensor) -> np.ndarray:
    """Float durations of one line: bert [L, 512], base [L] frames, its tokens, the
    instruction's token embeddings [N, 384]."""
    base = torch.as_tensor(base, dtype=torch.float32).reshape(1, -1)
    mask = torch.ones_like(base, dtype=torch.bool)
    with torch.no_grad():
        log_d = model(bert.detach().float().reshape(1, base.shape[1], -1), base, mask, instr[None],
                      torch.ones(1, instr.shape[0], dtype=torch.bool), gap_mask(tokens, base.shape[1])[None])
    return torch.exp(log_d[0]).numpy()
