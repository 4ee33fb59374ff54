"""Voice activity with silero-vad's bundled ONNX model (run with onnxruntime, no torch).

The model takes 512-sample chunks at 16 kHz (32 ms) plus 64 samples of left context
and carries a [2, 1, 128] recurrent state from chunk to chunk.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from core.evaluate.audio_io import EVAL_SR, MetricError, check_audible

CHUNK = 512
CONTEXT = 64
CHUNK_SECONDS = CHUNK / EVAL_SR


@lru_cache(maxsize=1)
def _session():
    try:
        import silero_vad
    except ImportError:
        from core.errors import ModelMissingError
        raise ModelMissingError("silero-vad is not installed: "
                                "pip install --no-deps silero-vad==6.2.3") from None
    import onnxruntime as ort
    path = Path(silero_vad.__file__).parent / "data" / "silero_vad.onnx"
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """One speech probability per 32 ms chunk of 16 kHz audio."""
    sess = _session()
    audio = np.asarray(audio, dtype=np.float32)
    n = int(np.ceil(len(audio) / CHUNK))
    padded = np.zeros(n * CHUNK + CONTEXT, np.float32)
    padded[CONTEXT:CONTEXT + len(audio)] = audio
    state = np.zeros((2, 1, 128), np.float32)
    sr = np.array(EVAL_SR, dtype=np.int64)
    probs = np.empty(n, np.float32)
    for i in range(n):
        x = padded[i * CHUNK: i * CHUNK + CONTEXT + CHUNK][None, :]
        out, state = sess.run(None, {"input": x, "state": state, "sr": sr})
        probs[i] = out[0, 0]
    return probs


def speech_mask(audio: np.ndarray, threshold: float = 0.5, min_run: int = 3) -> np.ndarray:
    """Boolean speech flag per chunk; runs shorter than `min_run` chunks are dropped."""
    mask = speech_probabilities(audio) >= threshold
    out = mask.copy()
    i = 0
    while i < len(mask):
        if mask[i]:
            j = i
            while j < len(mask) and mask[j]:
                j += 1
            if j - i < min_run:
                out[i:j] = False
            i = j
        else:
            i += 1
    return out


def speech_span(audio: np.ndarray, what: str = "audio") -> tuple[float, float]:
    """(onset, offset) in seconds of the speech in 16 kHz audio; MetricError if none."""
    check_audible(audio, what)
    mask = speech_mask(audio)
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        raise MetricError(f"{what}: the voice-activity detector found no speech")
    onset = idx[0] * CHUNK_SECONDS
    offset = min((idx[-1] + 1) * CHUNK_SECONDS, len(audio) / EVAL_SR)
    return float(onset), float(offset)
