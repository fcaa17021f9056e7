"""TVM's C kernels: every fused PrimFunc built with the C target and asserts off, then made
self-contained for the MCU (TVM's runtime headers replaced by firmware/runtime/tvm/mf_tvm_abi.h)
and measured: how much workspace each kernel asks TVMBackendAllocWorkspace for."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tvm
from tvm.target import Target

from ..errors import CompileError
from .planner import align

_TVM_INCLUDES = re.compile(r'^#include [<"](tvm/[^">]+|math\.h|stdbool\.h)[">]\n', re.M)
_FUNC = re.compile(r"^TVM_DLL int32_t (__tvm_ffi_\w+)\(void\* self_handle, void\* args, int32_t num_args, void\* result\) \{$", re.M)
_ALLOC = re.compile(r"TVMBackendAllocWorkspace\(\d+, \w+, \(uint64_t\)(\d+)ULL")


# TVM's packed-call prologue reads shapes and device ids that, with asserts off, nothing uses:
# those warnings are silenced for this file only, so that it builds with -Wall -Wextra -Werror.
_PROLOGUE = """#include "mf_tvm_abi.h"
#pragma GCC diagnostic ignored "-Wunused-variable"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
"""


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
        with tvm.transform.PassContext(opt_level=3, config={"tirx.disable_assert": True}):
            lib = tvm.tirx.build(prims, target=Target({"kind": "c"}))
    except Exception as exc:
        raise CompileError(f"TVM could not generate C for the kernels: {type(exc).__name__}: {exc}") from None
    text = lib.inspect_source()
    text = _TVM_INCLUDES.sub("", text).replace("#define TVM_EXPORTS\n", _PROLOGUE, 1)
    workspace: dict[str, int] = {}
    starts = [(m.group(1), m.end()) for m in _FUNC.finditer(text)]
    for i, (name, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        sizes = [int(s) for s in _ALLOC.findall(text[start:end])]
        workspace[name] = sum(align(s) for s in sizes)
    return KernelSource(text, workspace)
