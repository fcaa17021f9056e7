"""Fold inference batch norm into the convolution before it.

Rewrites   batch_norm(conv(x, W) [+ b], gamma, beta, mean, var)[0]
into       conv(x, W * s) + (beta + (b - mean) * s),   s = gamma / sqrt(var + eps)

for conv1d and conv2d (any kernel layout, grouped and depthwise included) when W, b and the
batch-norm parameters are constants; the scale goes along the kernel's output-channel axis,
the new bias along the output's channel axis. Everything else is left alone, including batch
norms whose input is not a convolution (DecomposeOpsForInference turns those into arithmetic).
Needs constant-folded biases: run FoldConstant first (torch exports the bias as reshape(b)).
"""

from __future__ import annotations

import numpy as np
import tvm
from tvm import relax
from tvm.relax.dpl import is_const, is_op, is_tuple_get_item, rewrite_call, wildcard

_CONV = {"relax.nn.conv2d": relax.op.nn.conv2d, "relax.nn.conv1d": relax.op.nn.conv1d}


def _const(expr) -> np.ndarray:
    return (expr.value if hasattr(expr, "value") else expr.data).numpy()


def _pattern():
    x, w = wildcard(), is_const()
    conv = is_op("relax.nn.conv2d")(x, w) | is_op("relax.nn.conv1d")(x, w)
    with_bias = conv | is_op("relax.add")(conv, is_const())
    bn = is_op("relax.nn.batch_norm")(with_bias, is_const(), is_const(), is_const(), is_const())
    return is_tuple_get_item(bn, 0), conv, with_bias, bn


def _rewrite(expr, matches, conv_pat, with_bias_pat, bn_pat):
    conv, bn = matches[conv_pat], matches[bn_pat]
    gamma, beta, mean, var = (_const(a).astype(np.float64) for a in bn.args[1:5])
    scale = gamma / np.sqrt(var + float(bn.attrs.epsilon))
    bias = np.zeros_like(mean)
    biased = matches[with_bias_pat]
    if biased is not conv and getattr(biased.op, "name", "") == "relax.add":
        bias = _const(biased.args[1]).astype(np.float64).reshape(-1)
    a = conv.attrs
    w = _const(conv.args[1])
    o_axis = str(a.kernel_layout).index("O")
    shape = [1] * w.ndim
    shape[o_axis] = -1
    new_w = (w.astype(np.float64) * scale.reshape(shape)).astype(w.dtype)
    make = _CONV[conv.op.name]
    new_conv = make(conv.args[0], relax.const(new_w), strides=a.strides, padding=a.padding,
                    dilation=a.dilation, groups=a.groups, data_layout=a.data_layout,
                    kernel_layout=a.kernel_layout, out_layout=a.out_layout, out_dtype=a.out_dtype)
    out_layout = str(a.out_layout)
    bshape = [1] * len(out_layout)
    bshape[out_layout.index("C")] = -1
    new_bias = (beta + (bias - mean) * scale).astype(w.dtype).reshape(bshape)
    return relax.op.add(new_conv, relax.const(new_bias))


@tvm.transform.module_pass(opt_level=0, name="FoldBatchNorm")
def FoldBatchNorm(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (TVM pass naming)
    pattern, conv, with_bias, bn = _pattern()

    def rewriter(expr, matches):
        if float(matches[bn].attrs.epsilon) < 0 or matches[bn].attrs.training:
            return expr
        return _rewrite(expr, matches, conv, with_bias, bn)

    for gv, func in list(mod.functions.items()):
        if isinstance(func, relax.Function):
            mod[gv] = rewrite_call(pattern, rewriter, func)
    return mod
