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
from ..integer.ops import add
from ..integer.ops.common import channel_multipliers
from .net import QuantNet
from .qat import IntAvgPool2d


def _nhwc(shape) -> tuple[int, ...]:
    """PyTorch's NCHW shape as the integer backend's NHWC; a 1-D map (N, C, L) as (N, 1, L, C)."""
    if len(shape) == 3:
        return (shape[0], 1, shape[2], shape[1])
    return (shape[0], shape[2], shape[3], shape[1]) if len(shape) == 4 else tuple(shape)


def _2d(v, fill: int) -> tuple[int, int]:
    """A 1-D layer's kernel/stride/padding as the 2-D one's on a 1-pixel-high map."""
    v = tuple(v) if isinstance(v, (tuple, list)) else (v,)
    return (fill, v[0]) if len(v) == 1 else (v[0], v[1])


def _weights(layer, index: int, name: str):
    qw = layer.quant_weight()
    if torch.any(qw.zero_point != 0):
        raise ModelError(f"layer {index} ({name}): asymmetric weights (non-zero weight zero point); "
                         "the integer backend needs symmetric weights")
    bits = int(qw.bit_width)
    if bits not in (8, 4, 1):
        raise ModelError(f"layer {index} ({name}): {bits}-bit weights; the integer backend packs "
                         "8-, 4- and 1-bit (binary) weights")
    return qw.int().detach().numpy().astype(np.int8), qw.scale.detach().reshape(-1).numpy().astype(np.float32), bits


def _bias(layer, in_scale: float, w_scale: np.ndarray, units: int) -> np.ndarray:
    """Brevitas' Int32Bias: round(b / (input_scale * weight_scale)), as its fake-quant used."""
    if layer.bias is None:
        return np.zeros(units, np.int32)
    bias_scale = torch.from_numpy(np.broadcast_to(in_scale * w_scale.astype(np.float64), (units,)).copy()).float()
    return torch.round(layer.bias.detach() / bias_scale).numpy().astype(np.int32)


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


class _Builder:
    """The tensors and ops of the graph being exported."""

    def __init__(self):
        self.tensors: list[QTensor] = []
        self.ops: list[QOp] = []

    def new(self, shape, scale, zp) -> QTensor:
        t = QTensor(len(self.tensors), f"t{len(self.tensors)}", tuple(shape), "int8",
                    np.array([scale], np.float32).reshape(-1), np.array([zp], np.int64))
        self.tensors.append(t)
        return t

    def input(self, quantizer: nn.Module, example: torch.Tensor):
        """(quant tensor, QTensor) of the model's input quantizer applied to `example`."""
        if not isinstance(quantizer, qnn.QuantIdentity):
            raise ModelError("the quantized model must start with an input quantizer (QuantIdentity)")
        with torch.no_grad():
            value = quantizer(example)
        scale, zp = _act(value, 0, quantizer)
        return value, self.new(_nhwc(example.shape), scale[0], zp)


def export_model(model: nn.Module, example: torch.Tensor) -> QGraph:
    """The integer graph of a quantized model (net.quantize_model's result)."""
    return export_net(model, example) if isinstance(model, QuantNet) else export_sequential(model, example)


def export_net(net: QuantNet, example: torch.Tensor) -> QGraph:
    """A QuantNet: its chains as export_chain does, each residual add as an int8 add op (both
    inputs rescaled to the add's output quantizer, which clamps at its zero point after a ReLU).
    Ops are numbered in execution order across the chains."""
    net.eval()
    b = _Builder()
    value, graph_input = b.input(net.input_quant, example)
    values = {"input": (value, graph_input)}
    index = 1
    for name, kind, inputs in net.steps:
        layer = net.layers[name]
        if kind == "chain":
            values[name] = export_chain(b, list(layer), 0, *values[inputs[0]], base=index)
            index += len(layer)
            continue
        (va, a), (vb, bt) = (values[k] for k in inputs)
        if a.shape != bt.shape:
            raise ModelError(f"add {name}: operands of shapes {a.shape} and {bt.shape}; the integer add "
                             "takes operands of one shape (no broadcasting)")
        with torch.no_grad():
            value = layer(va.value + vb.value)
        scale, zp = _act(value, index, layer)
        out = b.new(a.shape, scale[0], zp)
        relu = isinstance(layer, qnn.QuantReLU)
        b.ops.append(QOp(index, "add", [a, bt], out, add.params(a, bt, out, zp if relu else -128, 127)))
        values[name] = (value, out)
        index += 1
    return QGraph(b.tensors, b.ops, graph_input, values[net.output][1])


def export_sequential(model: nn.Sequential, example: torch.Tensor) -> QGraph:
    model.eval()
    mods = list(model)
    b = _Builder()
    value, graph_input = b.input(mods[0] if mods else None, example)
    _, out = export_chain(b, mods, 1, value, graph_input)
    return QGraph(b.tensors, b.ops, graph_input, out)


