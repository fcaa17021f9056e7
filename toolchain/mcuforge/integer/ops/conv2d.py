"""int8 2-D convolution, per-channel quantized (TFLite Micro's ConvPerChannel), NHWC / OHWI."""

from __future__ import annotations

import numpy as np

from ..fixedpoint import mbqm
from .common import activation_range, channel_multipliers, exact_dot, output_size, same_padding, windows

CLASS = "Conv2DOptions"


def conv_params(r, index, x, w, b, out, opts, depthwise: bool) -> dict:
    """The parameters of operator `index`, once its filter, bias, strides and shapes agree."""
    name = "DEPTHWISE_CONV_2D" if depthwise else "CONV_2D"
    n, ih, iw, ic = x.shape
    _, oh, ow, oc = out.shape
    _, kh, kw, _ = w.shape
    sh, sw, dh, dw = opts.StrideH(), opts.StrideW(), opts.DilationHFactor(), opts.DilationWFactor()
    same = opts.Padding() == 0
    r.check(index, name, w.data is not None and (b is None or b.data is not None), "the filter or bias has no data")
    r.check(index, name, min(sh, sw, dh, dw) >= 1, f"strides {sh}x{sw}, dilations {dh}x{dw}")
    r.check(index, name, (w.shape == (1, kh, kw, oc) and oc % ic == 0 if depthwise else w.shape == (oc, kh, kw, ic))
            and (b is None or b.shape == (oc,))
            and out.shape == (n, output_size(ih, kh, sh, dh, same), output_size(iw, kw, sw, dw, same), oc),
            f"input {list(x.shape)}, filter {list(w.shape)}, bias {list(b.shape) if b else None} and "
            f"output {list(out.shape)} disagree")
    pad_h = same_padding(ih, kh, sh, dh, oh) if same else 0
    pad_w = same_padding(iw, kw, sw, dw, ow) if same else 0
    mult, shift = channel_multipliers(x.s(), w.scale, out.s(), oc)
    act_min, act_max = activation_range(opts.FusedActivationFunction(), out.s(), out.zp())
    bias = b.data.astype(np.int32) if b is not None else np.zeros(oc, np.int32)
    per_output = kh * kw * (1 if depthwise else ic)
    return dict(weights=w.data.astype(np.int8), bias=bias, multiplier=mult, shift=shift,
                input_offset=-x.zp(), output_offset=out.zp(), act_min=act_min, act_max=act_max,
                stride=(sh, sw), dilation=(dh, dw), pad=(pad_h, pad_w), macs=oh * ow * oc * per_output)


def from_tflite(r, op, index):
    x, w, *rest = r.inputs(op)
    out = r.output(op)
    r.require_int8(index, "CONV_2D", x, out)
    params = conv_params(r, index, x, w, rest[0] if rest else None, out, r.options(op, CLASS), depthwise=False)
    if x.shape[3] == 1:
        return r.qop(index, "depthwise_conv2d", [x], out, as_depthwise(params))
    return r.qop(index, "conv2d", [x], out, params)


def as_depthwise(params: dict) -> dict:
    """A convolution of a single input channel is a depthwise convolution whose depth multiplier
    is the number of output channels: the same sums, in a layout the vector kernels take
    (weights O x KH x KW x 1 -> 1 x KH x KW x O)."""
    w = params["weights"]
    return {**params, "weights": w.transpose(3, 1, 2, 0).copy(), "depth_multiplier": w.shape[0]}


def padded(x: np.ndarray, p: dict, kh: int, kw: int, oh: int, ow: int) -> np.ndarray:
    """The input plus its offset (int64), zero-padded as far as the windows reach: a padded
    element contributes (zero point + offset) = 0, as on the device."""
    (sh, sw), (dh, dw), (ph, pw) = p["stride"], p["dilation"], p["pad"]
    need_h = (oh - 1) * sh + (kh - 1) * dh + 1
    need_w = (ow - 1) * sw + (kw - 1) * dw + 1
    xi = x.astype(np.int64) + p["input_offset"]
    return np.pad(xi, ((0, 0), (ph, max(need_h - x.shape[1] - ph, 0)), (pw, max(need_w - x.shape[2] - pw, 0)), (0, 0)))


def _padded_windows(x: np.ndarray, p: dict, kh: int, kw: int, oh: int, ow: int) -> np.ndarray:
    (sh, sw), (dh, dw) = p["stride"], p["dilation"]
    return windows(padded(x, p, kh, kw, oh, ow), kh, kw, sh, sw, dh, dw, oh, ow)


def requantize(acc: np.ndarray, p: dict) -> np.ndarray:
    y = mbqm(acc, p["multiplier"], p["shift"]) + p["output_offset"]
    return np.clip(y, p["act_min"], p["act_max"]).astype(np.int8)


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    w = p["weights"].astype(np.int64)  # O, KH, KW, I
    _, oh, ow, _ = op.output.shape
    win = _padded_windows(x, p, w.shape[1], w.shape[2], oh, ow)
    n = win.shape[0]
    acc = exact_dot(win.reshape(n * oh * ow, -1), w.reshape(w.shape[0], -1).T).reshape(n, oh, ow, -1) + p["bias"]
    return requantize(acc, p)
