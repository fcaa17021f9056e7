"""Rewrite each 1-D convolution as a 2-D one over a map one pixel high, so that the conv2d
kernels bind it (codegen/bound.py) and ConvertLayout takes it to NHWC.

Rewrites   conv1d(x NCW, constant w OIW)  ->  reshape(conv2d(reshape(x, N C 1 W), w as O I 1 K
           NCHW/OIHW, padding (0, left, 0, right)), N C' W'), then sinks that reshape below the
           elementwise ops that follow it (add of a constant, as the bias becomes N C' 1 1;
           relu; maximum / minimum with a constant: clips), so that conv2d + bias + activation
           are adjacent for the patterns; last, a reshape or expand_dims of a reshape or
           squeeze that gives back the shape before both becomes that tensor, so that the
           next conv2d, or the 1-D pooling (expand_dims / pool2d / squeeze as imported), reads
           the 4-D result directly and ConvertLayout keeps the whole chain NHWC.
Leaves     grouped 1-D convolutions, ones with non-constant weights or other layouts, and 1-D
           pooling itself alone.

Reshapes cost nothing at run time (views), but where ConvertLayout meets one it transposes
to NCHW and back: hence the collapsing.
"""

from __future__ import annotations

import tvm
from tvm import relax
from tvm.relax.dpl import is_const, is_op, rewrite_call, wildcard


def _shape(expr) -> list[int]:
    return [int(d) for d in expr.ty.shape]


def _conv1d(expr, matches):
    a = expr.attrs
    if (a.data_layout, a.kernel_layout, a.out_layout, int(a.groups)) != ("NCW", "OIW", "NCW", 1):
        return expr
    x, w = expr.args
    n, c, width = _shape(x)
    weights = (w.value if hasattr(w, "value") else w.data).numpy()
    y = relax.op.nn.conv2d(relax.op.reshape(x, (n, c, 1, width)),
                           relax.const(weights[:, :, None, :]), strides=(1, int(a.strides[0])),
                           padding=(0, int(a.padding[0]), 0, int(a.padding[1])), dilation=(1, int(a.dilation[0])),
                           out_dtype=a.out_dtype)
    return relax.op.reshape(y, _shape(expr))


_FLAT = is_op("relax.reshape")(wildcard(), wildcard())  # N C 1 W -> N C W, checked in _sink
_CONST = is_const()
_ELEMENTWISE = [is_op("relax.add")(_FLAT, _CONST), is_op("relax.nn.relu")(_FLAT),
                is_op("relax.maximum")(_FLAT, _CONST), is_op("relax.minimum")(_FLAT, _CONST)]


def _sink(expr, matches):
    flat = matches[_FLAT]
    inner = flat.args[0]
    if not isinstance(inner.ty, relax.TensorType) or inner.ty.ndim != 4 or _shape(inner)[2] != 1:
        return expr
    args = [inner]
    if _CONST in matches:
        data = (matches[_CONST].value if hasattr(matches[_CONST], "value") else matches[_CONST].data).numpy()
        args.append(relax.const(data[..., None, :] if data.ndim >= 2 else data))  # (1, C, 1) -> (1, C, 1, 1)
    return relax.op.reshape(relax.Call(expr.op, args, expr.attrs), _shape(expr))


_INNER = is_op("relax.reshape")(wildcard(), wildcard()) | is_op("relax.squeeze")(wildcard())
_ROUND_TRIPS = [is_op("relax.reshape")(_INNER, wildcard()), is_op("relax.expand_dims")(_INNER)]


def _collapse(expr, matches):
    """reshape-like(reshape-like(x)) with x's shape -> x."""
    inner = matches[_INNER].args[0]
    return inner if isinstance(inner.ty, relax.TensorType) and _shape(inner) == _shape(expr) else expr


@tvm.transform.module_pass(opt_level=0, name="Conv1dAsConv2d")
def Conv1dAsConv2d(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (a pass, named like TVM's)
    func = rewrite_call(is_op("relax.nn.conv1d")(wildcard(), is_const()), _conv1d, mod["main"])
    for _ in range(3):  # bias, then the activation (relu, or maximum then minimum)
        for pattern in _ELEMENTWISE:
            func = rewrite_call(pattern, _sink, func)
    for pattern in _ROUND_TRIPS:
        func = rewrite_call(pattern, _collapse, func)
    mod["main"] = func
    return mod
