"""TFLite's fixed-point arithmetic (gemmlowp), in NumPy: the specification of the C kernels.

All functions take and return int64 arrays holding int32 values -- NumPy arrays (or Python
ints), or PyTorch tensors on any device, which is how the evaluator runs the same arithmetic on
a GPU -- and reproduce the int32 C arithmetic of TFLite Micro exactly: SaturatingRoundingDoublingHighMul,
RoundingDivideByPOT, MultiplyByQuantizedMultiplier (TFLite's default, double rounding), and
QuantizeMultiplier for the host-side preparation."""

from __future__ import annotations

import math

import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


class _NumPy:
    where = staticmethod(np.where)

    @staticmethod
    def int64(x):
        return np.asarray(x, np.int64)

    @staticmethod
    def int8(x):
        return np.asarray(x).astype(np.int8)

    @staticmethod
    def row_max(x):
        return x.max(axis=-1, keepdims=True)

    @staticmethod
    def row_sum(x):
        return x.sum(axis=-1, keepdims=True)

    @staticmethod
    def bit_length(x):
        """The bit length of positive integers below 2^53 (exact: float64 holds them)."""
        return np.frexp(np.asarray(x, np.float64))[1].astype(np.int64)


class _Torch:
    def __init__(self, device):
        import torch

        self.torch, self.device = torch, device

    def where(self, cond, a, b):
        return self.torch.where(cond, self.int64(a), self.int64(b))

    def int64(self, x):
        return self.torch.as_tensor(x, dtype=self.torch.int64, device=self.device)

    def int8(self, x):
        return x.to(self.torch.int8)

    def row_max(self, x):
        return x.amax(dim=-1, keepdim=True)

    def row_sum(self, x):
        return x.sum(dim=-1, keepdim=True)

    def bit_length(self, x):
        return self.torch.frexp(x.to(self.torch.float64)).exponent.to(self.torch.int64)


def array_lib(*xs):
    """The array library of the arguments: NumPy, or PyTorch when any of them is a tensor."""
    for x in xs:
        if type(x).__module__.startswith("torch"):
            return _Torch(x.device)
    return _NumPy


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
    xp = array_lib(x)
    x = xp.int64(x)
    return xp.where(x >= 0, x >> 31, -((-x) >> 31))


def srdhm(a, b):
    """SaturatingRoundingDoublingHighMul(a, b) for int32 a, b."""
    xp = array_lib(a, b)
    a, b = xp.int64(a), xp.int64(b)
    ab = a * b
    nudge = xp.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    out = _trunc_div_pow2_31(ab + nudge)
    return xp.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, out)


def rdbp(x, exponent):
    """RoundingDivideByPOT(x, exponent): x / 2^exponent rounded to nearest, ties away from zero."""
    xp = array_lib(x, exponent)
    x, exponent = xp.int64(x), xp.int64(exponent)
    mask = ((exponent * 0 + 1) << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> exponent) + (remainder > threshold)


def mbqm(x, multiplier, shift):
    """MultiplyByQuantizedMultiplier(x, multiplier, shift), per element (arrays broadcast)."""
    xp = array_lib(x, shift)
    shift = xp.int64(shift)
    left, right = shift.clip(min=0), (-shift).clip(min=0)
    return rdbp(srdhm(xp.int64(x) << left, multiplier), right)


def saturating_shift_left(x, exponent: int):
    """gemmlowp SaturatingRoundingMultiplyByPOT<exponent> for exponent > 0."""
    xp = array_lib(x)
    x = xp.int64(x)
    threshold = (1 << (31 - exponent)) - 1
    return xp.where(x > threshold, INT32_MAX, xp.where(x < -threshold, INT32_MIN, x << exponent))


def wrap32(x):
    """int32 wrap-around of an int64 value (C's int32 addition)."""
    x = array_lib(x).int64(x)
    return ((x + (1 << 31)) & 0xFFFFFFFF) - (1 << 31)
