"""TVM's C kernels: math intrinsics the C target leaves unresolved become C library calls, and a
layer TVM still cannot write in C is named in the error."""

from __future__ import annotations

import pytest
import tvm
from tvm.script import tirx as T

from mcuforge.codegen.kernels import build_kernels
from mcuforge.errors import CompileError


@T.prim_func
def fused_dense_nearbyint(a: T.Buffer((4,), "float16"), b: T.Buffer((4,), "float16")):
    T.func_attr({"global_symbol": "fused_dense_nearbyint"})
    for i in range(4):
        b[i] = T.nearbyint(a[i])


@T.prim_func
def fused_dense_ldexp(a: T.Buffer((4,), "float16"), b: T.Buffer((4,), "float16")):
    T.func_attr({"global_symbol": "fused_dense_ldexp"})
    for i in range(4):
        b[i] = T.ldexp(a[i], a[i])


def test_fp16_math_goes_through_the_fp32_library_function():
    c = build_kernels(tvm.IRModule({"fused_dense_nearbyint": fused_dense_nearbyint})).c
    assert "nearbyintf(((float)" in c


def test_a_layer_without_c_is_named_with_the_intrinsic():
    mod = tvm.IRModule({"fused_dense_nearbyint": fused_dense_nearbyint, "fused_dense_ldexp": fused_dense_ldexp})
    with pytest.raises(CompileError) as info:
        build_kernels(mod)
    assert str(info.value).startswith("TVM cannot generate C for the layer fused_dense_ldexp: it has no C "
                                      "implementation of the intrinsic tirx.ldexp")
