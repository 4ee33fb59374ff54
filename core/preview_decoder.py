"""The decoder in two parts, for previews and partial re-renders.

- `line_features`: the frame-rate front (Decoder.features) over the whole line, with its
  own, exact normalisation statistics; about 5 % of a render.
- `generator_window`: the generator (95 % of a render) on frames [a, b) of those features,
  normalised with given statistics, so windows join seamlessly.
- `OrtGenerator`: the same generator in ONNX Runtime (fp32, exported once into the user
  cache). It runs only when the statistics are replayed (partial re-renders, progressive
  chunks); a full render, and so every export, stays in torch. Same output (log-mel
  distance under 0.01 dB); about 1.4x faster on this CPU (bench/render_speed.py).
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import threading
import weakref
from dataclasses import dataclass

import numpy as np
import torch

from core.backbone.layers import AdaIN1d
from core.backbone.model import ACOUSTIC
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES
from core.fileio import atomic_write_text

log = logging.getLogger(__name__)
ORT_NAME = "kokoro-generator-fp32.onnx"
ORT_VERSION = 1


_NORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _norms_of(module) -> list[AdaIN1d]:
    """The AdaIN layers under `module`, in order; listed once per module (a walk over the
    decoder's modules costs several ms, and every window asks)."""
    got = _NORMS.get(module)
    if got is None:
        got = _NORMS[module] = [m for m in module.modules() if isinstance(m, AdaIN1d)]
    return got


def decoder_norms(model) -> list[AdaIN1d]:
    """Every AdaIN of the decoder, in the order Engine records statistics."""
    return _norms_of(model.decoder)


def generator_norms(generator) -> list[AdaIN1d]:
    return _norms_of(generator)


def split_stats(model, stats: list) -> tuple[list, list]:
    """A decoder's statistics -> (front part, generator part)."""
    n_front = len(decoder_norms(model)) - len(generator_norms(model.decoder.generator))
    return list(stats[:n_front]), list(stats[n_front:])


@contextlib.contextmanager
def stats_mode(norms: list[AdaIN1d], mode: str, stats: list | None = None):
    """Norms in `mode` ("record" / "replay" with `stats`) inside the block, "live" after."""
    for i, n in enumerate(norms):
        n.stats_mode = mode
        if stats is not None:
            n.stats = stats[i]
    try:
        yield norms
    finally:
        for n in norms:
            n.stats_mode = "live"


FRONT_MARGIN = 11   # frames: the front's reach (10: five blocks of two 3-convs), and one


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


def harmonic_head(model, f0: torch.Tensor, seed: int, frames: int) -> torch.Tensor:
    """The harmonic source of the first `frames` frames, as the whole line's begins (its
    phase is a running sum and its noise a seeded stream: a prefix is the same numbers;
    a test asserts it), at a fraction of the cost."""
    c = CURVE_PER_FRAME
    head = model.harmonic_source(f0[:, :c * (frames + 1)], seed)
    return head[:, :frames * FRAME_SAMPLES]


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
def window_features(eng, inputs, front_stats: list, a: int, b: int) -> LineFeatures:
    """The front over frames [a, b) only (with FRONT_MARGIN frames of input on each side,
    so they come out as the whole line's would), normalised with given statistics: a
    first chunk before the whole front has run, a drag. Call under the engine's lock."""
    asr, f0, energy, style = inputs
    model, c = eng.model, CURVE_PER_FRAME
    a0, b0 = max(0, a - FRONT_MARGIN), min(asr.shape[-1], b + FRONT_MARGIN)
    with stats_mode(front_norms(model), "replay", front_stats):
        x = model.decoder.features(asr[..., a0:b0], f0[:, c * a0:c * b0],
                                   energy[:, c * a0:c * b0], style[:, ACOUSTIC])
    har = harmonic_head(model, f0, eng.seed, b)[:, a * FRAME_SAMPLES:]
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
def generator_window(eng, feats: LineFeatures, a: int, b: int, gen_stats: list) -> np.ndarray:
    """Audio of frames [a, b) from the line's features (which must cover them); call
    under the engine's lock."""
    gen = eng.model.decoder.generator
    c = CURVE_PER_FRAME
    a, b = a - feats.offset, b - feats.offset
    with stats_mode(generator_norms(gen), "replay", gen_stats):
        wav = gen(feats.x[..., c * a:c * b], feats.style,
                  feats.har[:, a * FRAME_SAMPLES:b * FRAME_SAMPLES])
    return wav[0].float().cpu().numpy()


# ---------------------------------------------------------------- ONNX Runtime generator
class _Replaying(torch.nn.Module):
    """Export wrapper: the generator's spectrum with the statistics as inputs."""

    def __init__(self, generator):
        super().__init__()
        self.gen = generator
        self.norms = generator_norms(generator)

    def forward(self, x, style, har_spec, *stats):
        for i, n in enumerate(self.norms):
            n.stats_mode, n.stats = "replay", (stats[2 * i], stats[2 * i + 1])
        return self.gen.spectrum(x, style, har_spec)


class OrtGenerator:
    """Runs Generator.spectrum in ONNX Runtime when the norms replay given statistics."""

    def __init__(self, path, threads: int, generator):
        import onnxruntime as ort
        self.generator = generator
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, threads)
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]

    @staticmethod
    def applies(gen) -> bool:
        return (not torch.is_grad_enabled() and gen.window.device.type == "cpu"
                and all(n.stats_mode == "replay" and n.stats is not None
                        for n in generator_norms(gen)))

    def __call__(self, x, style, har_source):
        gen = self.generator
        stats = [t for n in generator_norms(gen) for t in n.stats]
        feeds = dict(zip(["x", "style", "har_spec"] + [f"s{i}" for i in range(len(stats))],
                         [x, style, gen._stft(har_source), *stats]))
        out = self.session.run(None, {k: feeds[k].detach().float().cpu().numpy()
                                      for k in self.inputs})[0]
        return gen.to_wave(torch.from_numpy(out))


