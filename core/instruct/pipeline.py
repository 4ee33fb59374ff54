"""instructed_predict(): phonemes + instructions (+ slot) -> Alignment.

This is what `python main.py say`, the editor and the evaluator call. IDD turns
the speaking-rate instruction into durations (rescaled to the slot when one is
given); the analyzer (or explicit entities) picks emotion entities; IEC adds its
F0/energy residual to the backbone's own curves at those durations.
"""
from __future__ import annotations

import logging
import threading
import time

import numpy as np
import torch

from core.alignment import Alignment
from core.errors import ModelMissingError, UserError
from core.instruct import checkpoints, melody
from core.instruct.embed import token_embeddings
from core.instruct.iec import apply_residual, phoneme_inputs, weights_vector
from core.instruct.idd import slot_plan, trim_to_plan
from core.instruct.idd_predict import predict_durations
from core.limits import check_weights
from core.project import ENTITIES

log = logging.getLogger(__name__)
NO_RATE_NOTE = "no speaking-rate instruction: neutral, steady pace (the backbone's own timing)"
NO_EMOTION_NOTE = "no emotion instruction: neutral prosody (the backbone's own F0 and energy)"

_analyzer_lock = threading.Lock()
_analyzer = None


# ---- emotion analysis --------------------------------------------------------------

def get_analyzer():
    """The LoRA SmolLM2 analyzer; the MiniLM zero-shot baseline when it cannot load."""
    global _analyzer
    with _analyzer_lock:
        if _analyzer is None:
            from core.instruct.analyzer import LLMAnalyzer, MiniLMAnalyzer
            try:
                _analyzer = LLMAnalyzer()
            except (ModelMissingError, OSError, RuntimeError, ValueError) as e:
                log.warning("LoRA analyzer unavailable (%s); using the MiniLM zero-shot baseline", e)
                _analyzer = MiniLMAnalyzer()
        return _analyzer


def analyze_emotion(text: str) -> dict[str, float]:
    """Free-text emotion instruction -> {entity: weight} (weights sum to 1)."""
    if not (text or "").strip():
        return {"neutral": 1.0}
    return get_analyzer()(text)


def parse_entities(entities) -> dict[str, float]:
    """{name: weight} or "angry=0.7,sad=0.3" -> normalised dict; clear errors."""
    if isinstance(entities, str):
        pairs = {}
        for part in filter(None, (p.strip() for p in entities.split(","))):
            name, _, value = part.partition("=")
            try:
                pairs[name.strip()] = float(value) if value else 1.0
            except ValueError:
                raise UserError(f"bad entity weight in {part!r}; write e.g. angry=0.7,sad=0.3") from None
        entities = pairs
    check_weights(entities, "the emotion entities")   # finite, >= 0 (core/limits.py)
    try:
        w = weights_vector(entities)        # validates names, normalises
    except ValueError as e:
        raise UserError(str(e)) from None
    return {e: round(float(v), 3) for e, v in zip(ENTITIES, w) if v > 0}


# ---- prediction --------------------------------------------------------------------

def _idd_durations(enc, rate_instruction: str) -> np.ndarray:
    return predict_durations(checkpoints.load_idd(), enc.bert.cpu(),
                             torch.as_tensor(enc.base_durations).cpu(), enc.tokens,
                             token_embeddings(rate_instruction))


def _iec_curves(enc, f0, energy, durations, weights: dict[str, float]):
    iec = checkpoints.load_iec()
    ph_f0, ph_en = phoneme_inputs(f0, energy, durations)
    with torch.no_grad():
        d_f0, d_en = iec(enc.bert.detach().float().cpu(), weights_vector(weights)[None],
                         torch.from_numpy(ph_f0)[None], torch.from_numpy(ph_en)[None])
        f0_new, en_new = apply_residual(f0, energy, d_f0[0], d_en[0], durations)
    return f0_new.numpy(), en_new.numpy()


def _iec_line(weights: dict[str, float]) -> tuple[float, float]:
    """(gain dB, tempo factor) IEC's line head gives the entity mixture."""
    with torch.no_grad():
        gain, log_tempo = checkpoints.load_iec().line_effects(weights_vector(weights)[None])[0].tolist()
    return gain, float(np.exp(log_tempo))


