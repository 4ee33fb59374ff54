"""`train --real DIR`: the real-speech part of IDD/IEC training (training splits only).

IDD: forced-aligned durations of LJSpeech LJ001-* and RAVDESS actors 01-20 (every
emotion), on the backbone's features of the same token sequences.
IEC: RAVDESS actors 01-20, every reading with an entity label against the same actor's
neutral readings of the same sentence; "calm" is left out (not one of the seven
entities). The per-entity table measured from those pairs (F0 level and range, gain,
tempo) transforms the script corpus's lines too, so the heads see more than RAVDESS's
two sentences.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time

import numpy as np
import torch

from core.instruct import real_data, real_manifest
from core.instruct.real_manifest import RealLine

log = logging.getLogger(__name__)
LICENCES = {"ravdess": "CC BY-NC-SA 4.0 (Livingstone & Russo 2018): non-commercial, share alike",
            "ljspeech": "public domain (Ito & Johnson 2017)"}
RECORDS_VERSION = 1


def train_lines(root) -> list[RealLine]:
    """The training split of whichever of ravdess/ and ljspeech/ the folder holds."""
    from pathlib import Path
    found = [c for c in ("ravdess", "ljspeech") if (Path(root) / c / "manifest.csv").is_file()]
    if not found:
        raise real_manifest.RealSpeechError(
            f"{root} holds neither ravdess/manifest.csv nor ljspeech/manifest.csv")
    lines = [x for c in found for x in real_manifest.read_manifest(root, c)]
    return real_manifest.split(lines, heldout=False)


def _voice_key(voices) -> str:
    from core.voices import style_vector
    h = hashlib.sha256(f"r{RECORDS_VERSION}".encode())
    for v in voices:
        h.update(repr(v).encode())
        h.update(np.asarray(style_vector(v, 30), np.float32).tobytes())
    return h.hexdigest()[:16]


def records_for(eng, measures: dict, voices) -> dict:
    """Backbone records of every measured token sequence, for each voice (cached)."""
    seqs = sorted({tuple(m.tokens) for m in measures.values()})
    key = hashlib.sha256(repr(seqs).encode() + _voice_key(voices).encode()).hexdigest()[:16]
    path = real_data.cache_path(f"records-{key}.pt")
    if path.is_file():
        return torch.load(path, weights_only=False)
    t0 = time.perf_counter()
    recs = real_data.backbone_records(eng, seqs, voices)
    torch.save(recs, path.with_suffix(".tmp"))
    path.with_suffix(".tmp").replace(path)
    log.info("real-speech backbone records: %d in %.0f s", len(recs), time.perf_counter() - t0)
    return recs


def measured_table(examples: list[dict]) -> dict:
    """entity -> (F0 level st, F0 range factor, gain dB, tempo factor), from the strong
    readings (neutral: neutral against the other neutral take)."""
    from core.project import ENTITIES
    table = {}
    for ent in ENTITIES:
        rows = [ex for ex in examples if ex["weights"].get(ent) == 1.0]
        if not rows:
            table[ent] = (0.0, 1.0, 0.0, 1.0)
            continue
        line = torch.stack([ex["line"] for ex in rows]).numpy()
        level = float(np.median([ex["line_st"] for ex in rows]))
        spread = [ex["range"] for ex in rows if math.isfinite(ex["range"])]
        table[ent] = (round(level, 2), round(float(np.median(spread)) if spread else 1.0, 3),
                      round(float(np.median(line[:, 0])), 2), round(float(np.exp(np.median(line[:, 1]))), 3))
    return table


def load_real(root, eng, voices, idd_voice=None, progress=print) -> tuple[dict, dict]:
    """({"idd", "iec", "table"}, info for the checkpoint sidecar)."""
    t0 = time.perf_counter()
    lines = train_lines(root)
    measures = real_data.measure_lines(lines, progress)
    idd_voice = idd_voice or voices[0]
    recs = records_for(eng, measures, [idd_voice])            # every line, for IDD
    ravdess = [x for x in lines if x.corpus == "ravdess"]
    others = [v for v in voices if v != idd_voice]
    if others and ravdess:                                     # its two sentences, for IEC
        rav = {str(x.path): measures[str(x.path)] for x in ravdess if str(x.path) in measures}
        recs.update(records_for(eng, rav, others))
    idd = real_data.idd_records(lines, measures, recs, lambda line: idd_voice)
    iec = real_data.emotion_examples(ravdess, measures, recs, voices)
    table = measured_table(iec) if iec else None          # no RAVDESS: the rules stay
    by_corpus = {c: sum(1 for x in lines if x.corpus == c and str(x.path) in measures)
                 for c in ("ljspeech", "ravdess")}
    info = dict(root=str(root), splits="RAVDESS actors 01-20, LJSpeech LJ001-* (held out: actors "
                "21-24, LJ002-*)", measured_lines=by_corpus,
                failed_alignments=len(lines) - len(measures), idd_lines=len(idd),
                iec_examples=len(iec), iec_voices=list(voices), idd_voice=idd_voice,
                calm="left out of IEC (not one of the seven entities); its durations train IDD",
                intensity_weights=dict(real_manifest.INTENSITY_WEIGHT),
                measured_table={k: list(v) for k, v in table.items()} if table else None,
                licences=LICENCES, seconds=round(time.perf_counter() - t0, 1))
    return dict(idd=idd, iec=iec, table=table), info
