"""A transcribed recording -> per-token targets in the backbone's units.

- tokens: Kokoro tokens with "$" pads (core.g2p, as the engine speaks the text);
- durations: 25 ms frames per token, from pocketsphinx forced alignment with a
  dictionary built from those very tokens (each Kokoro phone -> one ARPAbet phone),
  so every aligned phone maps back to its token(s). A pause between words goes to the
  punctuation there (else the space); the pads hold the silence before and after the
  speech. Durations sum to the recording;
- f0: Hz at 12.5 ms (swift-f0), 0 = unvoiced, in the recording's time (which is also
  the time of the backbone's F0 curve);
- energy_db: frame RMS in dB at 12.5 ms; energy_n: N as StyleTTS2 measured it for
  training (ln of the norm of the 80-bin power mel), absolute, so a recording's gain
  shifts it (1 dB -> ln(10)/10). Kokoro renders come out quieter and at a level that
  depends on the voice, so `normalised_n()` moves the voiced speech's median N to the
  level the predictor gives speech (N_SPEECH_LEVEL): the curve to render with;
- span: the speech span (first phone start, last phone end) in seconds of the recording.

Durations follow Kokoro's own conventions, so that the recording's timing rendered
through the decoder sounds where the recording does: stress marks and pause-less spaces
take half of the phone after them, and every boundary is moved ACOUSTIC_LEAD_S later
(Kokoro's audio leads its frames; bench/aligner_error.py measures both this and the
aligner's error).

Results are cached in the user cache, keyed by the audio, the text and VERSION.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.constants import CURVE_PER_FRAME, FRAME_SECONDS, SAMPLE_RATE
from core.speech_targets.align import (ACOUSTIC_LEAD_S, TargetsError, align_tokens,
                                       durations_from_times)
from core.speech_targets.curves import energy_curves, f0_curve
from core.speech_targets.tokens import (VOWELS, last_vowel_tokens, token_groups, token_kinds,
                                        token_words)

__all__ = ["SpeechTargets", "TargetsError", "speech_targets", "targets_for_file", "VOWELS",
           "energy_curves", "f0_curve", "align_tokens", "token_groups", "token_kinds"]
VERSION = 3
N_SPEECH_LEVEL = 6.7    # median predicted N on voiced frames (5 packs x 8 LJ001 texts: 6.68)


@dataclass
class SpeechTargets:
    text: str
    tokens: list[str]          # with "$" pads
    kinds: list[str]           # per token: pad, phone, stress, space, punct
    arpabet: list[str]         # per token: its aligned ARPAbet phone ("" if none)
    phone_index: list[int]     # per token: which aligned phone it belongs to (-1: none)
    durations: np.ndarray      # int, 25 ms frames per token; sums to the recording
    f0: np.ndarray             # Hz per 12.5 ms, 0 = unvoiced
    energy_db: np.ndarray      # dB per 12.5 ms
    energy_n: np.ndarray       # backbone N per 12.5 ms
    span: tuple[float, float]  # speech start and end in seconds

    @property
    def n_frames(self) -> int:
        return int(self.durations.sum())

    def frame_span(self) -> tuple[int, int]:
        """Speech span in 25 ms frames of the backbone's timeline (span + the lead):
        the end of the first pad and the start of the last."""
        return int(self.durations[0]), int(self.n_frames - self.durations[-1])

    def groups(self) -> list[tuple[list[int], str]]:
        """Token groups to compare durations on, as (token indices, kind):
        "phone": a phone with the stress marks before it and the spaces after it that
        hold no pause (Kokoro spends a frame or two on those; the recording cannot say
        how many); "pause": punctuation and spaces between words, with their silence;
        "edge": the pads and whatever lies before the first or after the last phone."""
        return token_groups(self.kinds, self.phone_index, self.durations)

    def last_vowel(self) -> list[int]:
        """Token indices of the last vowel phone (two for an r-coloured vowel; [] if none)."""
        return last_vowel_tokens(self.arpabet, self.phone_index)

    def normalised_n(self) -> np.ndarray:
        """energy_n shifted so that its median over voiced speech is N_SPEECH_LEVEL."""
        a, b = self.frame_span()
        c = CURVE_PER_FRAME
        voiced = self.f0[c * a:c * b] > 0
        ref = self.energy_n[c * a:c * b][voiced] if voiced.any() else self.energy_n
        return (self.energy_n - np.median(ref) + N_SPEECH_LEVEL).astype(np.float32)

    def to_alignment(self, voice):
        """The recording's own timing, F0 and N as an Alignment to render."""
        from core.alignment import Alignment
        return Alignment(phonemes=list(self.tokens), durations=self.durations.tolist(),
                         f0=self.f0.astype(float).tolist(),
                         energy=self.normalised_n().astype(float).tolist(), voice=voice)


