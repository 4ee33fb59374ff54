"""Backbone features for training, cached on disk.

For each corpus line: the phoneme-level PL-BERT features (fp16), the backbone's
own durations, and its F0/energy at those durations. Only the BERT, duration
and prosody predictors run (no decoder), which is quick on a CPU.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import numpy as np
import torch

from core.instruct.corpus import CorpusLine
from core.locations import cache_dir

log = logging.getLogger(__name__)
SHARD = 250
MAX_TOKENS = 200          # longer lines are skipped (training memory and time)


def ipa_tokens(line: CorpusLine) -> list[str] | None:
    """Kokoro tokens of a corpus line: its token ids if given, else its IPA; None if unusable."""
    from core import g2p
    if line.phoneme_idx is not None:
        inv = {i: t for t, i in g2p.vocab().items()}
        ids = [i for i in line.phoneme_idx if i != 0]        # pads are added by the engine
        return [inv[i] for i in ids] if all(i in inv for i in ids) else None
    try:
        return g2p.ipa_to_tokens(line.ipa)
    except g2p.G2PError:
        return None


def encode_line(eng, line: CorpusLine, voice: str) -> dict | None:
    tokens = ipa_tokens(line)
    if not tokens or len(tokens) < 2 or len(tokens) > MAX_TOKENS:
        return None
    with torch.no_grad():
        enc = eng.encode(tokens, voice)
        base = np.asarray(enc.base_durations, dtype=np.float32).reshape(-1)
        durations = [max(1, int(round(float(d)))) for d in base]
        f0, energy = eng.prosody(enc, durations)
    rec = dict(tokens=list(enc.tokens), bert=enc.bert[0].detach().cpu().to(torch.float16),
               base=torch.from_numpy(base), durations=torch.tensor(durations, dtype=torch.int16),
               f0=torch.from_numpy(np.asarray(f0, dtype=np.float32)),
               energy=torch.from_numpy(np.asarray(energy, dtype=np.float32)), voice=voice,
               speaker=line.speaker, source=line.source)
    gt_total = wav_frames(line)
    if line.duration_gt is None and gt_total:
        # A real recording without an alignment: only its length is known (global tempo).
        from core.instruct.idd import rescale_to_slot
        if gt_total >= len(durations):
            rec["duration_gt"] = torch.tensor(rescale_to_slot(base, gt_total / 40), dtype=torch.float32)
    if line.duration_gt is not None:
        gt = list(line.duration_gt)
        if len(gt) == len(durations) - 2:              # pads not in the file: keep the backbone's
            gt = [durations[0]] + gt + [durations[-1]]
        if len(gt) == len(durations):
            rec["duration_gt"] = torch.tensor(gt, dtype=torch.float32)
    return rec


def wav_frames(line: CorpusLine) -> int | None:
    """Length in 25 ms frames of the line's recording, when the file exists."""
    if not line.wav or line.phoneme_idx is not None:
        return None
    path = Path(line.wav)
    if not path.is_absolute() and line.root:
        path = Path(line.root) / path
    if not path.is_file():
        return None
    import soundfile
    try:
        info = soundfile.info(str(path))
    except RuntimeError:
        return None
    return int(round(info.frames / info.samplerate * 40))


def cache_key(lines: list[CorpusLine], voices: list[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(f"{line.source}|{line.ipa}|{line.wav}\n".encode())
    h.update("|".join(voices).encode())
    return h.hexdigest()[:16]


def build_seconds(lines: list[CorpusLine], voices: list[str], name: str = "") -> float:
    """CPU seconds the cached features took to build (0 when unknown)."""
    path = cache_dir("instruct-features", f"{name}-{cache_key(lines, voices)}") / "build.json"
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (FileNotFoundError, KeyError, ValueError):
        return 0.0


def build_features(eng, lines: list[CorpusLine], voices: list[str], name: str = "") -> list[dict]:
    """Encode every line once (voices taken in turn); cached under the user cache dir."""
    folder = cache_dir("instruct-features", f"{name}-{cache_key(lines, voices)}")
    records: list[dict] = []
    t0 = time.perf_counter()
    built = False
    for start in range(0, len(lines), SHARD):
        shard = folder / f"shard{start // SHARD:04d}.pt"
        if shard.is_file():
            records += torch.load(shard, weights_only=False)
            continue
        chunk, built = [], True
        for i, line in enumerate(lines[start:start + SHARD], start):
            rec = encode_line(eng, line, voices[i % len(voices)])
            if rec is not None:
                chunk.append(rec)
        tmp = Path(str(shard) + ".tmp")
        torch.save(chunk, tmp)
        tmp.replace(shard)
        records += chunk
        log.info("features: %d/%d lines, %.0f s", min(start + SHARD, len(lines)), len(lines),
                 time.perf_counter() - t0)
    if built:
        spent = build_seconds(lines, voices, name) + time.perf_counter() - t0
        (folder / "build.json").write_text(json.dumps({"seconds": round(spent, 1)}))
    return records
