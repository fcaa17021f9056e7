"""Bind mcuforge's hand-written float kernels (codegen/bound.py) where their patterns match.

Rewrites   conv1d (NCW/OIW as imported) -> conv2d over a map one pixel high (conv1d_as_conv2d.py),
           conv2d (NCHW/OIHW as imported) -> conv2d NHWC/OHWI with layout transposes where the
           graph enters and leaves the NHWC region (relax ConvertLayout; constant weights are
           transposed at compile time), then groups each conv2d, depthwise conv2d (depth
           multiplier 1) and dense with its bias and relu / clip, and each residual add with
           its relu / clip, and each average pooling without padding (with fp32 accumulation:
           each conv2d and dense with the cast of its fp32 result to fp16, its bias and relu /
           clip), into a function with the "Codegen" attribute "mcuforge" (FuseOpsByPattern),
           which LegalizeOps, FuseOps and FuseTIR leave alone; read_graph turns calls of those
           into kernel calls with const parameter structs.
Leaves     everything the patterns do not match (max pooling, means, grouped convolutions other
           than depthwise with multiplier 1, depthwise convolutions with fp32 accumulation, adds
           of a constant or with broadcasting) to TVM's generated code.

NHWC over the imported NCHW: the kernels vectorize over output channels, which are contiguous
in NHWC. Measured on ResNet-8 fp16, Cortex-M55: the conversion costs the transposes at the input
and before the classifier plus a slower NHWC mean, about 14 k instructions (0.3 % of the bound
model); TVM's own convolutions are 7 % slower in NHWC (59.3 M against 55.5 M instructions), so
--kernels tvm keeps the imported layout. Models without conv2d (after the conv1d rewrite) are not
converted. ConvertLayout of TVM 0.27 fails with std::bad_alloc on a squeeze with a negative axis
(as imported for 1-D and adaptive pooling): those axes are made positive first. The 1-D CNN
(models/cnn1d.py, fp16, Cortex-M55) then runs NHWC from its input transpose to the mean: its
three conv1d bind to mf_conv2d_f16 and its max pool runs NHWC, 41 k instructions against 184 k
with only the dense bound (201 k with --kernels tvm).
"""

from __future__ import annotations

import tvm
from tvm import relax

from tvm.relax.dpl import is_const, is_op, rewrite_call, wildcard

from ..codegen.bound import describe, is_bound, patterns
from .conv1d_as_conv2d import Conv1dAsConv2d

LAYOUTS = {"relax.nn.conv2d": ["NHWC", "OHWI"]}


def _fold_constant_casts(func: relax.Function) -> relax.Function:
    """astype(constant) -> constant: FoldConstant leaves the casts of scalars (clip bounds after
    ToMixedPrecision) alone, and the patterns want constants."""
    def cast(expr, _matches):
        const = expr.args[0]
        data = (const.value if hasattr(const, "value") else const.data).numpy()
        return relax.const(data.astype(str(expr.attrs.dtype)))

    return rewrite_call(is_op("relax.astype")(is_const()), cast, func)


def _positive_squeeze_axes(func: relax.Function) -> relax.Function:
    """squeeze(x, axis=[-2]) -> squeeze(x, axis=[ndim - 2]): ConvertLayout of TVM 0.27 fails with
    std::bad_alloc on a negative squeeze axis (the imported 1-D pooling and adaptive pooling)."""
    def positive(expr, _matches):
        axes = expr.attrs.axis
        if axes is None or all(int(a) >= 0 for a in axes):
            return expr
        ndim = expr.args[0].ty.ndim
        return relax.op.squeeze(expr.args[0], [int(a) % ndim for a in axes])

    return rewrite_call(is_op("relax.squeeze")(wildcard()), positive, func)


def _fold_constants(mod: tvm.IRModule) -> tvm.IRModule:
    mod = relax.transform.FoldConstant()(mod)
    mod["main"] = _fold_constant_casts(mod["main"])
    return mod


def _calls(func: relax.Function, op_name: str) -> bool:
    return any(isinstance(b.value, relax.Call) and getattr(b.value.op, "name", None) == op_name
               for block in func.body.blocks for b in block.bindings)


@tvm.transform.module_pass(opt_level=0, name="BindKernels")
def BindKernels(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (a pass, named like TVM's)
    mod = _fold_constants(mod)  # fp16 casts -> fp16 constants, for the conv1d rewrite
    mod = Conv1dAsConv2d(mod)
    if _calls(mod["main"], "relax.nn.conv2d"):
        mod["main"] = _positive_squeeze_axes(mod["main"])
        mod = relax.transform.ConvertLayout(LAYOUTS)(mod)
    mod = _fold_constants(mod)  # weight transposes -> OHWI
    mod = relax.transform.FuseOpsByPattern(patterns(), bind_constants=False, annotate_codegen=True)(mod)
    for gv, func in list(mod.functions.items()):
        if is_bound(func):  # legalization rewrites the composite inside: keep what the kernel needs
            mod[gv] = func.with_attr("mcuforge", describe(func))
    return mod
