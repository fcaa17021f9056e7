"""int8 average pooling (TFLite Micro's AveragePool): the mean over the window's valid
elements, rounded half away from zero, input and output with the same quantization."""

from __future__ import annotations

import numpy as np

from .common import activation_range, output_size, same_padding

CLASS = "Pool2DOptions"


def pool_params(r, op, index, name, x, out) -> dict:
    """Window, strides, SAME/VALID padding and activation range of a TFLite pooling op, once
    they agree with its shapes."""
    o = r.options(op, CLASS)
    n, ih, iw, c = x.shape
    _, oh, ow, _ = out.shape
    kh, kw, sh, sw = o.FilterHeight(), o.FilterWidth(), o.StrideH(), o.StrideW()
    same = o.Padding() == 0
    r.check(index, name, min(kh, kw, sh, sw) >= 1, f"window {kh}x{kw}, strides {sh}x{sw}")
    r.check(index, name, out.shape == (n, output_size(ih, kh, sh, 1, same), output_size(iw, kw, sw, 1, same), c),
            f"input {list(x.shape)} and output {list(out.shape)} disagree with the window")
    act_min, act_max = activation_range(o.FusedActivationFunction(), out.s(), out.zp())
    return dict(filter=(kh, kw), stride=(sh, sw),
                pad=(same_padding(ih, kh, sh, 1, oh) if same else 0, same_padding(iw, kw, sw, 1, ow) if same else 0),
                act_min=act_min, act_max=act_max)


def from_tflite(r, op, index):
    x = r.inputs(op)[0]
    out = r.output(op)
    r.require_int8(index, "AVERAGE_POOL_2D", x, out)
    return r.qop(index, "avg_pool2d", [x], out, pool_params(r, op, index, "AVERAGE_POOL_2D", x, out))


def windows(op, x: np.ndarray):
    """(oy, ox, the window's valid elements as (N, h, w, C)) for every output position."""
    p = op.params
    (kh, kw), (sh, sw), (ph, pw) = p["filter"], p["stride"], p["pad"]
    _, ih, iw, _ = x.shape
    _, oh, ow, _ = op.output.shape
    for oy in range(oh):
        y0 = oy * sh - ph
        for ox in range(ow):
            x0 = ox * sw - pw
            yield oy, ox, x[:, max(y0, 0):min(y0 + kh, ih), max(x0, 0):min(x0 + kw, iw), :]


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    out = np.empty((len(x), *op.output.shape[1:]), np.int8)
    for oy, ox, block in windows(op, x):
        count = block.shape[1] * block.shape[2]
        acc = block.astype(np.int64).sum(axis=(1, 2))
        half = count // 2
        # C's integer division truncates toward zero
        avg = np.where(acc > 0, (acc + half) // count, -((-(acc - half)) // count))
        out[:, oy, ox, :] = np.clip(avg, p["act_min"], p["act_max"])
    return out
