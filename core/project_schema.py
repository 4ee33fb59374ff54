"""The one schema a project file is checked against when it is loaded.

Every error names the cue (by id and position) and the field, so a hand-edited
file can be fixed in a text editor. Values are checked, never coerced: a number
written as a string is an error, not a guess.
"""
from __future__ import annotations

import math

from core.constants import STYLE_DIM
from core.limits import MAX_LINE_SECONDS, MAX_PROJECT_SECONDS, LimitError, kind_of, is_number

ENTITIES = ("happy", "angry", "disgust", "fear", "neutral", "sad", "surprise")
MAX_FPS = 1000.0


class SchemaError(ValueError):
    """A project value of the wrong kind or out of range."""


def _number(d: dict, key: str, where: str, lo: float | None = None, hi: float | None = None,
            required: bool = True, unit: str = "") -> float | None:
    """d[key] as a finite number in [lo, hi]; `unit` is " s" for seconds."""
    kind = "a number of seconds" if unit == " s" else "a number"
    if key not in d or d[key] is None:
        if required:
            raise SchemaError(f"{where}: the field {key!r} is {'null' if key in d else 'missing'}; "
                              f"it must be {kind}")
        return None
    v = d[key]
    if not is_number(v):
        raise SchemaError(f"{where}: the field {key!r} must be {kind}, not {kind_of(v)}")
    if not math.isfinite(v):
        raise SchemaError(f"{where}: the field {key!r} must be a finite number, got {v}")
    if lo is not None and v < lo:
        raise SchemaError(f"{where}: the field {key!r} is {v:g}{unit}; it must be at least {lo:g}{unit}")
    if hi is not None and v > hi:
        raise SchemaError(f"{where}: the field {key!r} is {v:g}{unit}; it must be at most {hi:g}{unit}")
    return float(v)


def _of_type(d: dict, key: str, where: str, types: tuple, what: str):
    v = d.get(key)
    if v is not None and not isinstance(v, types):
        raise SchemaError(f"{where}: the field {key!r} must be {what}, not {kind_of(v)}")
    return v


def check_video(v, where: str = "video") -> None:
    if v is None:
        return
    if not isinstance(v, dict):
        raise SchemaError(f"the field 'video' must be an object, not {kind_of(v)}")
    _of_type(v, "path", where, (str,), "a file path")
    _of_type(v, "sha256", where, (str,), "a hex digest")
    _of_type(v, "has_audio", where, (bool,), "true or false")
    if v.get("fps") is not None:
        fps = _number(v, "fps", where)
        if not 0 < fps <= MAX_FPS:
            raise SchemaError(f"{where}: the field 'fps' is {fps:g}; it must be above 0 and at most {MAX_FPS:g}")
    _number(v, "duration", where, 0.0, MAX_PROJECT_SECONDS, required=False, unit=" s")


def check_cues(cues) -> None:
    if cues is None:
        return
    if not isinstance(cues, list):
        raise SchemaError(f"the field 'cues' must be a list of cues, not {kind_of(cues)}")
    seen: dict[str, int] = {}
    for i, c in enumerate(cues, 1):
        cid = check_cue(c, i)
        if cid in seen:
            raise SchemaError(f"cues {seen[cid]} and {i} both have the id {cid!r}; "
                              "every cue needs its own id")
        seen[cid] = i


