"""TeCallsAsOps: IR before (TIR calls as TVM's ONNX importer writes a Clip), IR expected,
structural comparison."""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax, topi

from mcuforge.passes.te_calls_as_ops import TeCallsAsOps

from .test_fold_batch_norm import _function as relax_function

LOW, HIGH = relax.const(np.array(0.0, "float32")), relax.const(np.array(6.0, "float32"))


def _function(body):
    return relax_function(body, (1, 4, 3, 3))


def test_tir_maximum_and_minimum_become_relax_ops():
    before = _function(lambda bb, x: bb.emit_te(topi.minimum, bb.emit_te(topi.maximum, x, LOW), HIGH))
    expected = _function(lambda bb, x: relax.op.minimum(bb.emit(relax.op.maximum(x, LOW)), HIGH))
    after = relax.transform.DeadCodeElimination()(TeCallsAsOps(before))  # the TIR functions, now unused
    tvm.ir.assert_structural_equal(after, expected)


def test_other_tir_calls_are_left_alone():
    """An add of the same operands is structurally no maximum, whatever the function's name."""
    before = _function(lambda bb, x: bb.emit_te(topi.add, x, LOW, primfunc_name_hint="maximum"))
    tvm.ir.assert_structural_equal(TeCallsAsOps(before), before)
