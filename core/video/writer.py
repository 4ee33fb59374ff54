"""The instruction writer: measurements -> two plain-language instructions per cue
(speaking rate, emotion), in the spirit of the paper's MLLM answers.

Deterministic. Every number in the text is a measured one (or, where nothing could
be measured, the script's syllable count over the cue's slot, said as such).
"""
from __future__ import annotations

import re

from core.project import ENTITIES
from core.script import count_syllables
from core.video.expression import ADJECTIVE

# Mouth open-close cycles undercount syllables (syllables run together without the
# lips closing). On the benchmark clips (bench/analysis.py) the visible rate was
# about 0.6 of the true syllable rate; the pace *word* for a mouth-only reading uses
# cycles x this factor, and the text says so. The numbers printed stay the measured ones.
CYCLES_TO_SYLLABLES = 1.5
MIN_SAID_PAUSE = 0.2       # shorter gaps are not worth a word in the instruction

ORDINAL = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
           "ninth", "tenth", "eleventh", "twelfth"]


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def pace_word(rate: float) -> str:
    """Syllables per second -> a pace word."""
    if rate < 2.5:
        return "slow"
    if rate < 3.5:
        return "unhurried"
    if rate < 4.8:
        return "moderate"
    if rate < 6.0:
        return "brisk"
    return "fast"


def _trend_clause(trend: dict | None, scale: float = 1.0, unit: str = "syllables") -> str:
    if not trend or not trend.get("ratio"):
        return ""
    r = trend["ratio"]
    a = pace_word(trend["first"] * scale)
    if r >= 1.25:
        return (f"; it starts {a} and speeds up towards the end "
                f"({trend['first']:.1f} then {trend['second']:.1f} {unit} per second)")
    if r <= 0.8:
        return (f"; it is {a} at first and slows towards the end "
                f"({trend['first']:.1f} then {trend['second']:.1f} {unit} per second)")
    return "; the pace stays even"


def _word_before(text: str, frac: float) -> tuple[int, str] | None:
    """The word after which a pause at `frac` of the speaking time most likely falls,
    assuming syllables are evenly spread (an estimate, worded as one)."""
    words = re.findall(r"[\w']+", text)
    if len(words) < 2:
        return None
    syl = [max(1, count_syllables(w)) for w in words]
    total, acc, best = sum(syl), 0, None
    for i, s in enumerate(syl[:-1]):
        acc += s
        d = abs(acc / total - frac)
        if best is None or d < best[0]:
            best = (d, i)
    return best[1], words[best[1]]


def _pause_clause(text: str, pauses: list, span: list | None, who: str,
                  beats: list | None = None) -> str:
    """Words before each pause. With `beats` (syllable nuclei or mouth-opening peaks),
    the pause's place is the share of beats before it, which follows the speaker's own
    rhythm; without, its share of the speaking time."""
    if not pauses or not span or span[1] <= span[0]:
        return ""
    pauses = [p for p in pauses if p[1] - p[0] >= MIN_SAID_PAUSE]
    if not pauses:
        return ""
    parts, seen = [], set()
    for p0, p1 in pauses[:2]:
        if beats:
            frac = sum(1 for b in beats if b < p0) / len(beats)
        else:
            frac = (p0 - span[0]) / (span[1] - span[0])
        wb = _word_before(text, frac)
        if wb and wb[0] in seen:
            continue
        where = (f"after about the {ORDINAL[wb[0]] if wb[0] < len(ORDINAL) else f'{wb[0] + 1}th'} word "
                 f"('{wb[1]}')" if wb else f"{p0 - span[0]:.1f} s in")
        seen.add(wb[0] if wb else None)
        parts.append(f"{who} for {p1 - p0:.1f} s {where}")
    more = f" and {len(pauses) - 2} more time(s)" if len(pauses) > 2 else ""
    return "; " + "; ".join(parts) + more


def _script_word(text: str, words: list[dict], i: int) -> str:
    """The script's word for heard word i: matched by spelling where the recogniser got
    it right, else placed by its share of the heard words (ASR mishears)."""
    import difflib
    script = re.findall(r"[\w']+", text)
    if not script:
        return words[i]["word"]
    norm = lambda w: w.lower().replace("'", "")  # noqa: E731
    sm = difflib.SequenceMatcher(None, [norm(w["word"]) for w in words], [norm(w) for w in script])
    for a, b, size in sm.get_matching_blocks():
        if a <= i < a + size:
            return script[b + i - a]
    j = int(round((i + 1) / len(words) * len(script))) - 1
    return script[min(max(j, 0), len(script) - 1)]


def _heard_pauses(text: str, pauses: list[dict], words: list[dict]) -> str:
    parts = [f"the voice pauses for {p['end'] - p['start']:.1f} s after "
             f"'{_script_word(text, words, p['index'])}'" for p in pauses[:3]]
    more = f" and {len(pauses) - 3} more time(s)" if len(pauses) > 3 else ""
    return ("; " + "; ".join(parts) + more) if parts else ""


def _heard_closures(text: str, pauses: list, words: list[dict]) -> str:
    """Mouth closures placed after the last word heard before each."""
    parts = []
    for p0, p1 in [p for p in pauses if p[1] - p[0] >= MIN_SAID_PAUSE][:2]:
        before = [i for i, w in enumerate(words) if w["end"] <= p0 + 0.05]
        where = f"after '{_script_word(text, words, before[-1])}'" if before else "before the first word"
        parts.append(f"it stays closed for {p1 - p0:.1f} s {where}")
    return (", " + "; ".join(parts)) if parts else ""


