"""Moved to core.speech.pitch; pitch_track stays importable here only until
core/voice_clone.py imports it from there."""
from core.speech.pitch import pitch_track  # noqa: F401