def export_chain(b: _Builder, mods: list[nn.Module], start: int, value, current: QTensor, base: int = 0):
    """The ops of the quantized layers mods[start:] applied to `value` (a quant tensor, the
    graph's `current`): the last (quant tensor, QTensor). Layers are numbered by position in
    `mods` in messages, ops by base + that position."""
    new, ops = b.new, b.ops
    i = start
    flattened_from = None  # (H, W, C) when a Flatten turned an NHWC map into a vector
    while i < len(mods):
        m = mods[i]
        if isinstance(m, nn.Flatten):
            with torch.no_grad():
                value = m(value)
            flattened_from = current.shape[1:] if len(current.shape) == 4 else None
            out = new(value.shape, current.scale[0], current.zp())
            ops.append(QOp(base + i, "reshape", [current], out, {}))
            current, i = out, i + 1
        elif isinstance(m, (nn.MaxPool2d, nn.MaxPool1d)):
            with torch.no_grad():
                value = m(value)
            out = new(_nhwc(value.shape), current.scale[0], current.zp())
            if isinstance(m, nn.MaxPool1d):
                k, st, pad = _2d(m.kernel_size, 1), _2d(m.stride or m.kernel_size, 1), _2d(m.padding, 0)
            else:
                k, st, pad = (nn.modules.utils._pair(v) for v in (m.kernel_size, m.stride or m.kernel_size, m.padding))
            params = dict(filter=k, stride=st, pad=pad, act_min=-128, act_max=127)
            ops.append(QOp(base + i, "max_pool2d", [current], out, params))
            current, i = out, i + 1
        elif isinstance(m, IntAvgPool2d):
            with torch.no_grad():
                pooled = m(value)
            k, st = m.window(value.value)
            out = new(_nhwc(pooled.shape), current.scale[0], current.zp())
            ops.append(QOp(base + i, "avg_pool2d", [current], out,
                           dict(filter=k, stride=st, pad=(0, 0), act_min=-128, act_max=127)))
            value, current, i = pooled, out, i + 1
        elif isinstance(m, (qnn.QuantLinear, qnn.QuantConv2d, qnn.QuantConv1d)):
            name = type(m).__name__
            relu6 = i + 1 < len(mods) and isinstance(mods[i + 1], nn.ReLU6)  # float clamp, then QuantReLU
            nxt = mods[i + 1 + relu6] if i + 1 + relu6 < len(mods) else None
            if not isinstance(nxt, (qnn.QuantReLU, qnn.QuantIdentity)):
                raise ModelError(f"layer {i} ({name}) is not followed by an activation quantizer; "
                                 "a float value would be left inside the int8 region")
            w_int, w_scale, bits = _weights(m, i, name)
            units = w_int.shape[0]
            in_scale = float(current.scale[0])
            bias = _bias(m, in_scale, w_scale, units)
            with torch.no_grad():
                value = nxt(mods[i + 1](m(value)) if relu6 else m(value))
            out_scale, out_zp = _act(value, i + 1, nxt)
            out = new(_nhwc(value.shape), out_scale[0], out_zp)
            mult, shift = channel_multipliers(in_scale, w_scale, float(out_scale[0]), units)
            relu = isinstance(nxt, qnn.QuantReLU)
            # ReLU6's clamp as TFLite's activation range: zero point + round(6 / scale)
            act_max = min(127, out_zp + int(round(6.0 / float(out_scale[0])))) if relu6 else 127
            params = dict(bias=bias, multiplier=mult, shift=shift, input_offset=-current.zp(), output_offset=out_zp,
                          act_min=out_zp if relu else -128, act_max=act_max)
            if isinstance(m, qnn.QuantLinear):
                if flattened_from is not None:  # columns from PyTorch's (C, H, W) order to NHWC's (H, W, C)
                    h, w, c = flattened_from
                    w_int = w_int.reshape(units, c, h, w).transpose(0, 2, 3, 1).reshape(units, -1)
                    flattened_from = None  # later layers see this layer's vector
                params.update(weights=w_int, weight_bits=bits, filter_offset=0,
                              macs=m.in_features * units * (current.size // m.in_features))
                ops.append(QOp(base + i, "fully_connected", [current], out, params))
            else:
                if bits != 8:
                    raise ModelError(f"layer {i} ({name}): {bits}-bit convolution weights; sub-8-bit weights "
                                     "are packed for Linear layers only")
                _, oh, ow, oc = out.shape
                if isinstance(m, qnn.QuantConv1d):  # (O, I, K) -> (O, I, 1, K): a 1 x K 2-D convolution
                    w_int = w_int[:, :, None, :]
                    params.update(stride=_2d(m.stride, 1), dilation=_2d(m.dilation, 1), pad=_2d(m.padding, 0))
                else:
                    params.update(stride=tuple(m.stride), dilation=tuple(m.dilation), pad=tuple(m.padding))
                params["macs"] = oh * ow * oc * int(np.prod(w_int.shape[1:]))
                if m.groups == 1:
                    params["weights"] = w_int.transpose(0, 2, 3, 1)  # OIHW -> OHWI
                    ops.append(QOp(base + i, "conv2d", [current], out, params))
                else:  # depthwise: (C*M, 1, KH, KW) -> (1, KH, KW, C*M)
                    params["weights"] = w_int.transpose(1, 2, 3, 0)
                    params["depth_multiplier"] = units // m.groups
                    ops.append(QOp(base + i, "depthwise_conv2d", [current], out, params))
            current, i = out, i + 2 + relu6
        else:
            raise ModelError(f"layer {i} ({type(m).__name__}) has no integer kernel between quantizers")
    return value, current
