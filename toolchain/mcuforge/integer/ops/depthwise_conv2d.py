"""int8 depthwise convolution, per-channel quantized (TFLite Micro's DepthwiseConvPerChannel);
filter 1 x KH x KW x (C * depth_multiplier)."""

from __future__ import annotations

import numpy as np

from .conv2d import _padded_windows, conv_params, requantize

CLASS = "DepthwiseConv2DOptions"


def from_tflite(r, op, index):
    x, w, *rest = r.inputs(op)
    out = r.output(op)
    r.require_int8(index, "DEPTHWISE_CONV_2D", x, out)
    opts = r.options(op, CLASS)
    params = conv_params(r, index, x, w, rest[0] if rest else None, out, opts, depthwise=True)
    params["depth_multiplier"] = out.shape[3] // x.shape[3]
    return r.qop(index, "depthwise_conv2d", [x], out, params)


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    w = p["weights"].astype(np.int64)[0]  # KH, KW, C*M
    _, oh, ow, _ = op.output.shape
    win = _padded_windows(x, p, w.shape[0], w.shape[1], oh, ow)
    win = np.repeat(win, p["depth_multiplier"], axis=5)  # output channel c*M+m reads input c
    acc = np.einsum("nhwijc,ijc->nhwc", win, w) + p["bias"]
    return requantize(acc, p)
