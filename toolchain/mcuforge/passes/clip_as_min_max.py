"""Write clip(x, lo, hi) as minimum(maximum(x, lo), hi) with constant tensor bounds.

Rewrites   every relax clip whose bounds are numbers (PyTorch's ReLU6 and hardtanh) into
           maximum then minimum with scalar constants of x's dtype.
Leaves     everything else alone.

Why (the bound-kernel pipelines): ConvertLayout of TVM 0.27 has no layout rule for clip and
wraps every one in two transposes, and ToMixedPrecision fails ("Expected TensorType, but got
T.float64") on a clip whose input it converts to fp16, which happens once batch norms are
folded into the convolutions first; maximum and minimum convert like any elementwise op.
The kernel patterns (codegen/bound.py) take maximum-then-minimum as the activation.
"""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax
from tvm.relax.dpl import is_op, rewrite_call, wildcard


def _bound(expr) -> float:
    """A clip bound: a PrimValue of a float immediate (or of a plain float)."""
    while hasattr(expr, "value"):
        expr = expr.value
    return float(expr)


@tvm.transform.module_pass(opt_level=0, name="ClipAsMinMax")
def ClipAsMinMax(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (TVM pass naming)
    pattern = is_op("relax.clip")(wildcard(), wildcard(), wildcard())

    def rewriter(expr, _matches):
        x, lo, hi = expr.args
        dtype = str(x.ty.dtype)
        low = relax.op.maximum(x, relax.const(np.array(_bound(lo), dtype)))
        return relax.op.minimum(low, relax.const(np.array(_bound(hi), dtype)))

    for gv, func in list(mod.functions.items()):
        if isinstance(func, relax.Function):
            mod[gv] = rewrite_call(pattern, rewriter, func)
    return mod
