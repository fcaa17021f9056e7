"""ClipAsMinMax: IR before, IR expected, structural comparison."""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax

from mcuforge.passes.clip_as_min_max import ClipAsMinMax

from .test_fold_batch_norm import _function as relax_function


def _function(body, dtype="float32"):
    return relax_function(body, (1, 4), dtype)


def test_clip_becomes_maximum_then_minimum_of_the_same_dtype():
    for dtype in ("float32", "float16"):
        before = _function(lambda bb, x: relax.op.clip(x, 0.0, 6.0), dtype)
        expected = _function(lambda bb, x: relax.op.minimum(
            bb.emit(relax.op.maximum(x, relax.const(np.array(0.0, dtype)))), relax.const(np.array(6.0, dtype))), dtype)
        tvm.ir.assert_structural_equal(ClipAsMinMax(before), expected)


def test_other_ops_are_left_alone():
    before = _function(lambda bb, x: relax.op.nn.relu(x))
    tvm.ir.assert_structural_equal(ClipAsMinMax(before), before)
