"""TVM's C kernels: every fused PrimFunc built with the C target and asserts off, then made
self-contained for the MCU (TVM's runtime headers replaced by firmware/runtime/tvm/mf_tvm_abi.h)
and measured: how much workspace each kernel asks TVMBackendAllocWorkspace for."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tvm
from tvm.target import Target

from ..errors import CompileError
from ..core.planner import align

_TVM_INCLUDES = re.compile(r'^#include [<"](tvm/[^">]+|math\.h|stdbool\.h)[">]\n', re.M)
_FUNC = re.compile(r"^TVM_DLL int32_t (__tvm_ffi_\w+)\(void\* self_handle, void\* args, int32_t num_args, void\* result\) \{$", re.M)
# TVM prints an fp32 infinity (the open bound of a clip) as `inff`, which C does not define.
_INFINITY = re.compile(r"(?<![\w.])inff\b")
_ALLOC = re.compile(r"TVMBackendAllocWorkspace\(\d+, \w+, \(uint64_t\)(\d+)ULL")


# TVM's packed-call prologue reads shapes and device ids that, with asserts off, nothing uses:
# those warnings are silenced for this file only, so that it builds with -Wall -Wextra -Werror.
_PROLOGUE = """#include "mf_tvm_abi.h"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
"""


# TVM 0.27's C target leaves some math intrinsics unresolved ("Unresolved call tirx.fabs": an
# ONNX Softplus; and every one of them in fp16, such as the exp of a sigmoid): each becomes a
# call of the C library's function, fp16 through its fp32 version (one rounding to fp16 at the
# end, as TVM's fp16 casts around other fp32 math do).
_C_MATH = ("exp", "exp2", "exp10", "expm1", "log", "log2", "log10", "log1p", "sqrt", "tanh", "sinh", "cosh",
           "sin", "cos", "tan", "asin", "acos", "atan", "erf", "fabs", "floor", "ceil", "trunc", "pow",
           "atan2", "fmod", "hypot", "nearbyint", "copysign")


def _c_math(op):
    dtype, name = str(op.ty.dtype), op.op.name.removeprefix("tirx.")
    if dtype == "float64":
        return tvm.tirx.call_pure_extern(op.ty, name, *op.args)
    if dtype == "float32":
        return tvm.tirx.call_pure_extern(op.ty, f"{name}f", *op.args)
    if dtype == "float16":
        args = [tvm.tirx.Cast("float32", a) for a in op.args]
        return tvm.tirx.Cast("float16", tvm.tirx.call_pure_extern("float32", f"{name}f", *args))
    return op


for _name in _C_MATH:
    tvm.tirx.op.register_intrin_lowering(f"tirx.{_name}", "c", f=_c_math, level=100)


@dataclass(frozen=True)
class KernelSource:
    c: str  # the kernels.c text
    workspace: dict[str, int]  # kernel symbol -> bytes of workspace it needs (aligned, summed)

    @staticmethod
    def symbol(kernel: str) -> str:
        return f"__tvm_ffi_{kernel}"


def build_kernels(mod: tvm.IRModule) -> KernelSource:
    prims = tvm.IRModule({gv: f for gv, f in mod.functions.items() if isinstance(f, tvm.tirx.PrimFunc)})
    if not prims.functions:  # every layer is a bound mcuforge kernel
        return KernelSource("/* No TVM kernels: every layer calls an mcuforge kernel. */\n", {})
    try:
        text = _build_c(prims)
    except Exception:
        raise _which_kernel_fails(prims) from None
    text = _TVM_INCLUDES.sub("", text).replace("#define TVM_EXPORTS\n", _PROLOGUE, 1)
    text = _INFINITY.sub("__builtin_inff()", text)
    workspace: dict[str, int] = {}
    starts = [(m.group(1), m.end()) for m in _FUNC.finditer(text)]
    for i, (name, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        sizes = [int(s) for s in _ALLOC.findall(text[start:end])]
        workspace[name] = sum(align(s) for s in sizes)
    return KernelSource(text, workspace)


def _build_c(prims: tvm.IRModule) -> str:
    with tvm.transform.PassContext(opt_level=3, config={"tirx.disable_assert": True}):
        return tvm.tirx.build(prims, target=Target({"kind": "c"})).inspect_source()


_UNRESOLVED = re.compile(r'Unresolved call .*?name="([\w.]+)"', re.S)


def _which_kernel_fails(prims: tvm.IRModule) -> CompileError:
    """The error for a module TVM's C target refuses, naming the first fused layer it refuses
    on its own (its name lists the model's ops, e.g. fused_matmul_add_softplus) and why."""
    for gv, func in prims.functions.items():
        try:
            _build_c(tvm.IRModule({gv: func}))
        except Exception as exc:  # TVM's InternalError or TVMError: a bug or a gap in TVM
            unresolved = _UNRESOLVED.search(str(exc))
            why = (f"it has no C implementation of the intrinsic {unresolved.group(1)}" if unresolved
                   else f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}")
            return CompileError(f"TVM cannot generate C for the layer {gv.name_hint}: {why}",
                                hint="replace that operation in the model with a supported one, or report it "
                                     "with the model")
    return CompileError("TVM could not generate C for the kernels together, though each builds on its own",
                        hint="please report it with the model")
