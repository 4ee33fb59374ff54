"""Speech activity with silero-vad's bundled ONNX model (onnxruntime, no torch).

The model takes 512-sample chunks at 16 kHz (32 ms) plus the 64 samples in front of
each chunk, and carries a [2, 1, 128] recurrent state from chunk to chunk. One
session is shared; each `Vad` holds its own stream state.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import MeasurementError, check_audible

CHUNK = 512                      # samples per step (32 ms)
CONTEXT = 64                     # samples of the previous chunk the model expects in front
CHUNK_SECONDS = CHUNK / ANALYSIS_SR


@lru_cache(maxsize=1)
def _session():
    import onnxruntime as ort

    from core.locations import package_file
    path = package_file("silero_vad", "silero-vad==6.2.3", "data", "silero_vad.onnx")
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])


class Vad:
    """Streaming: feed blocks of any length, read one speech probability per 32 ms chunk."""

    def __init__(self):
        self.session = _session()
        self.reset()

    def reset(self) -> None:
        self.state = np.zeros((2, 1, 128), dtype=np.float32)
        self.context = np.zeros((1, CONTEXT), dtype=np.float32)
        self.rest = np.zeros(0, dtype=np.float32)

    def feed(self, block: np.ndarray) -> np.ndarray:
        """Speech probabilities for every complete chunk received so far."""
        x = np.concatenate([self.rest, np.asarray(block, np.float32)])
        n = len(x) // CHUNK
        self.rest = x[n * CHUNK:]
        probs = np.empty(n, dtype=np.float32)
        sr = np.array(ANALYSIS_SR, dtype=np.int64)
        for i in range(n):
            chunk = np.concatenate([self.context, x[None, i * CHUNK:(i + 1) * CHUNK]], axis=1)
            out, self.state = self.session.run(None, {"input": chunk, "state": self.state, "sr": sr})
            self.context = chunk[:, -CONTEXT:]
            probs[i] = out[0, 0]
        return probs


def speech_probabilities(audio: np.ndarray) -> np.ndarray:
    """One probability per chunk of a whole clip; the last partial chunk is zero-padded."""
    audio = np.asarray(audio, np.float32)
    pad = -len(audio) % CHUNK
    return Vad().feed(np.concatenate([audio, np.zeros(pad, np.float32)]))


# ---- spans for the analysis: hysteresis like silero's own ---------------------

def speech_segments(probs: np.ndarray, threshold: float = 0.5, min_speech: float = 0.15,
                    min_silence: float = 0.15, pad: float = 0.03) -> list[tuple[float, float]]:
    """Speech spans in seconds from per-chunk probabilities."""
    off = max(threshold - 0.15, 0.01)
    segs, on, start, quiet = [], False, 0, 0
    for i, p in enumerate(probs):
        if not on and p >= threshold:
            on, start, quiet = True, i, 0
        elif on:
            quiet = quiet + 1 if p < off else 0
            if quiet * CHUNK_SECONDS >= min_silence:
                segs.append((start, i - quiet + 1))
                on = False
    if on:
        segs.append((start, len(probs)))
    out = []
    for s, e in segs:
        t0, t1 = max(0.0, s * CHUNK_SECONDS - pad), e * CHUNK_SECONDS + pad
        if t1 - t0 >= min_speech:
            out.append((round(t0, 3), round(t1, 3)))
    return out


def detect_speech(blocks: Iterable[np.ndarray], vad: Vad | None = None) -> list[tuple[float, float]]:
    """Speech spans of a whole track, streamed block by block."""
    vad = vad or Vad()
    vad.reset()
    probs = [vad.feed(b) for b in blocks]
    return speech_segments(np.concatenate(probs) if probs else np.zeros(0, np.float32))


# ---- onset and offset for the evaluation: thresholded chunks --------------------

def speech_mask(audio: np.ndarray, threshold: float = 0.5, min_run: int = 3) -> np.ndarray:
    """Boolean speech flag per chunk; runs shorter than `min_run` chunks are dropped."""
    mask = speech_probabilities(audio) >= threshold
    out = mask.copy()
    i = 0
    while i < len(mask):
        j = i
        while j < len(mask) and mask[j] == mask[i]:
            j += 1
        if mask[i] and j - i < min_run:
            out[i:j] = False
        i = j
    return out


def speech_span(audio: np.ndarray, what: str = "audio") -> tuple[float, float]:
    """(onset, offset) in seconds of the speech in 16 kHz audio; MeasurementError if none."""
    check_audible(audio, what)
    idx = np.flatnonzero(speech_mask(audio))
    if idx.size == 0:
        raise MeasurementError(f"{what}: the voice-activity detector found no speech")
    onset = idx[0] * CHUNK_SECONDS
    offset = min((idx[-1] + 1) * CHUNK_SECONDS, len(audio) / ANALYSIS_SR)
    return float(onset), float(offset)
