"""Moved to core.speech.speaker; these names stay importable here only until
core/voice_clone.py imports them from there."""
from core.speech.speaker import build_torch_dvector, cosine, get_dvector, resample_torch  # noqa: F401
