"""Conv1dAsConv2d: IR before, IR expected, structural comparison."""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax

from mcuforge.passes.conv1d_as_conv2d import Conv1dAsConv2d

from .test_fold_batch_norm import _function


def test_conv1d_bias_relu_become_conv2d_bias_relu_between_reshapes():
    w = np.arange(4 * 3 * 5, dtype="float32").reshape(4, 3, 5)
    b = np.arange(4, dtype="float32").reshape(1, 4, 1)
    before = _function(lambda bb, x: relax.op.nn.relu(bb.emit(relax.op.add(bb.emit(relax.op.nn.conv1d(
        x, relax.const(w), strides=2, padding=(2, 1))), relax.const(b)))), (1, 3, 16))

    def conv2d(bb, x):
        y = bb.emit(relax.op.nn.conv2d(bb.emit(relax.op.reshape(x, (1, 3, 1, 16))), relax.const(w[:, :, None, :]),
                                       strides=(1, 2), padding=(0, 2, 0, 1)))
        return relax.op.reshape(bb.emit(relax.op.nn.relu(bb.emit(relax.op.add(y, relax.const(b[..., None, :]))))), (1, 4, 8))

    tvm.ir.assert_structural_equal(Conv1dAsConv2d(before)["main"], _function(conv2d, (1, 3, 16))["main"])


def test_two_convolutions_meet_without_reshapes():
    w = np.ones((3, 3, 3), "float32")

    def two(bb, x):
        return relax.op.nn.conv1d(bb.emit(relax.op.nn.conv1d(x, relax.const(w), padding=1)), relax.const(w), padding=1)

    calls = [b.value.op.name for b in Conv1dAsConv2d(_function(two, (1, 3, 8)))["main"].body.blocks[0].bindings]
    assert calls == ["relax.reshape", "relax.nn.conv2d", "relax.nn.conv2d", "relax.reshape"]


def test_grouped_conv1d_is_left_alone():
    before = _function(lambda bb, x: relax.op.nn.conv1d(x, relax.const(np.ones((4, 1, 3), "float32")), groups=4),
                       (1, 4, 8))
    tvm.ir.assert_structural_equal(Conv1dAsConv2d(before), before)
