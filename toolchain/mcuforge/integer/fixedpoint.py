"""TFLite's fixed-point arithmetic (gemmlowp), in NumPy: the specification of the C kernels.

All functions take and return int64 NumPy arrays (or Python ints) holding int32 values, and
reproduce the int32 C arithmetic of TFLite Micro exactly: SaturatingRoundingDoublingHighMul,
RoundingDivideByPOT, MultiplyByQuantizedMultiplier (TFLite's default, double rounding), and
QuantizeMultiplier for the host-side preparation."""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def quantize_multiplier(real: float) -> tuple[int, int]:
    """(multiplier, shift) with real ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = int(math.copysign(math.floor(abs(q) * (1 << 31) + 0.5), q))  # TfLiteRound
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    return q_fixed, shift


def _trunc_div_pow2_31(x):
    """C's (int64)x / (1LL << 31): division rounding toward zero."""
    x = np.asarray(x, np.int64)
    return np.where(x >= 0, x >> 31, -((-x) >> 31))


def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul(a, b) for int32 a, b."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    ab = a * b
    nudge = np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    out = _trunc_div_pow2_31(ab + nudge)
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rdbp(x, exponent):
    """RoundingDivideByPOT(x, exponent): x / 2^exponent rounded to nearest, ties away from zero."""
    x = np.asarray(x, np.int64)
    exponent = np.asarray(exponent, np.int64)
    mask = (np.int64(1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def mbqm(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier(x, multiplier, shift), per element (arrays broadcast)."""
    shift = np.asarray(shift, np.int64)
    left = np.maximum(shift, 0)
    right = np.maximum(-shift, 0)
    return rdbp(srdhm(np.asarray(x, np.int64) * (np.int64(1) << left), multiplier), right)


def saturating_shift_left(x, exponent: int):
    """gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0."""
    x = np.asarray(x, np.int64)
    threshold = (1 << (31 - exponent)) - 1
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << exponent))


def wrap32(x):
    """int32 wrap-around of an int64 value (C's int32 addition)."""
    x = np.asarray(x, np.int64)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
