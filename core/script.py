"""The dialogue script: a plain-text file (one line per cue), an .srt file (parsed
with the `srt` package; its times become the cue times) or text given directly."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import UserError


class ScriptError(UserError):
    """A script that cannot be used; the message says what to fix."""


@dataclass
class ScriptLine:
    text: str
    start: float | None = None        # seconds, from SRT
    end: float | None = None


@dataclass
class Script:
    lines: list[ScriptLine]
    warnings: list[str] = field(default_factory=list)
    timed: bool = False               # True when every line has SRT times


_TAG = re.compile(r"<[^>]+>|\{\\[^}]*\}")       # <i>..</i> and {\an8} style tags


def _clean(text: str) -> str:
    return " ".join(_TAG.sub("", text).split())


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScriptError(f"no such script file: {path}") from None
    except OSError as e:
        raise ScriptError(f"cannot read the script {path}: {e.strerror}") from None
    for enc in ("utf-8-sig", "utf-16"):
        try:
            text = raw.decode(enc)
            if "\x00" not in text:
                return text
        except UnicodeDecodeError:
            continue
    raise ScriptError(f"{path} is not UTF-8 text; save it as UTF-8 and try again")


def parse_text(text: str, source: str = "the script") -> Script:
    """One cue per non-empty line. Empty lines between cues are skipped and reported."""
    rows = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while rows and not rows[-1].strip():
        rows.pop()
    lines, warnings = [], []
    for i, row in enumerate(rows, 1):
        t = _clean(row)
        if t:
            lines.append(ScriptLine(t))
        elif lines:                      # leading blank lines are not worth a warning
            warnings.append(f"{source}: line {i} is empty and was skipped")
    if not lines:
        raise ScriptError(f"{source} is empty: give one line of dialogue per cue")
    return Script(lines, warnings)


def parse_srt(text: str, source: str = "the subtitles") -> Script:
    import srt
    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except srt.SRTParseError as e:
        raise ScriptError(f"{source} is not a valid .srt file ({e}); check the block "
                          "numbering and the 'hh:mm:ss,mmm --> hh:mm:ss,mmm' time lines") from None
    lines, warnings = [], []
    for s in sorted(subs, key=lambda s: s.start):
        t = _clean(s.content)
        start, end = s.start.total_seconds(), s.end.total_seconds()
        if not t:
            warnings.append(f"{source}: subtitle {s.index} is empty and was skipped")
            continue
        if end <= start:
            raise ScriptError(f"{source}: subtitle {s.index} ends ({end:.3f} s) before it starts ({start:.3f} s)")
        if lines and start < lines[-1].end - 1e-3:
            warnings.append(f"{source}: subtitle {s.index} overlaps the one before it")
        lines.append(ScriptLine(t, start, end))
    if not lines:
        raise ScriptError(f"{source} has no subtitles with text")
    return Script(lines, warnings, timed=True)


def load_script(path: str | Path | None = None, text: str | None = None) -> Script:
    """From a file (.srt by extension or content, else plain text) or from `text`."""
    if (path is None) == (text is None):
        raise ScriptError("give either a script file or the text, not both or neither")
    if text is not None:
        return parse_text(text, "the text")
    path = Path(path)
    content = _read(path)
    looks_srt = re.search(r"\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->", content) is not None
    if path.suffix.lower() == ".srt" or looks_srt:
        return parse_srt(content, path.name)
    return parse_text(content, path.name)


_VOWELS = re.compile(r"[aeiouy]+")


def count_syllables(text: str) -> int:
    """Vowel groups per word, less a silent 'e' (final, or in -ed/-es endings where it
    is not sounded, and in aren't/weren't); at least one per word.
    Digits count one syllable each (the usual GRID 'e four now' style)."""
    n = 0
    for word in re.findall(r"[a-zA-Z']+|\d", text.lower()):
        if word.isdigit():
            n += 1
            continue
        w = word.replace("'", "")
        k = len(_VOWELS.findall(w))
        vowel_before = lambda n: len(w) > n and w[-n - 1] in "aeiouy"   # noqa: E731
        if k > 1 and (
                (w.endswith("e") and not w.endswith("le") and not vowel_before(1))      # love, here
                or (w.endswith("ed") and not w.endswith(("ted", "ded")) and not vowel_before(2))
                or (w.endswith("es") and not vowel_before(2)
                    and not w.endswith(("ses", "xes", "zes", "ches", "shes", "ges", "ces")))
                or w.endswith("rent")):                                           # aren't, weren't
            k -= 1
        n += max(1, k)
    return n