def check_cue(c, i: int) -> str:
    where = f"cue {i}"
    if not isinstance(c, dict):
        raise SchemaError(f"{where} must be an object, not {kind_of(c)}")
    cid = c.get("id")
    if isinstance(cid, bool) or not isinstance(cid, (str, int)) or str(cid).strip() == "":
        raise SchemaError(f"{where}: the field 'id' must be a non-empty text, not {kind_of(cid)}")
    cid = str(cid)
    where = f"cue {cid} (number {i})"
    if "text" not in c:
        raise SchemaError(f"{where}: the field 'text' is missing")
    if not isinstance(c["text"], str):
        raise SchemaError(f"{where}: the field 'text' must be the line's text, not {kind_of(c['text'])}")
    start = _number(c, "start", where, 0.0, MAX_PROJECT_SECONDS, unit=" s")
    end = _number(c, "end", where, 0.0, MAX_PROJECT_SECONDS, unit=" s")
    if end <= start:
        raise SchemaError(f"{where}: it ends ({end:g} s) before or when it starts ({start:g} s)")
    if end - start > MAX_LINE_SECONDS:
        raise SchemaError(f"{where}: it lasts {end - start:g} s; one line may last at most "
                          f"{MAX_LINE_SECONDS:g} s (split it)")
    for key in ("rate_instruction", "emotion_instruction"):
        _of_type(c, key, where, (str,), "a text")
    for key in ("measurements", "edited"):
        _of_type(c, key, where, (dict,), "an object")
    _check_entities(c.get("entities"), where)
    _check_voice(c.get("voice"), where)
    _check_alignment(c.get("alignment"), where)
    return cid


def _check_entities(e, where: str) -> None:
    if e is None:
        return
    if not isinstance(e, dict):
        raise SchemaError(f"{where}: the field 'entities' must map emotions to weights "
                          f'(e.g. {{"angry": 0.7}}), not {kind_of(e)}')
    for name, w in e.items():
        if name not in ENTITIES:
            raise SchemaError(f"{where}: unknown emotion entity {name!r} in 'entities'; "
                              f"use {', '.join(ENTITIES)}")
        _number(e, name, f"{where}, entities", 0.0)


def _check_voice(v, where: str) -> None:
    if v is None or isinstance(v, str):
        return
    if isinstance(v, dict) and "blend" in v:
        if not isinstance(v["blend"], dict) or not v["blend"]:
            raise SchemaError(f"{where}: the voice blend must map voice names to weights")
        for name in v["blend"]:
            _number(v["blend"], name, f"{where}, voice blend", 0.0)
        return
    if isinstance(v, dict) and "vector" in v:
        vec = v["vector"]
        if not (isinstance(vec, list) and len(vec) == STYLE_DIM
                and all(is_number(x) and math.isfinite(x) for x in vec)):
            raise SchemaError(f"{where}: a voice vector must be a list of {STYLE_DIM} finite numbers")
        return
    raise SchemaError(f"{where}: the field 'voice' must be a voice name, a blend or a vector, "
                      f"not {kind_of(v)}")


def _check_alignment(a, where: str) -> None:
    if a is None:
        return
    where = f"{where}, alignment"
    if not isinstance(a, dict):
        raise SchemaError(f"{where}: must be an object, not {kind_of(a)}")
    for key in ("phonemes", "durations", "f0", "energy"):
        if not isinstance(a.get(key), list):
            raise SchemaError(f"{where}: the field {key!r} must be a list, not {kind_of(a.get(key))}")
    for k, d in enumerate(a["durations"]):
        if not (is_number(d) and math.isfinite(d) and d >= 0 and int(d) == d):
            raise SchemaError(f"{where}: duration {k} must be a whole number of frames >= 0, not {kind_of(d) if not is_number(d) else d}")
    for key in ("f0", "energy"):
        for k, x in enumerate(a[key]):
            if not (is_number(x) and math.isfinite(x)):
                raise SchemaError(f"{where}: {key} value {k} must be a finite number, not {kind_of(x) if not is_number(x) else x}")
    from core.alignment import Alignment
    try:
        Alignment.from_dict(a).validate()
    except (ValueError, LimitError) as e:
        raise SchemaError(f"{where}: {e}") from None


def check_project(d) -> None:
    """Raise SchemaError for the first problem found in a project dict."""
    if not isinstance(d, dict):
        raise SchemaError(f"a project must be a JSON object, not {kind_of(d)}")
    check_video(d.get("video"))
    check_cues(d.get("cues"))
    _of_type(d, "settings", "the project", (dict,), "an object")
