"""The decoder's replaying parts in ONNX Runtime (fp32, exported once into the user cache).

- `OrtGenerator`: the generator, with its statistics as inputs. It runs only when the
  generator's norms replay statistics (progressive chunks, drags); a full render, and
  so every export, stays in torch. Same output (log-mel distance under 0.01 dB); about
  1.2-1.4x faster than torch on this CPU (bench/render_speed.py).
- `OrtFront`: the decoder's frame-rate front with its statistics as inputs, for
  `window_features` (a first chunk, a drag). On a few frames torch's convolutions are
  bound by reading the front's ~120 MB of weights each call; ONNX Runtime packs them
  once: 15 frames 32 vs 101 ms, 36 frames 62 vs 115 ms (1 thread; docs/preview.md).
- `OrtProsody`: the predictor's F0/energy stack (a BiLSTM and two AdaIN stacks), which
  every instruction edit re-runs over the whole line; same output (1e-4 Hz).
"""
from __future__ import annotations

import contextlib
import copy
import json
import logging
import os
import threading

import torch

from core.backbone.decoder import Decoder
from core.constants import CURVE_PER_FRAME, FRAME_SAMPLES
from core.fileio import atomic_write_text
from core.preview_decoder import FAST_FRONT, generator_norms, norms_of

log = logging.getLogger(__name__)
ORT_NAME = "kokoro-generator-fp32.onnx"
ORT_FRONT_NAME = "kokoro-front-fp32.onnx"
ORT_PROSODY_NAME = "kokoro-prosody-fp32.onnx"
ORT_VERSION = 3                  # 2: convolutions made 2-D (core/onnx_conv2d.py); 3: AdaIN
                                 # folded into Snake (core/snake_fold.py)


class _Replaying(torch.nn.Module):
    """Export wrapper: the generator's spectrum with the statistics as inputs."""

    def __init__(self, generator):
        super().__init__()
        self.gen = generator
        self.norms = generator_norms(generator)

    def forward(self, x, style, har_spec, *stats):
        _replay(self.norms, stats)
        return self.gen.spectrum(x, style, har_spec)


class OrtGenerator:
    """Runs Generator.spectrum in ONNX Runtime when the norms replay given statistics."""

    def __init__(self, path, threads: int, generator):
        self.generator = generator
        self.session = _session(path, threads)
        self.inputs = [i.name for i in self.session.get_inputs()]

    @staticmethod
    def applies(gen) -> bool:
        return (not torch.is_grad_enabled() and gen.window.device.type == "cpu"
                and all(n.stats_mode == "replay" and n.stats is not None
                        for n in generator_norms(gen)))

    def __call__(self, x, style, har_source):
        gen = self.generator
        stats = [n.stats for n in generator_norms(gen)]
        out = _run(self.session, self.inputs, ["x", "style", "har_spec"],
                   [x, style, gen._stft(har_source)], stats)
        return gen.to_wave(out)


class _ReplayingFront(torch.nn.Module):
    """Export wrapper: Decoder.features with the front's statistics as inputs (a copy of
    the front's modules only, not the generator)."""

    def __init__(self, decoder):
        super().__init__()
        for name in ("encode", "decode", "F0_conv", "N_conv", "asr_res"):
            setattr(self, name, copy.deepcopy(getattr(decoder, name)).float().cpu().eval())
        self.norms = norms_of(self)             # in the order of front_norms(model)

    def forward(self, asr, f0, energy, style, *stats):
        _replay(self.norms, stats)
        return Decoder.features(self, asr, f0, energy, style)


class OrtFront:
    """Runs the decoder's front in ONNX Runtime, normalised with given statistics."""

    def __init__(self, path, threads: int):
        self.session = _session(path, threads)
        self.inputs = [i.name for i in self.session.get_inputs()]

    def __call__(self, asr, f0, energy, style, front_stats) -> torch.Tensor:
        return _run(self.session, self.inputs, ["asr", "f0", "energy", "style"],
                    [asr, f0, energy, style], front_stats)


class _Prosody(torch.nn.Module):
    """Export wrapper: a copy of the predictor's F0/energy stack."""

    def __init__(self, predictor):
        super().__init__()
        self.predictor = copy.deepcopy(predictor).float().cpu().eval()

    def forward(self, frames, style):
        return self.predictor.f0_energy(frames, style)


class OrtProsody:
    """Runs ProsodyPredictor.f0_energy in ONNX Runtime: (F0, energy) [1, 2F] each."""

    def __init__(self, path, threads: int):
        self.session = _session(path, threads)

    def __call__(self, frames, style):
        f0, energy = self.session.run(None, {"frames": frames.float().numpy(),
                                             "style": style.float().numpy()})
        return torch.from_numpy(f0), torch.from_numpy(energy)


def _replay(norms, stats) -> None:
    """Norms replay the flat (mean, var, mean, var, ...) `stats` (export wrappers)."""
    for i, n in enumerate(norms):
        n.stats_mode, n.stats = "replay", (stats[2 * i], stats[2 * i + 1])


def _run(session, wanted: list, names: list, values: list, stats: list) -> torch.Tensor:
    """The session's output for `names`=`values` and each norm's (mean, var) pair of
    `stats` as inputs s0, s1, ... (only the inputs the graph kept are fed)."""
    flat = [t for pair in stats for t in pair]
    feeds = dict(zip(names + [f"s{i}" for i in range(len(flat))], values + flat))
    return torch.from_numpy(session.run(None, {k: feeds[k].detach().float().cpu().numpy()
                                               for k in wanted})[0])


