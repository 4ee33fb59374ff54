"""Convert the int8 Kokoro ONNX graph into a float32 state dict for KokoroBackbone.

Weights are read per node: the node's scope name gives the torch module, its
initializer inputs give the (quantised) tensor. Dequantise as (q - zero_point) * scale,
transpose MatMul weights, reorder LSTM gates from ONNX iofc to torch ifgo.
"""
from __future__ import annotations

import re

import numpy as np
import torch

SCOPE_PREFIXES = [          # ONNX scope -> KokoroBackbone attribute path
    ("encoder.bert_encoder", "bert_encoder"),
    ("encoder.bert.", "bert."),
    ("encoder.text_encoder", "text_encoder"),
    ("encoder.predictor.", "predictor."),
    ("encoder.F0", "predictor.F0"),
    ("encoder.N", "predictor.N"),
    ("encoder.shared", "predictor.shared"),
    ("decoder.decoder.", "decoder."),
]
SKIPPED = ("decoder.generator.stft.", "decoder.generator.istft.")  # the ONNX-only conv STFT


def _rename(scope: str) -> str | None:
    for old, new in SCOPE_PREFIXES:
        if scope.startswith(old):
            return new + scope[len(old):]
    return None


def module_path(node_name: str) -> str | None:
    """'/encoder/text_encoder/cnn.0/cnn.0.0/Conv_quant' -> 'text_encoder.cnn.0.0'."""
    parts: list[str] = []
    for part in node_name.strip("/").split("/")[:-1]:
        part = re.sub(r"_\d+$", "", part)          # repeated calls of a shared layer
        if parts and part.startswith(parts[-1] + "."):
            parts[-1] = part
        else:
            parts.append(part)
    return _rename(".".join(parts))


def _dequant(q: np.ndarray, zp: np.ndarray, scale: np.ndarray, axis: int) -> np.ndarray:
    shape = [1] * q.ndim
    if np.ndim(scale):
        shape[axis] = -1
    scale = np.reshape(scale, shape) if np.ndim(scale) else scale
    zp = np.reshape(zp, shape) if np.ndim(zp) else zp
    return (q.astype(np.float32) - zp.astype(np.float32)) * scale.astype(np.float32)


def _lstm_gates(w: np.ndarray) -> np.ndarray:
    """[..., 4H] in ONNX order i,o,f,c -> torch order i,f,g,o along the last axis."""
    i, o, f, c = np.split(w, 4, axis=-1)
    return np.concatenate([i, f, c, o], axis=-1)


def _lstm_tensors(path, node, init) -> dict:
    w = _dequant(init[node.input[1]], init[node.input[9]], init[node.input[8]], 0)   # [D, in, 4H]
    r = _dequant(init[node.input[2]], init[node.input[11]], init[node.input[10]], 0)  # [D, H, 4H]
    b = init[node.input[3]]                                                          # [D, 8H]
    out = {}
    for d, suffix in enumerate(["", "_reverse"]):
        out[f"{path}.weight_ih_l0{suffix}"] = _lstm_gates(w[d]).T
        out[f"{path}.weight_hh_l0{suffix}"] = _lstm_gates(r[d]).T
        wb, rb = np.split(b[d], 2)
        out[f"{path}.bias_ih_l0{suffix}"] = _lstm_gates(wb)
        out[f"{path}.bias_hh_l0{suffix}"] = _lstm_gates(rb)
    return out


def _base(name: str) -> str:
    return name[: -len("_quantized")] if name.endswith("_quantized") else name


def _node_tensors(node, init, consumers) -> dict:
    path = module_path(node.name)
    if path is None:
        return {}
    op, ins = node.op_type, list(node.input)
    if op == "DynamicQuantizeLSTM":
        return _lstm_tensors(path, node, init)
    if op == "MatMulInteger" and ins[1] in init:
        w = _dequant(init[ins[1]], init[ins[3]], init[_base(ins[1]) + "_scale"], 1)
        return {f"{path}.weight": w.T}
    if op == "ConvInteger" and ins[1] in init:
        w = _dequant(init[ins[1]], init[ins[3]], init[_base(ins[1]) + "_scale"], 0)
        return {f"{path}.weight": w}
    if op == "Gather" and ins[0] in init and ins[0].endswith("_quantized"):
        deq = consumers[node.output[0]]
        return {f"{path}.weight": _dequant(init[ins[0]], init[deq.input[2]], init[deq.input[1]], 0)}
    if op in ("ConvTranspose", "Conv") and ins[1] in init:
        return {f"{path}.weight": init[ins[1]]}
    if op == "MatMul" and ins[1] in init:
        return {f"{path}.weight": init[ins[1]].T}
    return {}


def onnx_to_state_dict(onnx_data: bytes) -> dict[str, torch.Tensor]:
    import onnx
    from onnx import numpy_helper

    model = onnx.load_from_string(onnx_data)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    consumers = {i: n for n in model.graph.node if n.op_type == "DequantizeLinear" for i in n.input[:1]}
    state: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        for key, value in _node_tensors(node, init, consumers).items():
            state.setdefault(key, value)
    for name, value in init.items():                 # biases, norms, alphas keep their names
        if "_quantized" in name or name.endswith(("_scale", "_zero_point")):
            continue
        key = _rename(name)
        if key is not None:
            state.setdefault(key, value)
    return {k: torch.tensor(np.asarray(v, dtype=np.float32)) for k, v in state.items()
            if not k.startswith(SKIPPED)}