def export_generator(model, path) -> None:
    """Write the generator (statistics as inputs) as fp32 ONNX; a copy is traced, so the
    live model stays usable meanwhile."""
    gen = copy.deepcopy(model.decoder.generator).float().cpu().eval()
    gen.fast = None
    wrapper = _Replaying(gen)
    t = 8                                       # frames in the example input
    x = torch.randn(1, 512, CURVE_PER_FRAME * t)
    har_spec = gen._stft(torch.randn(1, t * FRAME_SAMPLES))
    style = torch.randn(1, 128)
    stats = [s for n in wrapper.norms for s in (torch.zeros(1, n.fc.out_features // 2, 1),
                                                 torch.ones(1, n.fc.out_features // 2, 1))]
    names = ["x", "style", "har_spec"] + [f"s{i}" for i in range(len(stats))]
    tmp = path.with_suffix(".tmp")
    with torch.no_grad(), warnings_quiet():
        torch.onnx.export(wrapper, (x, style, har_spec, *stats), str(tmp), dynamo=False,
                          input_names=names, output_names=["spec"], opset_version=17,
                          dynamic_axes={"x": {2: "t"}, "har_spec": {2: "s"}, "spec": {2: "s"}})
    tmp.replace(path)


@contextlib.contextmanager
def warnings_quiet():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


_ort_lock = threading.Lock()


def enable_fast_generator(eng, build: bool = True) -> bool:
    """Attach the ONNX Runtime generator to the engine's model (exporting it once into the
    user cache when `build`). False when it is off (INSTRUCTDUB_ORT=0), not built, not on
    the CPU, or onnxruntime cannot load it."""
    if os.environ.get("INSTRUCTDUB_ORT", "1") == "0" or eng.device.type != "cpu":
        return False
    from core.backbone import assets
    from core.locations import cache_dir
    gen = eng.model.decoder.generator
    if gen.fast is not None:
        return True
    path = cache_dir() / ORT_NAME
    meta = path.with_suffix(".json")
    want = {"source_sha256": assets.ONNX_SHA256, "version": ORT_VERSION}
    with _ort_lock:
        try:
            if not (path.exists() and meta.exists() and json.loads(meta.read_text()) == want):
                if not build:
                    return False
                export_generator(eng.model, path)
                atomic_write_text(meta, json.dumps(want))
            runner = OrtGenerator(path, torch.get_num_threads(), gen)
        except Exception as e:  # noqa: BLE001 - an optional accelerator: torch still works
            log.warning("ONNX Runtime generator unavailable (%s); decoding in torch", e)
            return False
    gen.fast = runner
    return True


def disable_fast_generator(eng) -> None:
    eng.model.decoder.generator.fast = None