def _melody(f0, durations, tokens, text: str, instruction: str, notes: list) -> np.ndarray:
    """F0 with each word at the level the melody clause gives it (none: unchanged)."""
    parsed = melody.parse(instruction, text) if text else None
    if parsed is None:
        return f0
    notes.append(f"melody: {sum(o is not None for o in parsed[0])} of {len(parsed[0])} "
                 f"words placed from the instruction ({parsed[1]:.0f}-semitone range)")
    return melody.apply(f0, durations, tokens, text, parsed[0])


def instructed_predict(eng, phonemes, voice, rate_instruction="", emotion_instruction="",
                       entities=None, slot_seconds=None, text: str = "") -> Alignment:
    """Durations from the rate instruction (exactly filling slot_seconds when given, the
    speech itself spanning the slot: see idd.slot_plan),
    F0/energy from the emotion instruction or explicit entities (which win); with the
    line's `text`, each word's pitch level from the instruction's melody clause."""
    t0 = time.perf_counter()
    rate_instruction = (rate_instruction or "").strip()
    emotion_instruction = (emotion_instruction or "").strip()
    notes: list[str] = []
    enc = eng.encode(phonemes, voice)
    base = np.asarray(torch.as_tensor(enc.base_durations).float().cpu()).reshape(-1)

    if entities:
        weights, source = parse_entities(entities), "explicit"
    elif emotion_instruction:
        weights, source = analyze_emotion(melody.strip(emotion_instruction)), get_analyzer().name
    else:
        weights, source = {"neutral": 1.0}, "default"
        notes.append(NO_EMOTION_NOTE)
    use_iec = weights != {"neutral": 1.0} or source != "default"
    gain_db, tempo = 0.0, 1.0
    if use_iec:
        try:
            gain_db, tempo = _iec_line(weights)
        except ModelMissingError:
            pass                                      # reported below, with the curves
    if rate_instruction:
        try:
            raw = _idd_durations(enc, rate_instruction)
        except ModelMissingError as e:
            raw = base
            notes.append(f"IDD checkpoint missing ({e}); the backbone's own timing was used")
    elif use_iec and abs(tempo - 1) > 1e-3:
        raw = base.copy()
        raw[1:-1] *= tempo                            # the emotion's own tempo; pads kept
        notes.append(f"no speaking-rate instruction: the backbone's timing at the emotion's "
                     f"tempo (durations x{tempo:.2f})")
    else:
        raw = base
        notes.append(NO_RATE_NOTE)
    if slot_seconds is not None:
        predict_durs, durations = slot_plan(enc.tokens, raw, float(slot_seconds))
    else:
        predict_durs = durations = [max(1, int(round(float(d)))) for d in raw]
    f0, energy = eng.prosody(enc, predict_durs)
    if predict_durs != durations:
        f0 = np.asarray(trim_to_plan(f0, predict_durs, durations), dtype=np.float32)
        energy = np.asarray(trim_to_plan(energy, predict_durs, durations), dtype=np.float32)

    if use_iec:
        try:
            f0, energy = _iec_curves(enc, f0, energy, durations, weights)
        except ModelMissingError as e:
            notes.append(f"IEC checkpoint missing ({e}); the backbone's own F0/energy were used")
    f0 = _melody(f0, durations, enc.tokens, text, emotion_instruction, notes)

    extra = dict(notes=notes, entity_source=source,
                 idd_frames_before_slot=round(float(np.sum(raw)), 2),
                 backbone_frames=round(float(np.sum(base)), 2),
                 seconds=round(time.perf_counter() - t0, 3))
    if gain_db:
        extra["gain_db"] = round(gain_db, 2)          # applied at render (synth.apply_line_gain)
    if slot_seconds is not None:
        extra["slot_seconds"] = float(slot_seconds)
    return Alignment(phonemes=list(enc.tokens), durations=durations, f0=f0, energy=energy,
                     voice=voice,
                     instructions={"rate": rate_instruction, "emotion": emotion_instruction},
                     entities=weights, extra=extra)
