"""Written English -> words, before G2P: numbers, money, times, ordinals, percentages
and common abbreviations, so espeak reads "Dr. Smith paid $5.50 at 3:45pm" as
"Doctor Smith paid five dollars fifty at three forty-five p m" (and not letter names,
"dollar five . fifty", or a full stop after "Dr")."""
from __future__ import annotations

import re

ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen").split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
SCALES = [(10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]
ORDINAL_WORDS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                 "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}

# Titles before a name, and other abbreviations with a full stop, case-sensitive.
TITLES = {"Dr": "Doctor", "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Prof": "Professor",
          "Jr": "Junior", "Sr": "Senior", "Mt": "Mount", "Lt": "Lieutenant", "Sgt": "Sergeant",
          "Capt": "Captain", "Col": "Colonel", "Gen": "General", "Gov": "Governor",
          "Rev": "Reverend", "Hon": "Honorable", "Ave": "Avenue", "Rd": "Road",
          "Blvd": "Boulevard", "Inc": "Incorporated", "Ltd": "Limited", "Co": "Company",
          "Dept": "Department", "approx": "approximately", "vs": "versus", "etc": "et cetera",
          "e.g": "for example", "i.e": "that is"}
CURRENCY = {"$": ("dollar", "dollars", "cent", "cents"), "£": ("pound", "pounds", "penny", "pence"),
            "€": ("euro", "euros", "cent", "cents")}


def cardinal(n: int) -> str:
    """0 <= n < 10**15 in words ("one hundred five", "twenty-one thousand")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("-" + ONES[n % 10] if n % 10 else "")
    if n < 1000:
        return ONES[n // 100] + " hundred" + (" " + cardinal(n % 100) if n % 100 else "")
    for size, name in SCALES:
        if n >= size:
            head, rest = divmod(n, size)
            return cardinal(head) + " " + name + (" " + cardinal(rest) if rest else "")
    raise ValueError(n)


def ordinal(n: int) -> str:
    words = cardinal(n)
    head, sep, last = words.rpartition(" " if " " in words.split("-")[-1] or "-" not in words else "-")
    if last in ORDINAL_WORDS:
        last = ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year(n: int) -> str:
    """1999 -> nineteen ninety-nine, 2024 -> twenty twenty-four, 1905 -> nineteen oh five."""
    hi, lo = divmod(n, 100)
    if lo == 0:
        return cardinal(hi) + " hundred"
    return cardinal(hi) + " " + ("oh " + ONES[lo] if lo < 10 else cardinal(lo))


def number(text: str) -> str:
    """Digits (commas allowed) -> words; very long runs are read digit by digit."""
    digits = text.replace(",", "")
    if len(digits) > 15:
        return " ".join(ONES[int(d)] for d in digits)
    n = int(digits)
    if "," not in text and len(digits) == 4 and (1100 <= n <= 1999 or 2010 <= n <= 2099):
        return year(n)
    return cardinal(n)


def digits_after_point(text: str) -> str:
    return " ".join(ONES[int(d)] for d in text)


def _money(m: re.Match) -> str:
    one, many, sub_one, sub_many = CURRENCY[m.group("sym")]
    whole = int(m.group("int").replace(",", "") or 0)
    cents = int((m.group("frac") or "0").ljust(2, "0")[:2])
    scale = m.group("scale")
    if scale:                                          # $5.5 million
        amount = number(m.group("int")) + (" point " + digits_after_point(m.group("frac"))
                                           if m.group("frac") else "")
        return f"{amount} {scale} {many}"
    parts = []
    if whole or not cents:
        parts.append(f"{number(m.group('int') or '0')} {one if whole == 1 else many}")
    if cents:
        parts.append(cardinal(cents) if whole else f"{cardinal(cents)} {sub_one if cents == 1 else sub_many}")
    return " ".join(parts)


def _time(m: re.Match) -> str:
    h, mins = int(m.group("h")), int(m.group("m") or 0)
    if mins == 0:
        words = cardinal(h) + ("" if m.group("ap") else " o'clock")
    else:
        words = cardinal(h) + " " + ("oh " + ONES[mins] if mins < 10 else cardinal(mins))
    if m.group("ap"):
        words += f" {m.group('ap').lower()} m"
    return words


def _title(m: re.Match) -> str:
    abbr, after = m.group(1), m.group(2)
    if abbr == "St":                                   # St. Louis / Baker St.
        return ("Saint" if after and after[:1].isupper() else "Street") + (" " + after if after else "")
    word = TITLES[abbr]
    return word + (" " + after if after else "")


_ABBR = "|".join(re.escape(k) for k in sorted([*TITLES, "St"], key=len, reverse=True))
_END_DOT = r"(?:\.(?!\s*(?:$|[A-Z])))?"       # the dot of "p.m.", unless it ends a sentence
RULES: list[tuple[re.Pattern, object]] = [
    (re.compile(r"\bNo\.\s?(?=\d)"), lambda m: "number "),
    # abbreviations; one that ends a sentence keeps its full stop
    (re.compile(rf"\b({_ABBR})\.(?=\s*$)"), lambda m: _title_end(m)),
    (re.compile(rf"\b({_ABBR})\.\s*([A-Za-z]\w*)?"), _title),
    (re.compile(r"(?P<sym>[$£€])\s?(?P<int>\d[\d,]*)?(?:\.(?P<frac>\d+))?"
                r"(?:\s(?P<scale>thousand|million|billion|trillion)\b)?"), _money),
    (re.compile(rf"\b(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)\s*(?:(?P<ap>[AaPp])\.?\s?[Mm]\b{_END_DOT})?"), _time),
    (re.compile(rf"\b(?P<h>1[0-2]|0?[1-9])\s*(?P<m>)(?P<ap>[AaPp])\.?[Mm]\b{_END_DOT}"), _time),
    (re.compile(r"\b(\d[\d,]*)(st|nd|rd|th)\b"), lambda m: ordinal(int(m.group(1).replace(",", "")))),
    (re.compile(r"(\d[\d,]*)(?:\.(\d+))?\s?%"),
     lambda m: _decimal(m.group(1), m.group(2)) + " percent"),
    (re.compile(r"(?<![\w.])-(?=\d)"), lambda m: "minus "),
    (re.compile(r"(\d[\d,]*)\.(\d+)"), lambda m: _decimal(m.group(1), m.group(2))),
    (re.compile(r"\d+(?:,\d{3})+(?!\d)|\d+"), lambda m: number(m.group(0))),
    (re.compile(r"\s*&\s*"), lambda m: " and "),
    (re.compile(r"#\s?(?=\w)"), lambda m: "number "),
    (re.compile(r"\s*@\s*"), lambda m: " at "),
]


def _title_end(m: re.Match) -> str:
    return ("Street" if m.group(1) == "St" else TITLES[m.group(1)]) + "."


def _decimal(whole: str, frac: str | None) -> str:
    return number(whole) + (" point " + digits_after_point(frac) if frac else "")


def normalize(text: str) -> str:
    """Written forms -> words; text without any is returned as it was."""
    for pattern, repl in RULES:
        text = pattern.sub(repl, text)
    return re.sub(r"[ \t]+", " ", text).strip()
