"""The decoder in two parts, for previews and partial re-renders.

- `line_features`: the frame-rate front (Decoder.features) over the whole line, with its
  own, exact normalisation statistics; about 5 % of a render.
- `generator_window`: the generator (95 % of a render) on frames [a, b) of those features,
  normalised with given statistics, so windows join seamlessly.
- `window_features`: the front over a few frames only, with given statistics (a first
  chunk, a drag).
The same in ONNX Runtime (core/preview_ort.py) when it is enabled: the generator, and the
front on a window, whenever their statistics are replayed.
"""
from __future__ import annotations

import contextlib
import weakref
from dataclasses import dataclass

import numpy as np
import torch

from core.backbone.layers import AdaIN1d
from core.backbone.model import ACOUSTIC
from core.constants import CURVE_PER_FRAME, CURVE_SAMPLES, FRAME_SAMPLES

# model -> a faster runner of the front on replayed statistics (core/preview_ort.py)
FAST_FRONT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


_NORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def norms_of(module) -> list[AdaIN1d]:
    """The AdaIN layers under `module`, in order; listed once per module (a walk over the
    decoder's modules costs several ms, and every window asks)."""
    got = _NORMS.get(module)
    if got is None:
        got = _NORMS[module] = [m for m in module.modules() if isinstance(m, AdaIN1d)]
    return got


def decoder_norms(model) -> list[AdaIN1d]:
    """Every AdaIN of the decoder, in the order Engine records statistics."""
    return norms_of(model.decoder)


def generator_norms(generator) -> list[AdaIN1d]:
    return norms_of(generator)


def split_stats(model, stats: list) -> tuple[list, list]:
    """A decoder's statistics -> (front part, generator part)."""
    n_front = len(decoder_norms(model)) - len(generator_norms(model.decoder.generator))
    return list(stats[:n_front]), list(stats[n_front:])


@contextlib.contextmanager
def stats_mode(norms: list[AdaIN1d], mode: str, stats: list | None = None):
    """Norms in `mode` ("record" / "replay" with `stats`) inside the block, "live" after.
    Plain attributes, set past nn.Module.__setattr__ (its checks cost ~3 ms a drag)."""
    for i, n in enumerate(norms):
        _set(n, "stats_mode", mode)
        if stats is not None:
            _set(n, "stats", stats[i])
    try:
        yield norms
    finally:
        for n in norms:
            _set(n, "stats_mode", "live")


_set = object.__setattr__


FRONT_MARGIN = 11   # frames of input beyond a window: the front reaches 10 (five blocks of 2 3-convs)
FRONT_BLOCK = 16    # the ONNX Runtime front costs the same up to 16 frames of input (22 ms), then
                    # steps (17: 30 ms) and grows ~0.8 ms a frame (29: 36; 1 thread, docs/preview.md)


