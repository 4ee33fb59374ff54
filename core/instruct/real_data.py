"""Training and evaluation data from real recordings (see real_manifest.py for splits).

- measure_lines: each recording -> Measures (per-token F0, dB, durations), through
  core.speech_targets (pocketsphinx alignment, swift-f0), cached in the user cache;
- backbone_record: the backbone's own features for a token sequence and a voice;
- idd_records: real per-token durations (LJSpeech and RAVDESS) on those features;
- emotion_examples: RAVDESS readings against the same actor's neutral readings of the
  same sentence, as IEC targets (per-token F0 and energy shape, line gain and tempo).
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import time
from pathlib import Path

import numpy as np
import torch

from core.instruct import real_measure
from core.locations import cache_dir
from core.instruct.real_manifest import RealLine, emotion_pairs

log = logging.getLogger(__name__)
PAD = "$"
MEASURE_VERSION = 1
MAX_SHAPE_DB = 12.0          # per-token energy shape targets are clipped to +-this


def _line_key(line: RealLine) -> str:
    """A recording by file name, transcript and size (RAVDESS's and LJSpeech's file names
    are unique). Not by folder or modification time: the same data set reached by another
    path (../shared from another working directory) or copied anew must not throw away
    measures that took an hour and a half."""
    st = line.path.stat() if line.path.is_file() else None
    return _key(str(line.path), line.text, st and st.st_size)


def _key(path: str, text: str, size) -> str:
    return f"{Path(path).name}|{text}|{size}"


def _load_store(path: Path) -> dict:
    """The store, keys written with the folder and the time (path|text|size|mtime) read
    as the keys used now."""
    if not path.is_file():
        return {}
    store = pickle.loads(path.read_bytes())
    return {(_key(*k.split("|")[:3]) if k.count("|") == 3 else k): v for k, v in store.items()}


def _store_path() -> Path:
    # MEASURE_VERSION changes with real_measure, or when the alignment and curves of
    # core.speech_targets change the per-phone-group lengths, line levels or curves the
    # measures hold. The stored v1 measures were made under speech_targets VERSION 2
    # (stress marks and pause-less spaces 0 frames, no acoustic lead); VERSION 3 gives a
    # stress mark or space half of the phone after it and moves every boundary 65 ms later.
    # real_durations keeps each phone group's real length and shares it among its tokens in
    # the backbone's way (whatever the aligner gave a stress mark), edges take the
    # backbone's, and line levels are medians / power means over the speech span, so the
    # two differ only by a pause-less space's half phone moving to the group before it.
    # v1 (1825 recordings, ~85 min to measure) stays; training and held-out figures both
    # come from it, so they share one convention.
    return cache_dir("realspeech") / f"measures-v{MEASURE_VERSION}.pkl"


def measure_lines(lines: list[RealLine], progress=None) -> dict[str, real_measure.Measures]:
    """path -> Measures for every recording that aligns (failures are logged and left out).
    Kept line by line in one store in the user cache (realspeech/measures-vN.pkl)."""
    from core.speech_targets import TargetsError, targets_for_file
    path = _store_path()
    store = _load_store(path)
    todo = [line for line in lines if _line_key(line) not in store]
    t0 = time.perf_counter()
    for i, line in enumerate(todo, 1):
        try:
            store[_line_key(line)] = real_measure.measure_targets(targets_for_file(line.path, line.text))
        except TargetsError as e:
            store[_line_key(line)] = None
            log.warning("left out %s: %s", line.path.name, e)
        if progress and (i % 50 == 0 or i == len(todo)):
            progress(f"measured {i}/{len(todo)} recordings ({time.perf_counter() - t0:.0f} s)")
        if i % 200 == 0 or i == len(todo):
            _save_store(path, store)
    return {str(line.path): store[_line_key(line)] for line in lines
            if store.get(_line_key(line)) is not None}


def _save_store(path: Path, store: dict) -> None:
    fresh = _load_store(path)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps({**fresh, **store}))
    tmp.replace(path)


# ---- the backbone's side ---------------------------------------------------------------

def backbone_record(eng, tokens: list[str], voice) -> dict:
    """Like features.encode_line: PL-BERT features, base durations and the backbone's
    F0/energy at its own rounded durations, for `tokens` (with "$" pads)."""
    with torch.no_grad():
        enc = eng.encode([t for t in tokens if t != PAD], voice)
        if list(enc.tokens) != list(tokens):
            raise ValueError("the engine tokenised the line differently from its alignment")
        base = np.asarray(enc.base_durations, dtype=np.float32).reshape(-1)
        durations = [max(1, int(round(float(d)))) for d in base]
        f0, energy = eng.prosody(enc, durations)
    return dict(tokens=list(enc.tokens), bert=enc.bert[0].detach().cpu().to(torch.float16),
                base=torch.from_numpy(base), durations=torch.tensor(durations, dtype=torch.int16),
                f0=torch.from_numpy(np.asarray(f0, dtype=np.float32)),
                energy=torch.from_numpy(np.asarray(energy, dtype=np.float32)),
                voice=voice if isinstance(voice, str) else "vector")


def backbone_records(eng, token_seqs, voices) -> dict[tuple, dict]:
    """(tuple(tokens), voice) -> record, for every sequence and voice."""
    return {(tuple(toks), v): backbone_record(eng, list(toks), v)
            for toks in dict.fromkeys(tuple(t) for t in token_seqs) for v in voices}


# ---- IDD: real durations -------------------------------------------------------------------

def groups_of(tokens: list[str], durations) -> list[tuple[list[int], str]]:
    """core.speech_targets' comparison groups: "phone" (a phone with its stress marks and
    the pause-free spaces after it), "pause" (punctuation/spaces holding silence), "edge"."""
    from core.speech_targets import token_groups, token_kinds
    from core.speech_targets.tokens import token_words
    phone_index = [-1] * len(tokens)
    for k, (idx, _) in enumerate(p for w in token_words(tokens) for p in w):
        for j in idx:
            phone_index[j] = k
    return token_groups(token_kinds(tokens), phone_index, np.asarray(durations))


def real_durations(m: real_measure.Measures, rec: dict) -> torch.Tensor:
    """The recording's timing in the backbone's convention: each phone group keeps its
    real length, shared among its tokens as the backbone shares it (the aligner gives
    stress marks and word gaps no time; Kokoro gives them a frame or two); pauses keep
    theirs; the edges (pads, closing punctuation) keep the backbone's own, since a
    recording's leading and trailing silence says nothing about the line's timing."""
    real = m.durations.astype(np.float64)
    base = rec["base"].numpy().astype(np.float64)
    out = real.copy()
    for idx, kind in groups_of(m.tokens, m.durations):
        if kind == "edge":
            out[idx] = base[idx]
        elif kind == "phone" and len(idx) > 1:
            share = np.maximum(base[idx], 1e-3)
            out[idx] = real[idx].sum() * share / share.sum()
    return torch.from_numpy(out.astype(np.float32))


def idd_records(lines, measures, recs, voice_of) -> list[dict]:
    out = []
    for line in lines:
        m = measures.get(str(line.path))
        if m is None:
            continue
        rec = recs[(tuple(m.tokens), voice_of(line))]
        out.append(dict(rec, duration_gt=real_durations(m, rec), source=line.corpus,
                        speaker=line.speaker, real=True))
    return out


# ---- IEC: emotion against neutral -------------------------------------------------------

def emotion_change(line, refs, measures) -> real_measure.Change | None:
    m = measures.get(str(line.path))
    ref_ms = [measures[str(r.path)] for r in refs if str(r.path) in measures]
    if m is None or not ref_ms:
        return None
    return real_measure.change(m, real_measure.reference(ref_ms))


def iec_targets(ch: real_measure.Change, tokens: list[str]) -> dict:
    """Per-token log-F0 offset (semitones -> natural log) and energy shape (dB, the line's
    gain taken out), and the line's gain (dB) and log tempo. Tokens without a measured
    F0 change take the line's; non-phone tokens get no energy shape."""
    from core.speech_targets import token_kinds
    line_st = ch.line_st if math.isfinite(ch.line_st) else 0.0
    d_st = np.where(np.isfinite(ch.d_st), ch.d_st, line_st)
    phone = np.array([k == "phone" for k in token_kinds(tokens)])
    shape = np.where(phone & np.isfinite(ch.d_db), ch.d_db - ch.line_db, 0.0)
    return dict(d_logf0=torch.tensor(d_st / real_measure.SEMITONES_PER_LN, dtype=torch.float32),
                shape_db=torch.tensor(np.clip(shape, -MAX_SHAPE_DB, MAX_SHAPE_DB), dtype=torch.float32),
                line=torch.tensor([ch.line_db, math.log(max(ch.line_ratio, 1e-3))], dtype=torch.float32),
                line_st=line_st, range=ch.st_range)


