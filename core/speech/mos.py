"""MOS: DistillMOS (distillmos 0.9.1, a distilled XLS-R speech-quality predictor).

distillmos imports torchaudio at module level, only for its file-reading CLI. No CPU
torchaudio ships for our pinned torch, so when torchaudio is absent an empty
placeholder module is registered just for that import (and removed after it); the
model never calls it.
"""
from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import io
import sys
import types
from functools import lru_cache

import numpy as np

from core.speech.checks import check_audible


@contextlib.contextmanager
def _torchaudio_placeholder():
    """Let `import torchaudio` succeed inside the block when it is not installed.

    The placeholder leaves sys.modules afterwards, so other libraries that probe for
    torchaudio (transformers does) still see it as absent."""
    if importlib.util.find_spec("torchaudio") is not None:
        yield
        return
    stub = types.ModuleType("torchaudio")
    stub.__doc__ = "placeholder: distillmos imports torchaudio for file I/O only"
    stub.__spec__ = importlib.machinery.ModuleSpec("torchaudio", None)
    sys.modules["torchaudio"] = stub
    try:
        yield
    finally:
        if sys.modules.get("torchaudio") is stub:
            del sys.modules["torchaudio"]


@lru_cache(maxsize=1)
def _model():
    try:
        with _torchaudio_placeholder():
            from distillmos import ConvTransformerSQAModel
    except ImportError as e:
        from core.errors import ModelMissingError
        raise ModelMissingError("distillmos is missing: pip install --no-deps distillmos==0.9.1 "
                                f"xls-r-sqa==0.1.0 ({e})") from None
    with contextlib.redirect_stdout(io.StringIO()):      # it prints the weights path
        model = ConvTransformerSQAModel()
    return model.eval()


def mos_metric(audio: np.ndarray) -> dict:
    """{'mos': 1..5} predicted for 16 kHz audio."""
    import torch
    check_audible(audio, "audio to rate")
    x = torch.from_numpy(np.asarray(audio, np.float32))[None, :]
    with torch.inference_mode():
        score = _model()(x)
    return {"mos": round(float(score.reshape(-1)[0]), 3)}

