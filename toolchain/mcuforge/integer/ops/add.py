"""int8 elementwise add with rescaling (TFLite Micro's Add: both inputs shifted left by 20,
scaled to twice the larger input scale, summed, scaled to the output)."""

from __future__ import annotations

import numpy as np

from ..fixedpoint import quantize_multiplier, rdbp, srdhm
from .common import activation_range

CLASS = "AddOptions"
LEFT_SHIFT = 20


def from_tflite(r, op, index):
    a, b = r.inputs(op)
    out = r.output(op)
    r.require_int8(index, "ADD", a, out)
    r.require_int8(index, "ADD", b, out)
    if a.shape != b.shape:
        r.unsupported(index, "ADD", "broadcasting between different shapes")
    r.check(index, "ADD", out.shape == a.shape, f"inputs {list(a.shape)} and output {list(out.shape)} disagree")
    act_min, act_max = activation_range(r.options(op, CLASS).FusedActivationFunction(), out.s(), out.zp())
    return r.qop(index, "add", [a, b], out, params(a, b, out, act_min, act_max))


def params(a, b, out, act_min: int, act_max: int) -> dict:
    """The add's parameters for int8 tensors a + b -> out (QTensors), as TFLite Micro computes
    them from the float32 scales."""
    sa, sb, so = (np.float32(t.s()) for t in (a, b, out))
    twice_max = 2 * float(max(sa, sb))
    m1, s1 = quantize_multiplier(float(sa) / twice_max)
    m2, s2 = quantize_multiplier(float(sb) / twice_max)
    mo, so_ = quantize_multiplier(twice_max / ((1 << LEFT_SHIFT) * float(so)))
    return dict(input1_offset=-a.zp(), input2_offset=-b.zp(), output_offset=out.zp(),
                input1_multiplier=m1, input1_shift=s1, input2_multiplier=m2, input2_shift=s2,
                output_multiplier=mo, output_shift=so_, left_shift=LEFT_SHIFT, act_min=act_min, act_max=act_max)


def _scale(x, multiplier, shift):  # MultiplyByQuantizedMultiplierSmallerThanOneExp
    return rdbp(srdhm(x, multiplier), -shift)


def input_tables(op) -> dict[str, np.ndarray]:
    """Each input's rescaled term for every int8 value (index v + 128): the kernels look the two
    terms up instead of offsetting, shifting and rescaling each element (the same integers)."""
    p, v = op.params, np.arange(-128, 128, dtype=np.int64)
    return {f"table{i}": _scale((v + p[f"input{i}_offset"]) << p["left_shift"], p[f"input{i}_multiplier"],
                                p[f"input{i}_shift"]).astype(np.int32) for i in (1, 2)}


def reference(op, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    p = op.params
    x1 = (a.astype(np.int64) + p["input1_offset"]) << p["left_shift"]
    x2 = (b.astype(np.int64) + p["input2_offset"]) << p["left_shift"]
    total = _scale(x1, p["input1_multiplier"], p["input1_shift"]) + _scale(x2, p["input2_multiplier"], p["input2_shift"])
    y = _scale(total, p["output_multiplier"], p["output_shift"]) + p["output_offset"]
    return np.clip(y, p["act_min"], p["act_max"]).astype(np.int8)