def emotion_examples(lines, measures, recs, voices) -> list[dict]:
    """One example per (RAVDESS reading with an entity label, voice)."""
    out = []
    for line, refs in emotion_pairs(lines):
        weights = line.entities()
        ch = emotion_change(line, refs, measures) if weights else None
        if ch is None:
            continue
        m = measures[str(line.path)]
        targets = iec_targets(ch, m.tokens)
        for v in voices:
            out.append(dict(rec=recs[(tuple(m.tokens), v)], weights=weights, label=line.emotion,
                            intensity=line.intensity, speaker=line.speaker, **targets))
    return out


def summarize_changes(lines, measures) -> dict:
    """(emotion, intensity) -> mean line change {st, db, ratio, n} over the pairs."""
    cells: dict[tuple, list] = {}
    for line, refs in emotion_pairs(lines):
        ch = emotion_change(line, refs, measures)
        if ch is not None and math.isfinite(ch.line_st):
            cells.setdefault((line.emotion, line.intensity), []).append(ch)
    return {key: dict(st=float(np.mean([c.line_st for c in chs])),
                      db=float(np.mean([c.line_db for c in chs])),
                      ratio=float(np.exp(np.mean([math.log(c.line_ratio) for c in chs]))),
                      n=len(chs))
            for key, chs in sorted(cells.items())}


def cache_path(name: str) -> Path:
    return cache_dir("realspeech") / name
