"""Reshape: the same int8 bytes under another shape (input and output share quantization)."""

from __future__ import annotations

import numpy as np


def from_tflite(r, op, index):
    x = r.inputs(op)[0]
    out = r.output(op)
    r.require_int8(index, "RESHAPE", x, out)
    r.check(index, "RESHAPE", x.size == out.size, f"input {list(x.shape)} and output {list(out.shape)} disagree")
    return r.qop(index, "reshape", [x], out, {})


def reference(op, x: np.ndarray) -> np.ndarray:
    return x.reshape(-1, *op.output.shape[1:])
