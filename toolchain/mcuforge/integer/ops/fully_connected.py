"""int8 fully connected (TFLite Micro's FullyConnected, per-tensor or per-channel weights)."""

from __future__ import annotations

import numpy as np

from .common import activation_range, channel_multipliers
from .conv2d import requantize

CLASS = "FullyConnectedOptions"


def from_tflite(r, op, index):
    x, w, *rest = r.inputs(op)
    out = r.output(op)
    r.require_int8(index, "FULLY_CONNECTED", x, out)
    opts = r.options(op, CLASS)
    units, depth = w.shape
    mult, shift = channel_multipliers(x.s(), w.scale, out.s(), units)
    act_min, act_max = activation_range(opts.FusedActivationFunction(), out.s(), out.zp())
    b = rest[0] if rest else None
    params = dict(weights=w.data.astype(np.int8), bias=b.data.astype(np.int32) if b is not None else np.zeros(units, np.int32),
                  multiplier=mult, shift=shift, input_offset=-x.zp(), filter_offset=-w.zp(),
                  output_offset=out.zp(), act_min=act_min, act_max=act_max,
                  macs=(x.size // depth) * units * depth)
    return r.qop(index, "fully_connected", [x], out, params)


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    w = p["weights"].astype(np.int64) + p["filter_offset"]
    rows = x.reshape(-1, w.shape[1]).astype(np.int64) + p["input_offset"]
    acc = rows @ w.T + p["bias"]
    return requantize(acc, p).reshape(op.output.shape)
