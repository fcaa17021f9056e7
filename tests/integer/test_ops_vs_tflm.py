"""Each int8 op against TFLite Micro on random tensors, with the shapes and settings the MLPerf
models do not reach (odd sizes, strides, dilation, VALID padding, depth multipliers,
activations): the NumPy reference on the host, and on every simulated target the kernel variant
its target file selects (ref, arm_dsp, arm_mve, rvv)."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8, random_int8_inputs
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference
from mcuforge.integer.tflm import tflm_outputs

from .tflite_builder import INT32, OPTIONS_TYPE, T, build, options

RNG = np.random.default_rng(42)
SAME, VALID = 0, 1
NONE, RELU, RELU6 = 0, 1, 3


def _out_size(size, k, stride, dilation, padding):
    if padding == SAME:
        return -(-size // stride)
    return -(-(size - (k - 1) * dilation) // stride)


def _conv(depthwise: bool, h, w, c, o_or_m, kh, kw, stride, dilation, padding, act, extreme=False):
    """extreme: per-channel scales from 1e-6 to 4 (requantization shifts from about -21 to +1),
    weights mostly -127 / 127 and an input zero point of 127."""
    x = T((1, h, w, c), [0.05], [127 if extreme else -3])
    oh, ow = _out_size(h, kh, stride[0], dilation[0], padding), _out_size(w, kw, stride[1], dilation[1], padding)
    oc = c * o_or_m if depthwise else o_or_m
    w_scale = list(RNG.uniform(0.002, 0.02, oc))
    wshape = (1, kh, kw, oc) if depthwise else (oc, kh, kw, c)
    data = RNG.integers(-127, 128, wshape).astype(np.int8)
    if extreme:
        w_scale = list(np.resize([1e-6, 4.0, 0.3, 1e-3, 0.02], oc))
        data = np.where(RNG.random(wshape) < 0.8, RNG.choice(np.array([-127, 127], np.int8), wshape), data)
    weights = T(wshape, w_scale, [0] * oc, data=data, axis=3 if depthwise else 0)
    bias = T((oc,), [0.05 * s for s in w_scale], [0] * oc, type=INT32, data=RNG.integers(-2000, 2000, oc).astype(np.int32))
    out = T((1, oh, ow, oc), [0.08], [7])
    fields = dict(Padding=padding, StrideW=stride[1], StrideH=stride[0], FusedActivationFunction=act,
                  DilationWFactor=dilation[1], DilationHFactor=dilation[0])
    if depthwise:
        fields["DepthMultiplier"] = o_or_m
        kind, code = "DepthwiseConv2DOptions", 4
    else:
        kind, code = "Conv2DOptions", 3
    return build(code, OPTIONS_TYPE[kind], options(kind, **fields), [x, weights, bias, out], [0, 1, 2], [3], [0], [3])


def _fully_connected(depth, units, act, per_channel):
    x = T((1, depth), [0.04], [11])
    w_scale = list(RNG.uniform(0.002, 0.02, units)) if per_channel else [0.01]
    weights = T((units, depth), w_scale, [0] * len(w_scale), data=RNG.integers(-127, 128, (units, depth)).astype(np.int8))
    bias_scale = [0.04 * s for s in w_scale] if per_channel else [0.04 * 0.01]
    bias = T((units,), bias_scale, [0] * len(bias_scale), type=INT32, data=RNG.integers(-500, 500, units).astype(np.int32))
    out = T((1, units), [0.1], [-20])
    return build(9, OPTIONS_TYPE["FullyConnectedOptions"], options("FullyConnectedOptions", FusedActivationFunction=act),
                 [x, weights, bias, out], [0, 1, 2], [3], [0], [3])


def _pool(code, h, w, c, k, stride, padding, act=NONE):
    x = T((1, h, w, c), [0.03], [4])
    oh, ow = _out_size(h, k[0], stride[0], 1, padding), _out_size(w, k[1], stride[1], 1, padding)
    out = T((1, oh, ow, c), [0.03], [4])
    opts = options("Pool2DOptions", Padding=padding, StrideW=stride[1], StrideH=stride[0], FilterWidth=k[1],
                   FilterHeight=k[0], FusedActivationFunction=act)
    return build(code, OPTIONS_TYPE["Pool2DOptions"], opts, [x, out], [0], [1], [0], [1])


def _softmax(depth, scale, beta):
    x = T((1, depth), [scale], [-10])
    out = T((1, depth), [1 / 256], [-128])
    return build(25, OPTIONS_TYPE["SoftmaxOptions"], options("SoftmaxOptions", Beta=beta), [x, out], [0], [1], [0], [1])


def _add_self(size, act):
    """x + x: the graph has one input; the two operand rescalings still run separately."""
    x = T((1, size), [0.07], [-5])
    out = T((1, size), [0.09], [3])
    return build(0, OPTIONS_TYPE["AddOptions"], options("AddOptions", FusedActivationFunction=act),
                 [x, out], [0, 0], [1], [0], [1])


CASES = {
    "conv 3x2 stride 2x1 dilation 1x2 same relu6": lambda: _conv(False, 9, 11, 3, 5, 3, 2, (2, 1), (1, 2), SAME, RELU6),
    "conv 3x3 valid stride 2 none": lambda: _conv(False, 10, 7, 4, 6, 3, 3, (2, 2), (1, 1), VALID, NONE),
    "conv 1x1 odd channels relu": lambda: _conv(False, 5, 5, 7, 9, 1, 1, (1, 1), (1, 1), SAME, RELU),
    "conv 3x3 19 channels (SIMD dot, tails) same": lambda: _conv(False, 6, 5, 19, 6, 3, 3, (1, 1), (1, 1), SAME, RELU),
    "conv 10x4 of 1 channel (as depthwise) stride 2": lambda: _conv(False, 13, 8, 1, 18, 10, 4, (2, 2), (1, 1), SAME, RELU),
    "conv 1x1 40 channels (SIMD dot) valid": lambda: _conv(False, 4, 3, 40, 5, 1, 1, (1, 1), (1, 1), VALID, NONE),
    "conv 3x3 19 to 7 channels stride 2 same (block tails)": lambda: _conv(False, 9, 7, 19, 7, 3, 3, (2, 2), (1, 1), SAME, NONE),
    "conv 3x3 40 to 5 channels dilation 2 same relu6": lambda: _conv(False, 8, 9, 40, 5, 3, 3, (1, 1), (2, 2), SAME, RELU6),
    "conv 5x3 3 channels stride 1x2 same, one output column": lambda: _conv(False, 7, 2, 3, 13, 5, 3, (1, 2), (1, 1), SAME, RELU),
    "conv 1x1 stride 2 odd pixel count": lambda: _conv(False, 5, 5, 16, 9, 1, 1, (2, 2), (1, 1), VALID, NONE),
    "conv 3x3 per-channel extremes": lambda: _conv(False, 6, 6, 17, 10, 3, 3, (1, 1), (1, 1), SAME, NONE, extreme=True),
    "depthwise 3x3 per-channel extremes": lambda: _conv(True, 6, 5, 21, 1, 3, 3, (1, 1), (1, 1), SAME, RELU, extreme=True),
    "depthwise 3x3 multiplier 2 stride 2 same relu": lambda: _conv(True, 9, 8, 3, 2, 3, 3, (2, 2), (1, 1), SAME, RELU),
    "depthwise 5x3 dilation 2 valid": lambda: _conv(True, 12, 10, 5, 1, 5, 3, (1, 1), (2, 2), VALID, NONE),
    "depthwise 3x3 37 channels (vector tails) same relu6": lambda: _conv(True, 5, 6, 37, 1, 3, 3, (1, 1), (1, 1), SAME, RELU6),
    "depthwise 3x3 32 channels (whole blocks) stride 2 same": lambda: _conv(True, 7, 4, 32, 1, 3, 3, (2, 2), (1, 1), SAME, NONE),
    "depthwise 4x2 of 1 channel multiplier 7 (as conv2d) same": lambda: _conv(True, 6, 5, 1, 7, 4, 2, (1, 1), (1, 1), SAME, RELU),
    "fully connected per-tensor relu": lambda: _fully_connected(37, 11, RELU, per_channel=False),
    "fully connected per-channel": lambda: _fully_connected(50, 13, NONE, per_channel=True),
    "fully connected 3 deep (no whole word)": lambda: _fully_connected(3, 5, NONE, per_channel=True),
    "fully connected 130 deep 12 units (vector chunks, whole unit blocks)": lambda: _fully_connected(130, 12, RELU, per_channel=True),
    "avg pool 3x3 stride 2 same": lambda: _pool(1, 7, 9, 3, (3, 3), (2, 2), SAME),
    "avg pool 2x4 valid": lambda: _pool(1, 6, 9, 5, (2, 4), (2, 3), VALID),
    "max pool 3x3 stride 2 same": lambda: _pool(17, 7, 9, 3, (3, 3), (2, 2), SAME),
    "max pool 2x2 valid relu": lambda: _pool(17, 8, 6, 4, (2, 2), (2, 2), VALID, RELU),
    "avg pool 3x3 37 channels (vector tails) stride 1 same relu6": lambda: _pool(1, 6, 5, 37, (3, 3), (1, 1), SAME, RELU6),
    "max pool 3x3 37 channels (vector tails) stride 1 same relu6": lambda: _pool(17, 6, 5, 37, (3, 3), (1, 1), SAME, RELU6),
    "avg pool 2x3 19 channels stride 2 same relu": lambda: _pool(1, 7, 8, 19, (2, 3), (2, 2), SAME, RELU),
    "max pool 3x2 19 channels stride 2 same": lambda: _pool(17, 8, 7, 19, (3, 2), (2, 2), SAME),
    "avg pool 2x2 9 channels stride 2 same, one-tap corner": lambda: _pool(1, 5, 5, 9, (2, 2), (2, 2), SAME),
    # global pooling; TFLite Micro's interpreter here gets an arena of 10x the model file,
    # about 4 KB for the tensors: the 64 channels of the MLPerf models are in MODEL_POOLS
    "avg pool global 25x5 of 24 channels (the KWS window)": lambda: _pool(1, 25, 5, 24, (25, 5), (1, 1), VALID),
    "avg pool global 8x8 of 48 channels (the ResNet-8 window)": lambda: _pool(1, 8, 8, 48, (8, 8), (1, 1), VALID),
    "avg pool global 16x16 of 12 channels (int16 sums)": lambda: _pool(1, 16, 16, 12, (16, 16), (1, 1), VALID),
    "avg pool global 20x20 of 9 channels (int32 chunks)": lambda: _pool(1, 20, 20, 9, (20, 20), (1, 1), VALID),
    "avg pool 1x300 of 5 channels (a row past 256 taps)": lambda: _pool(1, 1, 300, 5, (1, 300), (1, 1), VALID),
    "max pool global 17x16 of 11 channels": lambda: _pool(17, 17, 16, 11, (17, 16), (1, 1), VALID),
    "add 37 elements (vector tails) relu": lambda: _add_self(37, RELU),
    "softmax 23 wide": lambda: _softmax(23, 0.1, 1.0),
    "softmax large scale beta 0.5": lambda: _softmax(10, 0.5, 0.5),
}


@pytest.mark.parametrize("case", list(CASES))
def test_op_matches_tflite_micro(case, target, tmp_path):
    path = tmp_path / "op.tflite"
    path.write_bytes(CASES[case]())
    graph = read_int8_tflite(path)
    inputs = random_int8_inputs(graph, 10, seed=3)
    want = tflm_outputs(path, inputs)
    host = np.stack([run_reference(graph, x) for x in inputs])
    assert np.array_equal(host.reshape(want.shape), want), f"{case}: host reference differs from TFLite Micro"
    compiled = compile_int8(graph, "op", target, tmp_path / "out")
    run = run_on_target(compiled, inputs, tmp_path / "work")
    assert np.array_equal(run.outputs.reshape(want.shape), want), f"{case}: the C kernel differs from TFLite Micro"


# The MLPerf models' global average pooling (their whole models run against TFLite Micro in
# test_mlperf_int8), checked here against the integer host reference.
MODEL_POOLS = {
    "avg pool global 25x5 of 64 channels (KWS)": lambda: _pool(1, 25, 5, 64, (25, 5), (1, 1), VALID),
    "avg pool global 8x8 of 64 channels (ResNet-8)": lambda: _pool(1, 8, 8, 64, (8, 8), (1, 1), VALID),
}
POOL_EXTREMES = {**{case: CASES[case] for case in [
    "avg pool global 16x16 of 12 channels (int16 sums)",
    "avg pool global 20x20 of 9 channels (int32 chunks)",
    "avg pool 3x3 37 channels (vector tails) stride 1 same relu6",
    "avg pool 2x2 9 channels stride 2 same, one-tap corner",
    "max pool global 17x16 of 11 channels",
    "max pool 3x3 37 channels (vector tails) stride 1 same relu6",
]}, **MODEL_POOLS}


@pytest.mark.parametrize("case", list(POOL_EXTREMES))
def test_pool_extreme_inputs(case, target, tmp_path):
    """The sums' bounds: every input -128 (a 16x16 window sums to -32768), every input 127, and
    random -128 / 127; against the integer host reference, and TFLite Micro where its arena
    holds the tensors."""
    path = tmp_path / "op.tflite"
    path.write_bytes(POOL_EXTREMES[case]())
    graph = read_int8_tflite(path)
    shape = (1, *graph.input.shape)
    inputs = np.concatenate([np.full(shape, -128, np.int8), np.full(shape, 127, np.int8),
                             RNG.choice(np.array([-128, 127], np.int8), shape)])
    compiled = compile_int8(graph, "op", target, tmp_path / "out")
    run = run_on_target(compiled, inputs, tmp_path / "work")
    assert run.mismatches == 0, f"{case}: the C kernel differs from the host reference"
    if case in CASES:
        want = tflm_outputs(path, inputs)
        assert np.array_equal(run.outputs.reshape(want.shape), want), f"{case}: the C kernel differs from TFLite Micro"