def block_margin(width: int, least: int) -> int:
    """A margin of at least `least` frames each side of a `width`-frame window, widened
    (up to FRONT_MARGIN, the exact one) while the front's input stays within FRONT_BLOCK
    frames, where the extra margin costs nothing; beyond, every frame costs."""
    if width + 2 * least > FRONT_BLOCK:
        return least
    return max(least, min(FRONT_MARGIN, (FRONT_BLOCK - width) // 2))


@dataclass
class LineFeatures:
    x: torch.Tensor            # [1, 512, 2F] generator input of frames [offset, offset + F)
    har: torch.Tensor          # [1, 600F] harmonic source of the same frames
    style: torch.Tensor        # [1, 128] acoustic style
    front_stats: list          # the front's normalisation statistics
    n_frames: int              # F
    offset: int = 0            # the first frame (0: the whole line, or its head)


def front_norms(model) -> list[AdaIN1d]:
    norms = decoder_norms(model)
    return norms[:len(norms) - len(generator_norms(model.decoder.generator))]


def harmonic_window(model, f0: torch.Tensor, seed: int, a: int, b: int) -> torch.Tensor:
    """The harmonic source of frames [a, b), as the whole line's (its phase is a running
    sum and its noise a seeded stream, so the curve up to b, and one point more, decides
    it; a test asserts it to 1e-3), at a fraction of the cost: a drag computed the whole
    prefix at the sample rate (~6-11 ms), this sums the phase at the curve rate (~2-4 ms)."""
    source = model.decoder.generator.m_source
    gen = torch.Generator().manual_seed(seed)
    sines = source.window_sines(f0[:, :CURVE_PER_FRAME * (b + 1)], gen, a * FRAME_SAMPLES,
                                b * FRAME_SAMPLES)
    return source(sines)


@torch.no_grad()
def line_features(eng, al, inputs=None) -> LineFeatures:
    """The front of the decoder over the whole line, with its own (exact) statistics;
    call under the engine's lock."""
    asr, f0, energy, style = inputs if inputs is not None else eng._inputs(al)
    model = eng.model
    har = model.harmonic_source(f0, eng.seed)
    with stats_mode(front_norms(model), "record") as front:
        x = model.decoder.features(asr, f0, energy, style[:, ACOUSTIC])
        stats = [n.stats for n in front]
    return LineFeatures(x, har, style[:, ACOUSTIC], stats, al.n_frames)


@torch.no_grad()
def window_features(eng, inputs, front_stats: list, a: int, b: int,
                    margin: int = FRONT_MARGIN) -> LineFeatures:
    """The front over frames [a, b) only (with `margin` frames of input on each side: with
    FRONT_MARGIN they come out as the whole line's would), normalised with given
    statistics: a first chunk before the whole front has run, a drag (a smaller margin:
    core.synth.EDIT_MARGIN). Call under the engine's lock."""
    asr, f0, energy, style = inputs
    model, c = eng.model, CURVE_PER_FRAME
    a0, b0 = max(0, a - margin), min(asr.shape[-1], b + margin)
    args = (asr[..., a0:b0], f0[:, c * a0:c * b0], energy[:, c * a0:c * b0], style[:, ACOUSTIC])
    fast = FAST_FRONT.get(model)
    if fast is not None and asr.device.type == "cpu":
        x = fast(*args, front_stats)
    else:
        with stats_mode(front_norms(model), "replay", front_stats):
            x = model.decoder.features(*args)
    har = harmonic_window(model, f0, eng.seed, a, b)
    return LineFeatures(x[..., c * (a - a0):c * (b - a0)], har, style[:, ACOUSTIC],
                        list(front_stats), b - a, a)


@torch.no_grad()
def input_stats(eng, inputs) -> list:
    """[(mean, var)] of the decoder front's first norm input (asr, F0 and energy convs):
    what a line's statistics can be compared by before its front has run."""
    asr, f0, energy, _ = inputs
    dec = eng.model.decoder
    x = torch.cat([asr, dec.F0_conv(f0[:, None]), dec.N_conv(energy[:, None])], dim=1)
    return [(x.mean(-1, keepdim=True), x.var(-1, keepdim=True, unbiased=False))]


@torch.no_grad()
def generator_window(eng, feats: LineFeatures, a: int, b: int, gen_stats: list,
                     trim: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Audio of frames [a, b) from the line's features (which must cover them), less
    `trim` curve steps (CURVE_SAMPLES each) at its start and end; call under the
    engine's lock."""
    gen = eng.model.decoder.generator
    c = CURVE_PER_FRAME
    s0, s1 = c * (a - feats.offset) + trim[0], c * (b - feats.offset) - trim[1]
    with stats_mode(generator_norms(gen), "replay", gen_stats):
        wav = gen(feats.x[..., s0:s1], feats.style,
                  feats.har[:, s0 * CURVE_SAMPLES:s1 * CURVE_SAMPLES])
    return wav[0].float().cpu().numpy()
