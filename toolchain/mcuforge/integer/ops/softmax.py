"""int8 softmax as TFLite Micro's reference (gemmlowp fixed point): differences to the row
maximum scaled by beta * input_scale into Q5.26, exp in Q0.31 by the gemmlowp polynomial and
barrel shifter, sums in Q12.19, the reciprocal by Newton-Raphson, output scale 1/256 and zero
point -128."""

from __future__ import annotations

import math

import numpy as np

from ..fixedpoint import INT32_MAX, array_lib, quantize_multiplier, rdbp, saturating_shift_left, srdhm, wrap32

CLASS = "SoftmaxOptions"
SCALED_DIFF_INTEGER_BITS = 5
ACCUMULATION_INTEGER_BITS = 12


def from_tflite(r, op, index):
    x = r.inputs(op)[0]
    out = r.output(op)
    r.require_int8(index, "SOFTMAX", x, out)
    r.check(index, "SOFTMAX", x.shape == out.shape, f"input {list(x.shape)} and output {list(out.shape)} disagree")
    if out.zp() != -128 or abs(out.s() - 1 / 256) > 1e-9:
        r.unsupported(index, "SOFTMAX", "an int8 output quantization other than scale 1/256, zero point -128")
    beta = r.options(op, CLASS).Beta()
    real = min(float(beta) * float(np.float32(x.s())) * (1 << (31 - SCALED_DIFF_INTEGER_BITS)), (1 << 31) - 1.0)
    multiplier, left_shift = quantize_multiplier(real)
    radius = math.floor(1.0 * ((1 << SCALED_DIFF_INTEGER_BITS) - 1)
                        * (1 << (31 - SCALED_DIFF_INTEGER_BITS)) / (1 << left_shift))
    params = dict(input_multiplier=multiplier, input_left_shift=left_shift, diff_min=-radius)
    return r.qop(index, "softmax", [x], out, params)


def _exp_on_interval(a):
    """exp(a) for a in [-1/4, 0), Q0.31 in and out (gemmlowp)."""
    x = wrap32(a + (1 << 28))  # + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rdbp(x4, 2)
    poly = rdbp(wrap32(srdhm(wrap32(x4_over_4 + x3), 715827883) + x2), 1)
    constant = 1895147668  # exp(-1/8)
    return wrap32(constant + srdhm(constant, wrap32(x + poly)))


def exp_on_negative_values(a, integer_bits: int):
    """exp(a) for a <= 0 in Q(integer_bits).(31-integer_bits), result in Q0.31 (gemmlowp)."""
    xp = array_lib(a)
    a = xp.int64(a)
    fractional_bits = 31 - integer_bits
    one_quarter = 1 << (fractional_bits - 2)
    mask = one_quarter - 1
    a_mod = wrap32((a & mask) - one_quarter)
    result = _exp_on_interval(saturating_shift_left(a_mod, integer_bits))  # Rescale to Q0.31
    remainder = wrap32(a_mod - a)
    for exponent, multiplier in ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308),
                                 (2, 39332535), (3, 720401), (4, 242)):
        if integer_bits > exponent:
            bit = 1 << (fractional_bits + exponent)
            result = xp.where((remainder & bit) != 0, srdhm(result, multiplier), result)
    if integer_bits > 5:
        clamp = -(1 << (36 - integer_bits))
        result = xp.where(a < clamp, 0, result)
    return xp.where(a == 0, INT32_MAX, result)


def _one_over_one_plus_x(a):
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out (gemmlowp, 3 Newton-Raphson steps)."""
    xp = array_lib(a)
    total = a + INT32_MAX  # RoundingHalfSum(a, One): (sum + sign) / 2, truncating
    half_denominator = xp.where(total >= 0, (total + 1) >> 1, -((-(total - 1)) >> 1))
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))  # Q2.29
    for _ in range(3):
        one_minus = wrap32((1 << 29) - srdhm(half_denominator, x))
        x = wrap32(x + saturating_shift_left(srdhm(x, one_minus), 2))
    return saturating_shift_left(x, 1)


def _reciprocal(total):
    """GetReciprocal(sum in Q12.19) of each positive sum: (Q0.31 scale, number of bits over unit)."""
    xp = array_lib(total)
    headroom_plus_one = 32 - xp.bit_length(total)  # count leading zeros of a positive uint32
    bits_over_unit = ACCUMULATION_INTEGER_BITS - headroom_plus_one
    shifted_minus_one = wrap32(((total << headroom_plus_one) & 0xFFFFFFFF) - (1 << 31))
    return _one_over_one_plus_x(shifted_minus_one), bits_over_unit


def reference(op, x):
    """Softmax of every row (the last axis) at once, NumPy arrays or PyTorch tensors."""
    p = op.params
    xp = array_lib(x)
    rows = xp.int64(x).reshape(-1, x.shape[-1])
    diff = rows - xp.row_max(rows)
    valid = diff >= p["diff_min"]
    scaled = srdhm(diff * (1 << p["input_left_shift"]), p["input_multiplier"])
    exps = exp_on_negative_values(scaled, SCALED_DIFF_INTEGER_BITS)
    total = xp.row_sum(xp.where(valid, rdbp(exps, ACCUMULATION_INTEGER_BITS), 0))
    scale, bits_over_unit = _reciprocal(total)
    unsat = rdbp(srdhm(scale, exps), bits_over_unit + 31 - 8)
    return xp.int8(xp.where(valid, (unsat - 128).clip(-128, 127), -128)).reshape(-1, *op.output.shape[1:])
