"""Turn calls of generated TIR functions that are exactly an elementwise maximum or minimum back
into Relax's maximum / minimum.

Rewrites   call_tir(f, (x, y)) where f is structurally equal to what topi.maximum (or
           topi.minimum) of x's and y's shapes and dtypes generates -> relax.maximum(x, y)
           (relax.minimum(x, y)). TVM's ONNX importer writes Clip (a ReLU6 after a
           convolution, in every MobileNet exported to ONNX) that way, with bb.emit_te; as TIR
           calls the clip is invisible to the kernel patterns (codegen/bound.py), and the fp16
           conversion (ToMixedPrecision) fails on them ("Expected TensorType, but got
           R.Callable").
Leaves     every other call_tir, and calls whose function merely has the same name: the test is
           structural equality with a function generated here, not a name.
"""

from __future__ import annotations

import tvm
from tvm import relax, te, topi
from tvm.relax.dpl import is_op, rewrite_call, wildcard
from tvm_ffi.structural import structural_equal

_ELEMENTWISE = ((topi.maximum, relax.op.maximum), (topi.minimum, relax.op.minimum))


def _as_op(func, args):
    """The Relax op that computes what the TIR function `func` computes on `args`, or None."""
    if not isinstance(func, tvm.tirx.PrimFunc) or len(args) != 2:
        return None
    if not all(isinstance(a.ty, relax.TensorType) and a.ty.shape is not None for a in args):
        return None
    placeholders = [te.placeholder(list(a.ty.shape.values), str(a.ty.dtype)) for a in args]
    for generate, op in _ELEMENTWISE:
        generated = te.create_prim_func([*placeholders, generate(*placeholders)]).without_attr("global_symbol")
        if structural_equal(func, generated, map_free_vars=True):
            return op
    return None


@tvm.transform.module_pass(opt_level=0, name="TeCallsAsOps")
def TeCallsAsOps(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (a pass, named like TVM's)
    def rewrite(call, _matches):
        if not isinstance(call, relax.Call):  # a variable bound to the matched call: left as it is
            return call
        callee, args = call.args[0], list(call.args[1].fields)
        op = _as_op(mod[callee], args) if isinstance(callee, tvm.ir.GlobalVar) else None
        return op(*args) if op is not None else call

    pattern = is_op("relax.call_tir")(wildcard(), wildcard())
    mod["main"] = rewrite_call(pattern, rewrite, mod["main"])
    return mod
