"""Export of a quantized Brevitas Sequential to the integer IR, read directly from Brevitas'
quant tensors and quantizers (no ONNX round trip: the scales, zero points and integer weights are
the ones the fake-quant model used). Brevitas' unsigned 8-bit activations become TFLite int8 by
q_int8 = q_uint8 - 128. What the integer backend cannot express is refused naming the layer and
the setting: asymmetric weights, per-channel activation scales, a layer without an integer
kernel between quantizers."""

from __future__ import annotations

import brevitas.nn as qnn
import numpy as np
import torch
from torch import nn

from ..errors import ModelError
from ..integer.graph import QGraph, QOp, QTensor
from ..integer.ops.common import channel_multipliers


def _act(q, index: int, layer: nn.Module):
    """(scale float32, int8 zero point) of a quant tensor an activation quantizer produced."""
    scale = q.scale.detach().reshape(-1).numpy().astype(np.float32)
    if scale.size != 1:
        raise ModelError(f"layer {index} ({type(layer).__name__}): per-channel activation scales; "
                         "the integer backend needs one scale per activation tensor")
    if int(q.bit_width) != 8:
        raise ModelError(f"layer {index} ({type(layer).__name__}): {int(q.bit_width)}-bit activations; "
                         "the integer backend needs 8-bit activations")
    zp = int(round(float(q.zero_point.reshape(-1)[0])))
    return scale, (zp - 128 if not bool(q.signed) else zp)


def export_sequential(model: nn.Sequential, example: torch.Tensor) -> QGraph:
    model.eval()
    mods = list(model)
    if not mods or not isinstance(mods[0], qnn.QuantIdentity):
        raise ModelError("the quantized model must start with an input quantizer (QuantIdentity)")
    tensors: list[QTensor] = []

    def new(shape, scale, zp) -> QTensor:
        t = QTensor(len(tensors), f"t{len(tensors)}", tuple(shape), "int8", np.array([scale], np.float32).reshape(-1),
                    np.array([zp], np.int64))
        tensors.append(t)
        return t

    with torch.no_grad():
        value = mods[0](example)
    scale, zp = _act(value, 0, mods[0])
    current = new(example.shape, scale[0], zp)
    graph_input = current
    ops: list[QOp] = []
    i = 1
    while i < len(mods):
        m = mods[i]
        if isinstance(m, nn.Flatten):
            with torch.no_grad():
                value = m(value)
            out = new(value.shape, current.scale[0], current.zp())
            ops.append(QOp(i, "reshape", [current], out, {}))
            current, i = out, i + 1
        elif isinstance(m, qnn.QuantLinear):
            nxt = mods[i + 1] if i + 1 < len(mods) else None
            if not isinstance(nxt, (qnn.QuantReLU, qnn.QuantIdentity)):
                raise ModelError(f"layer {i} (QuantLinear) is not followed by an activation quantizer; "
                                 "a float value would be left inside the int8 region")
            qw = m.quant_weight()
            if torch.any(qw.zero_point != 0):
                raise ModelError(f"layer {i} (QuantLinear): asymmetric weights (non-zero weight zero point); "
                                 "the integer backend needs symmetric weights")
            w_int = qw.int().detach().numpy().astype(np.int8)
            w_scale = qw.scale.detach().reshape(-1).numpy().astype(np.float32)
            in_scale = float(current.scale[0])
            bias = np.zeros(m.out_features, np.int32)
            if m.bias is not None:
                bias_scale = torch.from_numpy(in_scale * w_scale.astype(np.float64)).float()
                bias = torch.round(m.bias.detach() / bias_scale).numpy().astype(np.int32)
            with torch.no_grad():
                value = nxt(m(value))
            out_scale, out_zp = _act(value, i + 1, nxt)
            out = new(value.shape, out_scale[0], out_zp)
            mult, shift = channel_multipliers(in_scale, w_scale, float(out_scale[0]), m.out_features)
            relu = isinstance(nxt, qnn.QuantReLU)
            bits = int(qw.bit_width)
            if bits not in (8, 4, 1):
                raise ModelError(f"layer {i} (QuantLinear): {bits}-bit weights; the integer backend packs "
                                 "8-, 4- and 1-bit (binary) weights")
            params = dict(weights=w_int, weight_bits=bits, bias=bias, multiplier=mult, shift=shift,
                          input_offset=-current.zp(),
                          filter_offset=0, output_offset=out_zp, act_min=out_zp if relu else -128, act_max=127,
                          macs=m.in_features * m.out_features * (current.size // m.in_features))
            ops.append(QOp(i, "fully_connected", [current], out, params))
            current, i = out, i + 2
        else:
            raise ModelError(f"layer {i} ({type(m).__name__}) has no integer kernel between quantizers")
    return QGraph(tensors, ops, graph_input, current)
