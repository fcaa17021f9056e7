"""Helpers shared by the int8 ops: activation ranges, SAME/VALID padding, per-channel
requantization parameters, exactly as TFLite Micro computes them."""

from __future__ import annotations

import math

import numpy as np

from ..fixedpoint import quantize_multiplier

# TFLite fused activations
ACT_NONE, ACT_RELU, ACT_RELU_N1_TO_1, ACT_RELU6 = 0, 1, 2, 3


def _tflite_round(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def activation_range(act: int, scale: float, zero_point: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for int8: the bounds in float32 arithmetic, as TFLite."""
    qmin, qmax = -128, 127

    def quantize(f: float) -> int:
        return zero_point + _tflite_round(float(np.float32(f) / np.float32(scale)))

    if act == ACT_NONE:
        return qmin, qmax
    if act == ACT_RELU:
        return max(qmin, quantize(0.0)), qmax
    if act == ACT_RELU6:
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if act == ACT_RELU_N1_TO_1:
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    raise ValueError(f"fused activation {act}")


def output_size(size: int, k: int, stride: int, dilation: int, same: bool) -> int:
    """The output length of a window of k taps sliding over `size` elements, as TFLite's
    ComputeOutSize: ceil(size / stride) with SAME padding, else only the windows inside."""
    effective = (k - 1) * dilation + 1
    return (size + stride - 1) // stride if same else (size - effective + stride) // stride


def same_padding(size: int, k: int, stride: int, dilation: int, out: int) -> int:
    """The padding before the data (TFLite's ComputePaddingHeightWidth: total // 2)."""
    effective = (k - 1) * dilation + 1
    return max(((out - 1) * stride + effective - size) // 2, 0)


def channel_multipliers(input_scale: float, filter_scales: np.ndarray, output_scale: float,
                        channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-output-channel (multiplier, shift) of input * filter / output, in double from the
    float32 scales, as TFLite Micro's PopulateConvolutionQuantizationParams."""
    scales = np.broadcast_to(np.asarray(filter_scales, np.float32), (channels,))
    mults, shifts = zip(*(quantize_multiplier(float(input_scale) * float(s) / float(output_scale))
                          for s in scales))
    return np.array(mults, np.int32), np.array(shifts, np.int32)


def windows(x: np.ndarray, kh: int, kw: int, sh: int, sw: int, dh: int, dw: int, oh: int, ow: int) -> np.ndarray:
    """(N, OH, OW, KH, KW, C) sliding windows of an already padded NHWC array."""
    n, _, _, c = x.shape
    s = x.strides
    return np.lib.stride_tricks.as_strided(
        x, (n, oh, ow, kh, kw, c), (s[0], s[1] * sh, s[2] * sw, s[1] * dh, s[2] * dw, s[3]), writeable=False)


def exact_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b of integer arrays (a: (..., K), b: (K, M)), exactly, through float64 BLAS: every
    product and every partial sum is an integer of magnitude at most K * max|a| * max|b|, below
    2^53 here (checked), so float64 represents each one exactly and the order of the additions
    does not matter. int8 operands with their offsets are at most 255 x 255 < 2^16 in magnitude,
    which leaves room for K up to 2^37."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    k = a.shape[-1]
    bound = k * float(np.max(np.abs(a64), initial=0)) * float(np.max(np.abs(b64), initial=0))
    if bound >= 2.0 ** 53:
        return a.astype(np.int64) @ b.astype(np.int64)
    return (a64 @ b64).astype(np.int64)