def rate_instruction(text: str, slot: float, mouth: dict | None, guide: dict | None) -> str:
    """The speaking-rate instruction from the best source measured."""
    if guide and guide.get("speech_found") and guide.get("speech_seconds", 0) > 0.2:
        # the line's syllables (from the script) over the voice's measured speech time;
        # the syllable nuclei found in the audio give the trend within the line
        n, speech = count_syllables(text), guide["speech_seconds"]
        r = n / speech
        s = (f"The speaking pace is {pace_word(r)}: the original voice speaks the line's {n} syllables "
             f"in {speech:.1f} s of speech, about {r:.1f} per second")
        nuclei_rate = guide.get("syllable_rate") or 0.0
        scale = r / nuclei_rate if nuclei_rate > 0 else 1.0
        s += _trend_clause(guide.get("trend"), scale, "syllable nuclei")
        if "word_pauses" in guide:          # heard words (ASR): say exactly where
            s += _heard_pauses(text, guide["word_pauses"], guide["words"])
        else:
            s += _pause_clause(text, guide.get("pauses", []), [guide["onset"], guide["offset"]],
                               "the voice pauses", guide.get("nuclei"))
        if mouth and mouth.get("visible"):
            s += f". The mouth opens and closes about {mouth['syllable_rate']:.1f} times per second"
            if guide.get("words"):
                s += _heard_closures(text, mouth.get("pauses", []), guide["words"])
            else:
                s += _pause_clause(text, mouth.get("pauses", []), mouth.get("active"),
                                   "it stays closed", mouth.get("peak_times")).replace("; ", ", ", 1)
        return s + "."
    if mouth and mouth.get("visible"):
        r = mouth["syllable_rate"]
        s = (f"The speaking pace looks {pace_word(r * CYCLES_TO_SYLLABLES)}: the mouth opens and closes "
             f"about {r:.1f} times per second over {mouth['active'][1] - mouth['active'][0]:.1f} s "
             f"(syllables often run together without the lips closing, so the syllable rate is higher)")
        s += _trend_clause(mouth.get("trend"), CYCLES_TO_SYLLABLES, "cycles")
        s += _pause_clause(text, mouth.get("pauses", []), mouth.get("active"), "the mouth closes",
                           mouth.get("peak_times"))
        return s + "."
    n = count_syllables(text)
    why = ("the face could not be tracked in this shot (for example a stylised character)"
           if not mouth or mouth.get("face_found_share", 0) < 0.3 else
           "the mouth movement is too slight to read")
    if slot <= 0:
        return f"No pace was measured: {why}, and there is no guide audio. Speak at a natural, even pace."
    r = n / slot
    return (f"No pace was measured: {why}, and there is no guide audio. The line has {n} syllables "
            f"in a {slot:.1f} s slot, about {r:.1f} per second, so {_a(pace_word(r))}, even pace fits.")


def _voice_clause(guide: dict | None) -> str:
    if not guide or "f0_median" not in guide:
        return ""
    f0, st = guide["f0_median"], guide.get("f0_range_st", 0.0)
    spread = "flat" if st < 4 else ("moderately varied" if st < 8 else "lively")
    from core.instruct.melody import describe
    return (f" The original voice has a median pitch of {f0:.0f} Hz and a {spread} melody "
            f"({st:.0f} semitones between its low and high points)."
            + describe(guide.get("melody") or []))


def _script_clause(text: str) -> str:
    t = text.rstrip(" \"'”’")
    if t.endswith("?"):
        return " The line is a question."
    if t.endswith("!"):
        return " The line is an exclamation."
    return ""


def emotion_instruction(text: str, expression: dict | None, guide: dict | None,
                        face_share: float) -> str:
    if expression:
        mean, seq = expression["mean"], expression["sequence"]
        dom = expression["dominant"]
        adjs = []
        for step in seq:
            a = ADJECTIVE[step["emotion"]]
            if not adjs or adjs[-1] != a:
                adjs.append(a)
        if len(adjs) > 1:
            s = f"The character looks {', then '.join(adjs[:4])}"
        else:
            s = f"The character looks {ADJECTIVE[dom]} throughout"
        s += f" (on average {mean[dom]:.0%} {dom}"
        second = sorted((p, e) for e, p in mean.items() if e != dom)[-1]
        if second[0] >= 0.15:
            s += f", {second[0]:.0%} {second[1]}"
        s += f", from {expression['frames']} face crops)."
        if mean[dom] < 0.4:
            s += " The reading is uncertain; the expression is mixed."
        return s + _voice_clause(guide) + _script_clause(text)
    why = ("The face could not be tracked in this shot (for example a stylised character), "
           "so the expression is unknown")
    if face_share > 0.3:
        why = "The expression could not be read"
    return why + "; keep a neutral delivery unless the script suggests otherwise." + \
        _voice_clause(guide) + _script_clause(text)


def entity_weights(expression: dict | None, floor: float = 0.1) -> dict:
    """Initial entity weights: the mean expression probabilities above `floor`,
    renormalised. Neutral when no face was read."""
    if not expression:
        return {"neutral": 1.0}
    kept = {e: p for e, p in expression["mean"].items() if p >= floor and e in ENTITIES}
    if not kept:
        kept = {expression["dominant"]: 1.0}
    total = sum(kept.values())
    return {e: round(p / total, 3) for e, p in sorted(kept.items(), key=lambda kv: -kv[1])}
