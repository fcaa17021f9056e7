"""FoldBatchNorm: IR before, IR expected, structural comparison."""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax

from mcuforge.passes.fold_batch_norm import FoldBatchNorm

RNG = np.random.default_rng(0)
W = RNG.normal(size=(3, 2, 3, 3)).astype("float32")
B = RNG.normal(size=(1, 3, 1, 1)).astype("float32")
GAMMA, BETA, MEAN = (RNG.normal(size=3).astype("float32") for _ in range(3))
VAR = RNG.uniform(0.5, 1.5, size=3).astype("float32")
EPS = 1e-5


def _function(body, shape=(1, 2, 8, 8), dtype="float32"):
    """main(x) with the dataflow built by body(bb, x), which returns the output expression."""
    x = relax.Var("x", relax.TensorType(shape, dtype))
    bb = relax.BlockBuilder()
    with bb.function("main", [x]):
        with bb.dataflow():
            gv = bb.emit_output(body(bb, x))
        bb.emit_func_output(gv)
    return bb.get()


def _conv(bb, x, w):
    return bb.emit(relax.op.nn.conv2d(x, relax.const(w), padding=[1, 1, 1, 1]))


def test_conv_bias_batch_norm_becomes_conv_plus_bias():
    def before(bb, x):
        y = bb.emit(relax.op.add(_conv(bb, x, W), relax.const(B)))
        bn = bb.emit(relax.op.nn.batch_norm(y, *(relax.const(a) for a in (GAMMA, BETA, MEAN, VAR)),
                                            axis=1, epsilon=EPS, training=False))
        return relax.TupleGetItem(bn, 0)

    scale = GAMMA.astype(np.float64) / np.sqrt(VAR.astype(np.float64) + EPS)
    w_folded = (W.astype(np.float64) * scale.reshape(-1, 1, 1, 1)).astype("float32")
    b_folded = (BETA + (B.reshape(-1) - MEAN) * scale).astype("float32").reshape(1, 3, 1, 1)

    def expected(bb, x):
        return relax.op.add(_conv(bb, x, w_folded), relax.const(b_folded))

    after = FoldBatchNorm(_function(before))
    after = relax.transform.CanonicalizeBindings()(relax.transform.DeadCodeElimination()(after))
    tvm.ir.assert_structural_equal(after, _function(expected), map_free_vars=True)


def test_batch_norm_after_something_else_is_left_alone():
    def before(bb, x):
        y = bb.emit(relax.op.add(x, x))
        bn = bb.emit(relax.op.nn.batch_norm(y, *(relax.const(a[:2]) for a in (GAMMA, BETA, MEAN, VAR)),
                                            axis=1, epsilon=EPS, training=False))
        return relax.TupleGetItem(bn, 0)

    mod = _function(before)
    tvm.ir.assert_structural_equal(FoldBatchNorm(mod), mod)
