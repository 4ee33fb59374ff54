"""WER: the Whisper tiny.en transcript (core.speech.asr) scored against the script
after text normalisation."""
from __future__ import annotations

import numpy as np

from core.speech.asr import transcribe
from core.speech.transcript import word_error_rate

ASR_NAME = "Whisper tiny.en (faster-whisper, int8, beam 5, temperature 0)"


def wer_metric(audio: np.ndarray, script: str) -> dict:
    text = transcribe(audio)
    return {"wer": round(word_error_rate(script, text), 4), "transcript": text}