# ------------------------------------------------------------------ entry points

def speech_targets(audio: np.ndarray, sr: int, text: str, *, eng=None,
                   use_cache: bool = True, what: str = "recording") -> SpeechTargets:
    """Targets for one transcribed recording (any rate; mono)."""
    from core.audio import resample
    audio24 = resample(np.asarray(audio, np.float32).reshape(-1), sr, SAMPLE_RATE)
    key = _cache_key(audio24, text)
    if use_cache:
        cached = _load_cached(key)
        if cached is not None:
            return cached
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    tokens = eng.tokens(eng.phonemize(text))
    audio16 = resample(audio24, SAMPLE_RATE, 16000)
    from core.speech.checks import MeasurementError as MetricError
    from core.speech.checks import check_audible
    try:
        check_audible(audio16, what, min_seconds=0.3)
    except MetricError as e:
        raise TargetsError(str(e)) from None
    n_frames = int(round(len(audio24) / (FRAME_SECONDS * SAMPLE_RATE)))
    times = align_tokens(audio16, tokens, what)
    durations = durations_from_times(times, n_frames, token_kinds(tokens))
    n_curve = n_frames * CURVE_PER_FRAME
    f0 = f0_curve(audio16, n_curve)
    db, n = energy_curves(audio24, n_curve)
    words = token_words(tokens)
    arpa, phone_index = [""] * len(tokens), [-1] * len(tokens)
    for k, (idx, a) in enumerate(p for w in words for p in w):
        for j in idx:
            arpa[j], phone_index[j] = a, k
    lead = ACOUSTIC_LEAD_S
    span = (max(0.0, float(times[0, 1]) - lead), max(0.0, float(times[-1, 0]) - lead))
    out = SpeechTargets(text, tokens, token_kinds(tokens), arpa, phone_index, durations, f0, db,
                        n, span)
    if use_cache:
        _save_cached(key, out)
    return out


def targets_for_file(path: str | Path, text: str, **kw) -> SpeechTargets:
    from core.speech.checks import MeasurementError as MetricError
    from core.speech.checks import load_audio
    try:
        audio = load_audio(path, SAMPLE_RATE)
    except MetricError as e:
        raise TargetsError(str(e)) from None
    return speech_targets(audio, SAMPLE_RATE, text, what=Path(path).name, **kw)


def _cache_key(audio24: np.ndarray, text: str) -> str:
    h = hashlib.sha256(f"v{VERSION}\n{text}\n".encode())
    h.update(np.ascontiguousarray(audio24, np.float32).tobytes())
    return h.hexdigest()[:24]


def _cache_path(key: str) -> Path:
    from core.locations import cache_dir
    return cache_dir() / "speech_targets" / f"{key}.npz"


def _load_cached(key: str) -> SpeechTargets | None:
    path = _cache_path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path) as d:
            meta = json.loads(str(d["meta"]))
            return SpeechTargets(meta["text"], meta["tokens"], meta["kinds"], meta["arpabet"],
                                 meta["phone_index"], d["durations"], d["f0"], d["energy_db"], d["energy_n"],
                                 tuple(meta["span"]))
    except (OSError, ValueError, KeyError):
        return None


def _save_cached(key: str, t: SpeechTargets) -> None:
    import io

    from core.fileio import atomic_write_bytes
    meta = json.dumps({"text": t.text, "tokens": t.tokens, "kinds": t.kinds,
                       "arpabet": t.arpabet,
                       "phone_index": t.phone_index, "span": list(t.span)})
    buf = io.BytesIO()
    np.savez(buf, meta=np.array(meta), durations=t.durations, f0=t.f0,
             energy_db=t.energy_db, energy_n=t.energy_n)
    atomic_write_bytes(_cache_path(key), buf.getvalue())
