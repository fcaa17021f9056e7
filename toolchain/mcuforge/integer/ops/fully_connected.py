"""int8 fully connected (TFLite Micro's FullyConnected, per-tensor or per-channel weights)."""

from __future__ import annotations

import numpy as np

from .common import activation_range, channel_multipliers, exact_dot
from .conv2d import requantize

CLASS = "FullyConnectedOptions"


def from_tflite(r, op, index):
    x, w, *rest = r.inputs(op)
    out = r.output(op)
    r.require_int8(index, "FULLY_CONNECTED", x, out)
    opts = r.options(op, CLASS)
    units, depth = w.shape
    b = rest[0] if rest else None
    if w.data is None or (b is not None and b.data is None):
        r.unsupported(index, "FULLY_CONNECTED", "a weight matrix or bias that is not a constant")
    r.check(index, "FULLY_CONNECTED", depth >= 1 and x.size % depth == 0 and out.size == x.size // depth * units
            and (b is None or b.shape == (units,)),
            f"input {list(x.shape)}, weights {list(w.shape)}, bias {list(b.shape) if b else None} and "
            f"output {list(out.shape)} disagree")
    mult, shift = channel_multipliers(x.s(), w.scale, out.s(), units)
    act_min, act_max = activation_range(opts.FusedActivationFunction(), out.s(), out.zp())
    params = dict(weights=w.data.astype(np.int8), bias=b.data.astype(np.int32) if b is not None else np.zeros(units, np.int32),
                  multiplier=mult, shift=shift, input_offset=-x.zp(), filter_offset=-w.zp(),
                  output_offset=out.zp(), act_min=act_min, act_max=act_max,
                  macs=(x.size // depth) * units * depth)
    return r.qop(index, "fully_connected", [x], out, params)


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    w = p["weights"].astype(np.int64) + p["filter_offset"]
    rows = x.reshape(-1, w.shape[1]).astype(np.int64) + p["input_offset"]
    acc = exact_dot(rows, w.T) + p["bias"]
    return requantize(acc, p).reshape(-1, *op.output.shape[1:])
