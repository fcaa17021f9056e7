"""Dot-product kernels: every variant exact on every target, with tails, using the
instructions that make its ISA distinctive."""

from __future__ import annotations

import re

import pytest

from mcuforge.build import build_program
from mcuforge.build.kernels import kernel_source, kernel_variant
from mcuforge.build.program import disassemble
from mcuforge.dotbench import run_dot
from mcuforge.errors import BuildError
from mcuforge.paths import KERNELS_DIR
from mcuforge.sim import run_program
from mcuforge.target import load_target

# target -> (kernel, pattern that must appear in its disassembly)
SIGNATURE = {
    "qemu-cortex-m4": [("mf_dot_s8", r"\bsmlad\b"), ("mf_dot_s8", r"\bsxtb16\b")],
    "qemu-cortex-m7": [("mf_dot_s8", r"\bsmlad\b")],
    "qemu-cortex-m55": [("mf_dot_s8", r"\bvmla(da)?va\.s8\b"), ("mf_dot_s8", r"\bletp\b"), ("mf_dot_f16", r"\bvfma\.f16\s+q\d+, q\d+, q\d+"),
                        ("mf_dot_f16", r"\bdlstp\.16\b")],
    "qemu-rv32imac": [("mf_dot_s8", r"\bmul\b")],
    "qemu-rv32imafc-zfh": [("mf_dot_f16", r"\bfmadd\.h\b"), ("mf_dot_f16", r"\bflh\b")],
    "qemu-rv32-zve32f-zvfh": [("mf_dot_s8", r"\bvwmul\.vv\b"), ("mf_dot_f16", r"\bvfmacc\.vv\b"),
                              ("mf_dot_f16", r"\bvsetvli\s+\w+,\s*\w+,\s*e16\b")],
}


@pytest.mark.parametrize("n", [1, 15, 16, 17, 100, 1024])
def test_dot_is_exact(target, n, tmp_path):
    run = run_dot(target, n, seed=n, out_dir=tmp_path)
    assert run.int8_ok, f"int8 dot wrong on {target.name}, n={n}"
    if target.has("fp16"):
        assert run.fp16_ok, f"fp16 dot wrong on {target.name}, n={n}: got {run.fp16_value}"
    else:
        assert run.fp16_kernel is None


def test_each_target_runs_its_distinctive_instructions(target, tmp_path):
    run = run_dot(target, 64, out_dir=tmp_path)
    assert run.int8_ok and run.fp16_ok is not False
    for kernel, pattern in SIGNATURE[target.name]:
        text = disassemble(run.elf, kernel)
        assert re.search(pattern, text), f"{kernel} on {target.name} lacks {pattern}:\n{text}"


def test_variant_order_comes_from_the_target_file():
    assert kernel_variant(load_target("qemu-cortex-m55"), "mf_dot_s8") == "arm_mve"
    assert kernel_variant(load_target("qemu-cortex-m4"), "mf_dot_s8") == "arm_dsp"
    assert kernel_variant(load_target("qemu-cortex-m4"), "mf_dot_f16") == "ref"  # no arm_dsp variant
    assert kernel_variant(load_target("qemu-rv32-zve32f-zvfh"), "mf_dot_f16") == "rvv"
    with pytest.raises(BuildError, match="kernel mf_nope has no source for target qemu-rv32imac"):
        kernel_source(load_target("qemu-rv32imac"), "mf_nope")


@pytest.mark.parametrize("variant,target,message", [
    ("arm_mve", "qemu-cortex-m4", "arm_mve kernels need Helium"),
    ("arm_dsp", "qemu-rv32imac", None),  # Arm intrinsics do not even compile for RISC-V
    ("rvv", "qemu-rv32imafc-zfh", "rvv kernels need the RISC-V vector extension"),
])
def test_variant_without_its_extension_fails_the_build(variant, target, message, tmp_path):
    with pytest.raises(BuildError) as exc:
        build_program(load_target(target), [KERNELS_DIR / variant / "mf_dot_s8.c"], tmp_path)
    if message:
        assert message in exc.value.message


def test_negative_length_is_an_argument_error(target, run_c, tmp_path):
    code = """
#include "mf_kernels.h"
#include "mf_runtime.h"
int main(void) {
    int8_t a[1] = {1};
    int32_t out = 99;
    return mf_dot_s8(a, a, -1, &out) == MF_ERR_ARG && out == 99 ? 0 : 1;
}
"""
    src = tmp_path / "neg.c"
    src.write_text(code)
    program = build_program(target, [src, kernel_source(target, "mf_dot_s8")], tmp_path / "b")
    assert run_program(program).exit_code == 0
