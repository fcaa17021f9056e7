"""In-place layers: a window op whose input dies with it writes its output over that input,
from the lag integer/inplace.py computes. Each op sits between two copies (1x1 max pooling
over the full range) so that both its input and its output live in the arena; on every target,
with the kernel variant its target file selects, the outputs must equal the integer host
reference (which test_ops_vs_tflm checks against TFLite Micro), and the plan must really put
the output over the input."""

from __future__ import annotations

import dataclasses

import pytest

from mcuforge.core.planner import align
from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8, random_int8_inputs
from mcuforge.integer.graph import QGraph, QOp
from mcuforge.integer.inplace import lag
from mcuforge.integer.tflite_int8 import read_int8_tflite

from .test_ops_vs_tflm import CASES

IN_PLACE = [
    "conv 3x3 19 channels (SIMD dot, tails) same",  # stride 1, the output as large as the input
    "conv 1x1 40 channels (SIMD dot) valid",  # direct: the pairs read the input pixels themselves
    "conv 3x3 19 to 7 channels stride 2 same (block tails)",
    "conv 3x3 40 to 5 channels dilation 2 same relu6",
    "conv 1x1 stride 2 odd pixel count",
    "depthwise 3x3 37 channels (vector tails) same relu6",
    "depthwise 3x3 multiplier 2 stride 2 same relu",
    "avg pool 3x3 stride 2 same",
    "max pool 2x2 valid relu",
    "avg pool 3x3 37 channels (vector tails) stride 1 same relu6",  # blocks of channels, then the tail
    "max pool 3x3 37 channels (vector tails) stride 1 same relu6",
    "max pool 3x2 19 channels stride 2 same",
]


def _copy(src, dst) -> QOp:
    """dst = src: max pooling over 1x1 windows, clamped to the whole int8 range."""
    return QOp(-1, "max_pool2d", [src], dst, dict(filter=(1, 1), stride=(1, 1), pad=(0, 0), act_min=-128, act_max=127))


def _between_copies(graph: QGraph) -> QGraph:
    (op,) = graph.ops
    x = graph.input
    mid = dataclasses.replace(x, id=1000, name="mid")
    y = dataclasses.replace(op.output, id=1001, name="y")
    out = dataclasses.replace(op.output, id=1002, name="out")
    middle = dataclasses.replace(op, inputs=[mid], output=y)
    return QGraph([x, mid, y, out], [_copy(x, mid), middle, _copy(y, out)], x, out)


@pytest.mark.parametrize("case", IN_PLACE)
def test_op_writes_over_its_input_bit_exact(case, target, tmp_path):
    path = tmp_path / "op.tflite"
    path.write_bytes(CASES[case]())
    graph = _between_copies(read_int8_tflite(path))
    compiled = compile_int8(graph, "op", target, tmp_path / "out")
    plan = compiled.plan
    assert [(o.input, o.output) for o in plan.overlaps] == [("t1000", "t1001")]
    mid, y = plan.offset("t1000"), plan.offset("t1001")
    assert y + align(lag(graph.ops[1])) == mid, plan.render_ascii()  # y starts lag below its input...
    assert mid < y + graph.ops[1].output.nbytes  # ...and shares its memory
    inputs = random_int8_inputs(graph, 6, seed=5)
    run = run_on_target(compiled, inputs, tmp_path / "work")
    assert run.mismatches == 0, f"{case} in place on {target.name} differs from the host reference"


def _first_safe_lag(op) -> int:
    """By brute force over byte sets: the smallest distance below its input at which the output
    can be written in the kernels' order (pixels row-major, conv2d in pairs) without a write
    reaching an input byte its own unit or a later one reads."""
    from mcuforge.integer.inplace import _window

    (_, ih, iw, ic), (_, oh, ow, oc) = op.inputs[0].shape, op.output.shape
    (kh, kw), (sh, sw), (dh, dw), (ph, pw) = _window(op)
    unit = 2 if op.kind == "conv2d" else 1
    pixels = [(oy, ox) for oy in range(oh) for ox in range(ow)]
    units = [pixels[i:i + unit] for i in range(0, len(pixels), unit)]

    def reads(u):
        got = set()
        for oy, ox in u:
            for ky in range(kh):
                for kx in range(kw):
                    iy, ix = oy * sh - ph + ky * dh, ox * sw - pw + kx * dw
                    if 0 <= iy < ih and 0 <= ix < iw:
                        got.update(range((iy * iw + ix) * ic, (iy * iw + ix + 1) * ic))
        return got

    unit_reads = [reads(u) for u in units]
    for distance in range(0, ih * iw * ic + 1):
        written, start, ok = set(), 0, True
        for u, r in zip(units, unit_reads):
            writes = set(range(start - distance, start + len(u) * oc - distance))
            start += len(u) * oc
            if r & (written | writes):
                ok = False
                break
            written |= writes
        if ok:
            return distance
    raise AssertionError("no distance works")


@pytest.mark.parametrize("case", IN_PLACE)
def test_lag_is_the_smallest_safe_distance(case, tmp_path):
    path = tmp_path / "op.tflite"
    path.write_bytes(CASES[case]())
    (op,) = read_int8_tflite(path).ops
    assert lag(op) == _first_safe_lag(op)
