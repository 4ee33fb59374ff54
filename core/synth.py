"""The engine: predict() and render() on the Kokoro backbone, kept apart.

predict: phonemes + voice -> Alignment (durations, F0, energy)   [text side only]
render:  Alignment -> 24 kHz audio                                 [decoder only]
render_edit: re-render only the frames an edit touched, crossfaded into the old audio
             (which frames, and the crossfade: core.edit_splice).
"""
from __future__ import annotations

import functools
import hashlib
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import torch

from core import g2p
from core.alignment import Alignment, AlignmentError
from core.constants import (CURVE_PER_FRAME, CURVE_SAMPLES, DEFAULT_VOICE, FRAME_SAMPLES,
                            MAX_TOKENS, UNVOICED_HZ)
from core.device import is_oom, pick_device
from core.edit_splice import changed_frames, splice
from core.preview_decoder import (block_margin, decoder_norms, generator_window, split_stats,
                                  stats_mode, window_features)
from core.errors import UserError
from core.render_cache import RenderCache, render_key
from core.voices import style_vector, voice_key

log = logging.getLogger(__name__)
PAD = g2p.PAD
EDIT_CONTEXT = 0.5     # frames decoded on each side of an edited span (half: one step of the
                       # generator's input); the crossfade is as long (bench/render_speed.py
                       # --sweep, docs/preview.md "The drag")
EDIT_MARGIN = 5        # least frames of front input beyond them (preview_decoder.block_margin)
EDIT_MAX_SHARE = 0.5   # an edit changing more of the line renders it whole: the old line's
                       # norm statistics no longer describe it (a retimed line, not a drag)


@dataclass
class Encoded:
    tokens: list[str]               # with "$" pads
    ids: torch.Tensor               # [1, L]
    bert: torch.Tensor              # [1, L, 512] phoneme-level PL-BERT features
    dur_feats: torch.Tensor         # [1, L, 640] duration-encoder output
    style: torch.Tensor             # [1, 256]
    base_durations: torch.Tensor    # [L] continuous frames, speed 1


