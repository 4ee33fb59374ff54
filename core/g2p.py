"""English text -> Kokoro phoneme tokens, through phonemizer and espeak-ng.

espeak-ng comes from the espeakng-loader wheel (no apt step). Its IPA is mapped to
the symbol set Kokoro was trained on (misaki's: diphthongs as single letters, flap T).
Anything outside Kokoro's vocabulary is reported, never dropped.
"""
from __future__ import annotations

import json
import logging
import re
import threading
import unicodedata
from functools import lru_cache

from core.constants import MAX_TOKENS
from core.errors import UserError
from core.limits import MAX_TEXT_CHARS
from core.textnorm import normalize

PAD = "$"   # Kokoro's boundary token (id 0): leading/trailing silence

# espeak IPA (with '^' ties) -> Kokoro symbols, US English; longest first.
ESPEAK_TO_KOKORO = sorted({
    "ʔˌn\u0329": "ʔn", "ʔn\u0329": "ʔn",
    "a^ɪ": "I", "a^ʊ": "W", "d^ʒ": "ʤ", "e^ɪ": "A", "t^ʃ": "ʧ", "ɔ^ɪ": "Y", "o^ʊ": "O",
    "ə^l": "ᵊl", "ʲo": "jo", "ʲə": "jə", "ʲ": "", "ɚ": "əɹ", "r": "ɹ", "x": "k",
    "ç": "k", "ɐ": "ə", "ɬ": "l", "\u0303": "", "ɜːɹ": "ɜɹ", "ɜː": "ɜɹ", "ɪə": "iə",
    "e": "A",
}.items(), key=lambda kv: -len(kv[0]))
# The same pairs without ties, for IPA written without them (the script corpus).
UNTIED = [(k.replace("^", ""), v) for k, v in ESPEAK_TO_KOKORO if "^" in k]

TEXT_PUNCT = set(" \t\n.,;:!?'\"()-—–…“”‘’&/%$#@+*=")


class G2PError(UserError):
    pass


@lru_cache(maxsize=1)
def vocab() -> dict[str, int]:
    from core.backbone.assets import config_path
    return json.loads(config_path().read_text(encoding="utf-8"))["vocab"]


def ipa_to_tokens(ipa: str) -> list[str]:
    """espeak-style IPA (ties optional) -> Kokoro tokens; raises on unknown symbols."""
    s = unicodedata.normalize("NFC", ipa.strip())
    for old, new in UNTIED + ESPEAK_TO_KOKORO:
        s = s.replace(old, new)
    s = re.sub(r"(\S)\u0329", r"ᵊ\1", s).replace("^", "")
    s = s.replace("ː", "").replace("o", "ɔ").replace("ɾ", "T").replace("ʔ", "t")
    s = re.sub(r"\s+", " ", s)
    known = vocab()
    unknown = sorted({c for c in s if c not in known})
    if unknown:
        raise G2PError("symbols outside the model's phoneme set: "
                       + " ".join(f"{c!r} (U+{ord(c):04X})" for c in unknown))
    return list(s)


def check_text(text: str) -> str:
    """The text, NFC-normalised and stripped; G2PError for empty, overlong or
    unsupported text."""
    text = unicodedata.normalize("NFC", text or "").strip()
    if not text:
        raise G2PError("the text is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise G2PError(f"the line has {len(text)} characters; the model takes at most "
                       f"{MAX_TOKENS - 2} phonemes (a few hundred characters). Split it into shorter lines.")
    bad = sorted({c for c in text
                  if not (c.isascii() and (c.isalnum() or c in TEXT_PUNCT))
                  and c not in TEXT_PUNCT
                  and not (unicodedata.category(c).startswith("L") and ord(c) < 0x250)})
    if bad:
        raise G2PError("unsupported characters for English: "
                       + " ".join(f"{c!r} (U+{ord(c):04X})" for c in bad))
    if not any(c.isalnum() for c in text):
        raise G2PError(f"the text {text[:40]!r} has no words to speak (only punctuation)")
    return text


class _WarningsToDebug(logging.LoggerAdapter):
    """phonemizer's warnings (word-count mismatches around punctuation) go to the
    debug log, not to the user's terminal."""

    def warning(self, msg, *args, **kwargs):
        self.logger.debug(msg, *args, **kwargs)


_lock = threading.Lock()


@lru_cache(maxsize=1)
def _backend():
    import espeakng_loader
    from phonemizer.backend import EspeakBackend
    from phonemizer.backend.espeak.wrapper import EspeakWrapper
    EspeakWrapper.set_library(espeakng_loader.get_library_path())
    EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
    return EspeakBackend("en-us", preserve_punctuation=True, with_stress=True, tie="^",
                         language_switch="remove-flags",
                         logger=_WarningsToDebug(logging.getLogger("core.g2p.phonemizer"), {}))


def phonemize(text: str) -> list[str]:
    """English text -> Kokoro tokens (no pads). Numbers, money, times and common
    abbreviations are written out as words first (core/textnorm.py)."""
    text = normalize(check_text(text))
    with _lock:                                  # espeak-ng is not thread-safe
        ipa = _backend().phonemize([text], strip=True)[0]
    tokens = ipa_to_tokens(ipa)
    if not any(t.strip() for t in tokens):
        raise G2PError(f"no speakable phonemes in {text!r}")
    return tokens
