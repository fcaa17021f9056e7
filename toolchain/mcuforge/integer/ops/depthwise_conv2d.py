"""int8 depthwise convolution, per-channel quantized (TFLite Micro's DepthwiseConvPerChannel);
filter 1 x KH x KW x (C * depth_multiplier)."""

from __future__ import annotations

import numpy as np

from .conv2d import conv_params, padded, requantize

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
    """Tap by tap over the window (KH x KW multiply-adds of whole (N, OH, OW, C*M) arrays); output
    channel c*M+m reads input channel c."""
    p = op.params
    w = p["weights"][0]  # KH, KW, C*M
    kh, kw, _ = w.shape
    # int32 sums are exact: at most KH*KW products of magnitude <= 255 * 128 < 2^15
    acc_t = np.int32 if kh * kw < 2 ** 16 else np.int64
    _, oh, ow, _ = op.output.shape
    (sh, sw), (dh, dw), m = p["stride"], p["dilation"], p["depth_multiplier"]
    xp = padded(x, p, kh, kw, oh, ow).astype(acc_t)
    w = w.astype(acc_t)
    acc = np.zeros((len(x), oh, ow, w.shape[2]), acc_t)
    for i in range(kh):
        for j in range(kw):
            tap = xp[:, i * dh:i * dh + (oh - 1) * sh + 1:sh, j * dw:j * dw + (ow - 1) * sw + 1:sw, :]
            acc += (np.repeat(tap, m, axis=3) if m > 1 else tap) * w[i, j]
    return requantize(acc.astype(np.int64) + p["bias"], p)
