"""Phone-level forced alignment with pocketsphinx (en-us acoustic model, CMUdict).

Each word gets its first CMUdict pronunciation, so two recordings of one script
always align to the same phone sequence. Words CMUdict lacks are spelt with
eSpeak NG (espeakng-loader) mapped to ARPAbet.
"""
from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.constants import ANALYSIS_SR
from core.speech.checks import MeasurementError, check_audible

FRAME_MS = 10.0                         # pocketsphinx frame rate: 100 frames/s
PAD_SECONDS = 0.3                       # silence added at both ends (helps the edges)
# pruning settings tried in turn: the default, then wider beams for hard (noisy) dubs
BEAM_CASCADE = ({}, {"beam": 1e-80, "wbeam": 1e-60, "pbeam": 1e-80},
                {"beam": 1e-60, "wbeam": 1e-50, "pbeam": 1e-60})

_IPA_ARPA = [  # longest first
    ("aɪ", "AY"), ("aʊ", "AW"), ("eɪ", "EY"), ("oʊ", "OW"), ("ɔɪ", "OY"), ("tʃ", "CH"),
    ("dʒ", "JH"), ("ɜː", "ER"), ("ɚ", "ER"), ("ɝ", "ER"), ("iː", "IY"), ("uː", "UW"),
    ("ɑː", "AA"), ("ɔː", "AO"), ("ɪ", "IH"), ("ɛ", "EH"), ("æ", "AE"), ("ʌ", "AH"),
    ("ə", "AH"), ("ɐ", "AH"), ("ᵻ", "IH"), ("ʊ", "UH"), ("i", "IY"), ("u", "UW"),
    ("ɑ", "AA"), ("ɔ", "AO"), ("ɒ", "AA"), ("o", "OW"), ("e", "EH"), ("a", "AE"),
    ("θ", "TH"), ("ð", "DH"), ("ʃ", "SH"), ("ʒ", "ZH"), ("ŋ", "NG"), ("ɹ", "R"), ("r", "R"),
    ("ɾ", "T"), ("ɡ", "G"), ("g", "G"), ("j", "Y"), ("h", "HH"), ("x", "HH"), ("w", "W"),
    ("p", "P"), ("b", "B"), ("t", "T"), ("d", "D"), ("k", "K"), ("f", "F"), ("v", "V"),
    ("s", "S"), ("z", "Z"), ("m", "M"), ("n", "N"), ("l", "L"),
]


def _model_dir() -> Path:
    try:
        from pocketsphinx import get_model_path
    except ImportError:
        from core.errors import ModelMissingError
        raise ModelMissingError("pocketsphinx is not installed: pip install pocketsphinx") from None
    return Path(get_model_path("en-us"))


@lru_cache(maxsize=1)
def cmudict() -> dict[str, str]:
    """word -> first pronunciation ('HH AH L OW')."""
    out: dict[str, str] = {}
    with open(_model_dir() / "cmudict-en-us.dict", encoding="utf-8") as f:
        for line in f:
            word, _, phones = line.strip().partition(" ")
            if word and "(" not in word and word not in out:
                out[word] = phones.strip()
    return out


def ipa_to_arpabet(ipa: str) -> list[str]:
    ipa = "".join(c for c in ipa if c not in "ˈˌ̩ ")
    out, i = [], 0
    while i < len(ipa):
        for src, dst in _IPA_ARPA:
            if ipa.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            i += 1                      # length marks, glottal stops, unknown symbols
    return out


def _espeak_pron(word: str) -> str:
    try:
        import espeakng_loader
        from phonemizer import phonemize
        from phonemizer.backend.espeak.wrapper import EspeakWrapper
        EspeakWrapper.set_library(espeakng_loader.get_library_path())
        EspeakWrapper.set_data_path(espeakng_loader.get_data_path())
        ipa = phonemize(word, language="en-us", backend="espeak", strip=True)
    except Exception as e:  # noqa: BLE001 - any G2P failure means "no pronunciation"
        raise MeasurementError(f"no pronunciation for {word!r} (not in CMUdict; eSpeak failed: {e})")
    phones = ipa_to_arpabet(ipa)
    if not phones:
        raise MeasurementError(f"no pronunciation for {word!r}")
    return " ".join(phones)


def pronunciations(words: list[str]) -> dict[str, str]:
    d = cmudict()
    return {w: d.get(w) or _espeak_pron(w) for w in dict.fromkeys(words)}


def align_phones(audio: np.ndarray, words: list[str], what: str = "audio") -> list[tuple[str, int]]:
    """[(ARPAbet phone, duration in 10 ms frames)] for the words' phones, silences dropped."""
    check_audible(audio, what)
    if not words:
        raise MeasurementError("nothing to align: the script has no words")
    error = None
    for beams in BEAM_CASCADE:
        try:
            return _align_once(audio, words, what, beams)
        except MeasurementError as e:
            error = error or e
    raise error


def _align_once(audio, words, what, beams) -> list[tuple[str, int]]:
    from pocketsphinx import Decoder
    prons = pronunciations(words)
    fd, dict_path = tempfile.mkstemp(suffix=".dict", text=True)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(f"{w} {p}\n" for w, p in prons.items())
        dec = Decoder(hmm=str(_model_dir() / "en-us"), dict=dict_path, lm=None,
                      loglevel="FATAL", **beams)
        pad = np.zeros(int(PAD_SECONDS * ANALYSIS_SR), np.float32)
        pcm = (np.clip(np.concatenate([pad, audio, pad]), -1, 1) * 32767).astype(np.int16).tobytes()
        dec.set_align_text(" ".join(words))
        for _ in range(2):              # pass 1: words; pass 2: phones inside them
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            if _ == 0:
                dec.set_alignment()
        alignment = dec.get_alignment()
    except RuntimeError as e:
        raise MeasurementError(f"{what}: forced alignment failed ({e})") from None
    finally:
        os.unlink(dict_path)
    if alignment is None:
        raise MeasurementError(f"{what}: forced alignment failed (the speech does not fit the script)")
    phones = [(p.name, int(p.duration)) for w in alignment if not w.name.startswith("<")
              and w.name != "sil" for p in w if p.name != "SIL"]
    expected = sum(len(prons[w].split()) for w in words)
    if len(phones) != expected:
        raise MeasurementError(f"{what}: aligner returned {len(phones)} phones, {expected} expected")
    return phones
