"""Moved to core.speech.vad; speech_span stays importable here only until
core/evaluate/dub.py imports it from there."""
from core.speech.vad import speech_span  # noqa: F401
