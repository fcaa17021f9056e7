"""Bind mcuforge's hand-written float kernels (codegen/bound.py) where their patterns match.

Rewrites   each dense (matmul by a constant) with its bias and relu / clip into a function with
           the "Codegen" attribute "mcuforge" (FuseOpsByPattern), which LegalizeOps, FuseOps and
           FuseTIR leave alone; read_graph turns calls of those into kernel calls with const
           parameter structs.
Leaves     everything the patterns do not match (convolutions, pooling, adds, fp16 with fp32
           accumulation) to TVM's generated code.
"""

from __future__ import annotations

import tvm
from tvm import relax

from ..codegen.bound import describe, is_bound, patterns


@tvm.transform.module_pass(opt_level=0, name="BindKernels")
def BindKernels(mod: tvm.IRModule, _ctx) -> tvm.IRModule:  # noqa: N802 (a pass, named like TVM's)
    mod = relax.transform.FoldConstant()(mod)  # fp16: the weights' casts -> fp16 constants
    mod = relax.transform.FuseOpsByPattern(patterns(), bind_constants=False, annotate_codegen=True)(mod)
    for gv, func in list(mod.functions.items()):
        if is_bound(func):  # legalization rewrites the composite inside: keep what the kernel needs
            mod[gv] = func.with_attr("mcuforge", describe(func))
    return mod
