"""Forced alignment of Kokoro tokens with pocketsphinx (en-us acoustic model): the
dictionary is built from the tokens themselves (one ARPAbet phone per Kokoro phone),
so every aligned phone maps back to its token(s)."""
from __future__ import annotations

import numpy as np

from core.constants import FRAME_SECONDS
from core.errors import UserError
from core.speech_targets.tokens import token_kinds, token_words


# Kokoro spends frames on stress marks and spaces: acoustically they are the start of
# the phone after them. Its predictions give them half of that phone's time
# (0.52 after stress marks, 0.55 after spaces: 3 packs x 10 Harvard lines).
SHARE_BEFORE_PHONE = 0.5
# Kokoro's audio leads its duration frames: a phone is heard this long before its
# token starts (bench/aligner_error.py measures it); aligned times are moved by it.
ACOUSTIC_LEAD_S = 0.065     # measured: -67 ms over 3 packs x 5 Harvard lines


class TargetsError(UserError):
    """A recording whose targets cannot be measured (the message says why)."""


def align_tokens(audio16: np.ndarray, tokens: list[str], what: str = "recording") -> np.ndarray:
    """Per-token (start, end) in seconds of the recording, from forced alignment."""
    from core.constants import ANALYSIS_SR as EVAL_SR
    from core.speech.checks import MeasurementError as MetricError
    from core.evaluate.phone_align import BEAM_CASCADE, PAD_SECONDS
    words = token_words(tokens)
    if not words:
        raise TargetsError(f"{what}: the transcript has no phones to align")
    error = None
    for beams in BEAM_CASCADE:
        try:
            phones = _align_once(audio16, words, beams)
            break
        except MetricError as e:
            error = error or e
    else:
        raise TargetsError(f"{what}: {error}")
    offset = PAD_SECONDS
    times = np.full((len(tokens), 2), np.nan)
    for (idx, _), (start, dur) in zip((p for w in words for p in w), phones):
        t0, t1 = start / 100 - offset, (start + dur) / 100 - offset
        for k, j in enumerate(idx):          # a two-token phone is split evenly
            times[j] = (t0 + (t1 - t0) * k / len(idx), t0 + (t1 - t0) * (k + 1) / len(idx))
    seconds = len(audio16) / EVAL_SR
    kinds = token_kinds(tokens)
    times = _share_phone_onsets(_fill_gaps(times, kinds, seconds), kinds)
    times[1:-1] = np.clip(times[1:-1] + ACOUSTIC_LEAD_S, 0.0, seconds)
    times[0, 1], times[-1, 0] = times[1, 0], times[-2, 1]
    return times


def _align_once(audio16, words, beams) -> list[tuple[int, int]]:
    import os
    import tempfile

    from pocketsphinx import Decoder

    from core.constants import ANALYSIS_SR as EVAL_SR
    from core.speech.checks import MeasurementError as MetricError
    from core.evaluate.phone_align import PAD_SECONDS, _model_dir
    names = [f"w{i}" for i in range(len(words))]
    fd, dict_path = tempfile.mkstemp(suffix=".dict", text=True)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(f"{n} {' '.join(a for _, a in w)}\n" for n, w in zip(names, words))
        dec = Decoder(hmm=str(_model_dir() / "en-us"), dict=dict_path, lm=None,
                      loglevel="FATAL", **beams)
        pad = np.zeros(int(PAD_SECONDS * EVAL_SR), np.float32)
        pcm = np.concatenate([pad, audio16, pad])
        pcm = (np.clip(pcm, -1, 1) * 32767).astype(np.int16).tobytes()
        dec.set_align_text(" ".join(names))
        for second in (False, True):     # pass 1: words; pass 2: phones inside them
            dec.start_utt()
            dec.process_raw(pcm, full_utt=True)
            dec.end_utt()
            if not second:
                dec.set_alignment()
        alignment = dec.get_alignment()
    except RuntimeError as e:
        raise MetricError(f"forced alignment failed ({e})") from None
    finally:
        os.unlink(dict_path)
    if alignment is None:
        raise MetricError("forced alignment failed (the speech does not fit the transcript)")
    phones = [(int(p.start), int(p.duration)) for w in alignment
              if w.name in names for p in w if p.name != "SIL"]
    expected = sum(len(w) for w in words)
    if len(phones) != expected:
        raise MetricError(f"aligner returned {len(phones)} phones, {expected} expected")
    return phones


def _fill_gaps(times: np.ndarray, kinds: list[str], seconds: float) -> np.ndarray:
    """Times for the tokens the aligner does not see: pads take the edges, stress
    marks sit at the next phone's start (0 s), a pause goes to punctuation, else space."""
    n = len(kinds)
    phone_idx = [i for i in range(n) if not np.isnan(times[i, 0])]
    first, last = phone_idx[0], phone_idx[-1]
    times[0] = (0.0, times[first, 0])
    times[n - 1] = (times[last, 1], seconds)
    for a, b in zip(phone_idx, phone_idx[1:]):
        gap = list(range(a + 1, b))
        if not gap:
            continue
        t0, t1 = times[a, 1], max(times[a, 1], times[b, 0])
        takers = [i for i in gap if kinds[i] == "punct"] or [i for i in gap if kinds[i] == "space"]
        taker = takers[0] if takers else gap[-1]
        for i in gap:
            times[i] = (t0, t0) if i < taker else (t1, t1)
        times[taker] = (t0, t1)
    for i in range(n):                          # tokens before the first / after the last phone
        if np.isnan(times[i, 0]):
            edge = times[first, 0] if i < first else times[last, 1]
            times[i] = (edge, edge)
    return times


def _share_phone_onsets(times: np.ndarray, kinds: list[str]) -> np.ndarray:
    """Stress marks and pause-less spaces before a phone take SHARE_BEFORE_PHONE of it."""
    for b in range(1, len(kinds)):
        if kinds[b] != "phone" or kinds[b - 1] not in ("stress", "space"):
            continue
        run = []
        i = b - 1
        while kinds[i] in ("stress", "space") and times[i, 1] - times[i, 0] < 1e-9:
            run.insert(0, i)
            i -= 1
        if not run:
            continue
        t0, t1 = times[b]
        cut = t0 + SHARE_BEFORE_PHONE * (t1 - t0)
        step = (cut - t0) / len(run)
        for k, j in enumerate(run):
            times[j] = (t0 + k * step, t0 + (k + 1) * step)
        times[b, 0] = cut
    return times


def durations_from_times(times: np.ndarray, n_frames: int, kinds: list[str]) -> np.ndarray:
    """Token (start, end) seconds -> whole 25 ms frames summing to n_frames; every phone
    token keeps at least one frame (as Kokoro's predictions do)."""
    need = np.array([1 if k == "phone" else 0 for k in kinds])
    bounds = np.append(np.round(times[:, 0] / FRAME_SECONDS).astype(int), n_frames)
    bounds[0] = 0
    for i in range(len(kinds)):                      # forward: make room for each phone
        bounds[i + 1] = max(bounds[i + 1], bounds[i] + need[i])
    bounds[-1] = n_frames
    for i in range(len(kinds) - 1, 0, -1):           # backward: stay inside the recording
        bounds[i] = min(bounds[i], bounds[i + 1] - need[i])
    if bounds[1] < need[0] or (np.diff(bounds) < need).any():
        raise TargetsError(f"{int(need.sum())} phones do not fit in {n_frames} frames")
    return np.diff(bounds)
