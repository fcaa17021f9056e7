"""int8 max pooling (TFLite Micro's MaxPool): the window maximum over valid elements, clamped to
the fused activation range; input and output share the quantization."""

from __future__ import annotations

import numpy as np

from .avg_pool2d import pool_params, windows

CLASS = "Pool2DOptions"


def from_tflite(r, op, index):
    x = r.inputs(op)[0]
    out = r.output(op)
    r.require_int8(index, "MAX_POOL_2D", x, out)
    return r.qop(index, "max_pool2d", [x], out, pool_params(r, op, index, "MAX_POOL_2D", x, out))


def reference(op, x: np.ndarray) -> np.ndarray:
    p = op.params
    out = np.empty((len(x), *op.output.shape[1:]), np.int8)
    for oy, ox, block in windows(op, x):
        out[:, oy, ox, :] = np.clip(block.max(axis=(1, 2)), p["act_min"], p["act_max"])
    return out
