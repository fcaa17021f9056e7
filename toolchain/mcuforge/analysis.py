"""Model analysis on Relax (reads, rewrites nothing): multiply-accumulates per inference."""

from __future__ import annotations

import numpy as np
from tvm import relax


def _shape(expr) -> tuple[int, ...]:
    return tuple(int(d) for d in expr.ty.shape.values)


def count_macs(mod) -> int:
    """MACs of conv1d/conv2d (incl. grouped and depthwise), matmul and dense in `main`."""
    total = 0

    @relax.expr_functor.visitor
    class Visitor(relax.PyExprVisitor):
        def visit_call_(self, call):  # noqa: N802 (TVM's visitor naming)
            nonlocal total
            name = getattr(call.op, "name", "")
            if name in ("relax.nn.conv2d", "relax.nn.conv1d"):
                w = _shape(call.args[1])  # in kernel_layout, e.g. OIHW or HWIO; I is in/groups
                out_channels = w[str(call.attrs.kernel_layout).index("O")]
                total += int(np.prod(_shape(call))) * int(np.prod(w)) // out_channels
            elif name == "relax.matmul":
                a, out = _shape(call.args[0]), _shape(call)
                total += int(np.prod(out)) * a[-1]
            for arg in call.args:
                self.visit_expr(arg)

    Visitor().visit_expr(mod["main"])
    return total