def _unit_stats(norms) -> list:
    """Example statistics (zero mean, unit variance) for tracing the wrappers."""
    return [s for n in norms for s in (torch.zeros(1, n.fc.out_features // 2, 1),
                                       torch.ones(1, n.fc.out_features // 2, 1))]


def _session(path, threads: int):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, threads)
    opts.inter_op_num_threads = 1
    # its pool's threads would spin between runs against torch's own threads (both use
    # every core): with 2 threads a drag took 233-249 ms spinning, 152 ms not (docs/preview.md)
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def export_front(model, path) -> None:
    """Write the decoder's front (statistics as inputs) as fp32 ONNX."""
    wrapper = _ReplayingFront(model.decoder)
    t = 16                                      # frames in the example input
    c = CURVE_PER_FRAME
    asr, f0, energy = torch.randn(1, 512, t), torch.rand(1, c * t) * 200, torch.randn(1, c * t)
    stats = _unit_stats(wrapper.norms)
    names = ["asr", "f0", "energy", "style"] + [f"s{i}" for i in range(len(stats))]
    _export(wrapper, (asr, f0, energy, torch.randn(1, 128), *stats), names, "x",
            {"asr": {2: "t"}, "f0": {1: "c"}, "energy": {1: "c"}, "x": {2: "c"}}, path)


def _export(wrapper, args, names, output, axes, path) -> None:
    from core.onnx_conv2d import rewrite_file
    tmp = path.with_suffix(".tmp")
    with torch.no_grad(), warnings_quiet():
        torch.onnx.export(wrapper, args, str(tmp), dynamo=False, input_names=names,
                          output_names=output if isinstance(output, list) else [output],
                          opset_version=17, dynamic_axes=axes)
    rewrite_file(tmp)                   # 2-D convolutions: ONNX Runtime's faster kernels
    tmp.replace(path)


def export_prosody(model, path) -> None:
    """Write the predictor's F0/energy stack as fp32 ONNX."""
    frames = torch.randn(1, model.predictor.shared.input_size, 16)
    _export(_Prosody(model.predictor), (frames, torch.randn(1, 128)), ["frames", "style"],
            ["f0", "energy"], {"frames": {2: "t"}, "f0": {1: "c"}, "energy": {1: "c"}}, path)


def export_generator(model, path) -> None:
    """Write the generator (statistics as inputs) as fp32 ONNX; a copy is traced, so the
    live model stays usable meanwhile. Its AdaINs are folded into its Snakes
    (core/snake_fold.py)."""
    from core.snake_fold import folded_generator
    gen = folded_generator(model.decoder.generator)
    wrapper = _Replaying(gen)
    assert len(wrapper.norms) == len(generator_norms(model.decoder.generator))
    t = 8                                       # frames in the example input
    x = torch.randn(1, 512, CURVE_PER_FRAME * t)
    har_spec = gen._stft(torch.randn(1, t * FRAME_SAMPLES))
    style = torch.randn(1, 128)
    stats = _unit_stats(wrapper.norms)
    names = ["x", "style", "har_spec"] + [f"s{i}" for i in range(len(stats))]
    _export(wrapper, (x, style, har_spec, *stats), names, "spec",
            {"x": {2: "t"}, "har_spec": {2: "s"}, "spec": {2: "s"}}, path)


@contextlib.contextmanager
def warnings_quiet():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


_ort_lock = threading.Lock()


def _built(path, build: bool, export) -> bool:
    """Whether `path` holds the current export (made now when `build`)."""
    from core.backbone import assets
    meta = path.with_suffix(".json")
    want = {"source_sha256": assets.ONNX_SHA256, "version": ORT_VERSION}
    if path.exists() and meta.exists() and json.loads(meta.read_text()) == want:
        return True
    if not build:
        return False
    export(path)
    atomic_write_text(meta, json.dumps(want))
    return True


def enable_fast_generator(eng, build: bool = True) -> bool:
    """Attach the ONNX Runtime generator, front for windows and F0/energy stack to the engine's model
    (exporting them once into the user cache when `build`). False when it is off
    (INSTRUCTDUB_ORT=0), not built, not on the CPU, or onnxruntime cannot load it."""
    if os.environ.get("INSTRUCTDUB_ORT", "1") == "0" or eng.device.type != "cpu":
        return False
    from core.locations import cache_dir
    model = eng.model
    gen = model.decoder.generator
    if gen.fast is not None:
        return True
    threads = torch.get_num_threads()
    with _ort_lock:
        try:
            if not _built(cache_dir() / ORT_NAME, build, lambda p: export_generator(model, p)):
                return False
            runner = OrtGenerator(cache_dir() / ORT_NAME, threads, gen)
            front = cache_dir() / ORT_FRONT_NAME
            if _built(front, build, lambda p: export_front(model, p)):
                FAST_FRONT[model] = OrtFront(front, threads)
            prosody = cache_dir() / ORT_PROSODY_NAME
            if _built(prosody, build, lambda p: export_prosody(model, p)):
                model.fast_prosody = OrtProsody(prosody, threads)
        except Exception as e:  # noqa: BLE001 - an optional accelerator: torch still works
            log.warning("ONNX Runtime decoder unavailable (%s); decoding in torch", e)
            return False
    gen.fast = runner
    return True


def disable_fast_generator(eng) -> None:
    eng.model.decoder.generator.fast = None
    eng.model.fast_prosody = None
    FAST_FRONT.pop(eng.model, None)