def _oom_fallback(method):
    """Run on the current device; on CUDA out-of-memory, warn, move to CPU and retry."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (torch.cuda.OutOfMemoryError, RuntimeError) as e:
            if self.device.type != "cuda" or not is_oom(e):
                raise
            log.warning("GPU out of memory in %s; continuing on the CPU", method.__name__)
            self.to_cpu()
            return method(self, *args, **kwargs)
    return wrapper


class Engine:
    def __init__(self, device: str | torch.device | None = None, seed: int = 0):
        self.device = pick_device(device) if not isinstance(device, torch.device) else device
        self.seed = seed
        self._model = None
        self._lock = threading.RLock()        # one model; calls are serialised
        self._stats: OrderedDict = OrderedDict()   # render signature -> AdaIN statistics
        self._text_cache: OrderedDict = OrderedDict()
        self.renders = RenderCache()          # recent full renders, by content

    # -- model -------------------------------------------------------------
    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from core.backbone.loader import load_backbone
                self._model = load_backbone(self.device)
            return self._model

    def to_cpu(self) -> None:
        with self._lock:
            self.device = torch.device("cpu")
            if self._model is not None:
                self._model.to(self.device)
            self._stats.clear()
            self._text_cache.clear()
            self.renders.clear()
            torch.cuda.empty_cache()

    # -- tokens ------------------------------------------------------------
    def phonemize(self, text: str) -> list[str]:
        return g2p.phonemize(text)

    def tokens(self, phonemes) -> list[str]:
        """Phonemes (list or string, pads optional) -> tokens with "$" pads, validated."""
        toks = list(phonemes)
        while toks and toks[0] == PAD:
            toks.pop(0)
        while toks and toks[-1] == PAD:
            toks.pop()
        if not any(t.strip() for t in toks):
            raise UserError("no phonemes to speak")
        vocab = g2p.vocab()
        unknown = sorted({t for t in toks if t not in vocab})
        if unknown:
            raise g2p.G2PError("phonemes outside the model's set: " + " ".join(map(repr, unknown)))
        if len(toks) + 2 > self.max_tokens:
            raise UserError(f"the line has {len(toks)} phonemes; the model takes at most "
                            f"{self.max_tokens - 2}. Split it into shorter lines.")
        return [PAD, *toks, PAD]

    max_tokens = MAX_TOKENS

    def _ids(self, tokens: list[str]) -> torch.Tensor:
        vocab = g2p.vocab()
        return torch.tensor([[0 if t == PAD else vocab[t] for t in tokens]], device=self.device)

    # -- predict -----------------------------------------------------------
    @_oom_fallback
    @torch.no_grad()
    def encode(self, phonemes, voice=DEFAULT_VOICE) -> Encoded:
        with self._lock:
            tokens = self.tokens(phonemes)
            ids = self._ids(tokens)
            style = self._style(voice, len(tokens))
            key = (tuple(tokens), style.cpu().numpy().tobytes())   # an instruction edit: a hit
            if key not in self._text_cache:
                bert = self.model.phoneme_features(ids)
                dur_feats = self.model.duration_features(bert, style)
                base = self.model.predictor.durations(dur_feats)[0]
                self._cache(key, Encoded(tokens, ids, bert, dur_feats, style, base))
            return self._text_cache[key]

    @_oom_fallback
    @torch.no_grad()
    def prosody(self, enc: Encoded, durations) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            durs = torch.as_tensor(list(durations), dtype=torch.long, device=self.device)
            if durs.numel() != len(enc.tokens):
                raise AlignmentError(f"{len(enc.tokens)} tokens but {durs.numel()} durations")
            f0, energy = self.model.f0_energy(enc.dur_feats.to(self.device), durs,
                                              enc.style.to(self.device))
            f0 = f0[0].float().cpu().numpy()
            f0[f0 < UNVOICED_HZ] = 0.0          # the contract: 0 = unvoiced
            return f0, energy[0].float().cpu().numpy()

    def predict(self, phonemes, voice=DEFAULT_VOICE, speed: float = 1.0) -> Alignment:
        if not 0.25 <= speed <= 4:
            raise UserError("speed must be between 0.25 and 4")
        enc = self.encode(phonemes, voice)
        durs = torch.round(enc.base_durations / speed).clamp(min=1).long().tolist()
        f0, energy = self.prosody(enc, durs)
        return Alignment(phonemes=enc.tokens, durations=durs, f0=f0, energy=energy, voice=voice)

    # -- render ------------------------------------------------------------
    def _text_features(self, tokens: list[str]) -> torch.Tensor:
        key = tuple(tokens)
        if key not in self._text_cache:
            self._cache(key, self.model.text_encoder(self._ids(tokens)))   # [1, 512, L]
        return self._text_cache[key]

    def _cache(self, key, value) -> None:
        self._text_cache[key] = value
        while len(self._text_cache) > 32:
            self._text_cache.popitem(last=False)

    def _style(self, voice, n_tokens: int) -> torch.Tensor:
        """[1, 256] style for a line of n_tokens tokens (pads included)."""
        return torch.from_numpy(style_vector(voice, n_tokens - 2)).unsqueeze(0).to(self.device)

    def _inputs(self, al: Alignment):
        al.validate()
        tokens = self.tokens(al.phonemes)
        if len(tokens) != len(al.phonemes):
            raise AlignmentError("phonemes must start and end with the pad token '$'")
        durs = torch.from_numpy(al.durations).to(self.device)
        asr = self.model.expand(self._text_features(tokens).transpose(1, 2), durs)
        f0 = torch.from_numpy(al.f0).to(self.device, copy=True)[None]
        energy = torch.from_numpy(al.energy).to(self.device, copy=True)[None]
        style = self._style(al.voice, len(tokens))
        return asr, f0, energy, style

    def _signature(self, al: Alignment, style: torch.Tensor | None = None) -> str:
        """Phonemes and style: what the decoder's recorded statistics depend on. It starts
        with the voice's key and "|", so statistics of one voice can be found
        (core/progressive.py borrows them across lines)."""
        if style is None:
            style = self._style(al.voice, len(al.phonemes))
        h = hashlib.blake2b("\x1f".join(al.phonemes).encode(), digest_size=16)
        h.update(style.detach().float().cpu().numpy().tobytes())
        return f"{voice_key(al.voice)}|{h.hexdigest()}"

    @_oom_fallback
    @torch.no_grad()
    def render(self, al: Alignment) -> np.ndarray:
        """Full render; also records the decoder's norm statistics for later edits."""
        with self._lock:
            asr, f0, energy, style = self._inputs(al)
            key = render_key(al, style, self.seed, self.device)      # core/render_cache.py
            if (kept := self.renders.get(key)) is None:
                har = self.model.harmonic_source(f0, self.seed)
                with stats_mode(decoder_norms(self.model), "record") as norms:
                    audio = self.model.decode(asr, f0, energy, style, har)
                kept = self.renders.put(key, audio[0].float().cpu().numpy(), [n.stats for n in norms])
            audio, self._stats[self._signature(al, style)] = kept
            while len(self._stats) > 16:
                self._stats.popitem(last=False)
            return apply_line_gain(audio, al)

    def render_torch(self, al: Alignment, style: torch.Tensor) -> torch.Tensor:
        """Differentiable render with respect to `style` [1, 256] (voice cloning)."""
        with self._lock:
            asr, f0, energy, _ = self._inputs(al)
            har = self.model.harmonic_source(f0, self.seed)
            return self.model.decode(asr.detach(), f0, energy, style.to(self.device), har)[0]

    @_oom_fallback
    @torch.no_grad()
    def render_edit(self, old: Alignment, old_audio: np.ndarray, new: Alignment) -> np.ndarray:
        """Audio for `new`, re-rendering only the frames that differ from `old`."""
        with self._lock:
            inputs = self._inputs(new)
            stats = self._stats.get(self._signature(new, inputs[3]))
            same_text = (old.phonemes == new.phonemes and
                         torch.equal(self._style(old.voice, len(old.phonemes)), inputs[3])
                         and line_gain_db(old) == line_gain_db(new))
            if stats is None or not same_text or len(old_audio) != old.n_samples:
                return self.render(new)
            lo, hi_new, hi_old = changed_frames(old, new)
            if lo == hi_new == hi_old:
                return np.array(old_audio, copy=True)
            if hi_new - lo > EDIT_MAX_SHARE * new.n_frames:
                return self.render(new)
            ctx = math.ceil(EDIT_CONTEXT)                      # whole frames for the front
            a, b = max(0, lo - ctx), min(new.n_frames, hi_new + ctx)
            cut = round((ctx - EDIT_CONTEXT) * CURVE_PER_FRAME)  # steps of them not decoded
            trim = (cut if a < lo else 0, cut if b > hi_new else 0)
            front, gen = split_stats(self.model, stats)
            feats = window_features(self, inputs, front, a, b,           # the front on the window
                                    block_margin(b - a, EDIT_MARGIN))
            window = apply_line_gain(generator_window(self, feats, a, b, gen, trim), new)
            return splice(old_audio, window, a * FRAME_SAMPLES + trim[0] * CURVE_SAMPLES,
                          lo, hi_new, hi_old, new.n_frames)


def line_gain_db(al: Alignment) -> float:
    """The line's gain in dB (IEC's loudness for the emotion), kept in `extra`."""
    return float((al.extra or {}).get("gain_db", 0.0))


def apply_line_gain(audio: np.ndarray, al: Alignment) -> np.ndarray:
    """Scale by the line's gain; a peak limiter keeps a loud line under -1 dBTP."""
    gain = line_gain_db(al)
    if gain == 0.0:
        return audio
    from core.loudness import limit_peaks
    return limit_peaks((audio * 10 ** (gain / 20)).astype(np.float32), al.sample_rate, -1.0)


_engine: Engine | None = None
_engine_lock = threading.Lock()


def get_engine(device: str | None = None) -> Engine:
    """The process-wide engine; the model loads on first use."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = Engine(device)
        return _engine
