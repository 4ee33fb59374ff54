"""Moved to core.speech.checks (MetricError is now MeasurementError, EVAL_SR is
core.constants.ANALYSIS_SR). These names stay importable here only until
core/voice_clone.py, core/evaluate/dub.py and core/commands/voices.py import them
from there."""
from core.constants import ANALYSIS_SR as EVAL_SR  # noqa: F401
from core.speech.checks import MeasurementError as MetricError  # noqa: F401
from core.speech.checks import check_audible, load_audio  # noqa: F401
