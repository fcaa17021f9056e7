"""Instruction counts from the mf_icount plugin: checked against counts worked out by hand."""

from __future__ import annotations

import re

import pytest

from mcuforge.build import build_program
from mcuforge.build.kernels import kernel_source
from mcuforge.build.program import disassemble
from mcuforge.dotbench import HARNESS, data_header, make_inputs
from mcuforge.sim import run_program
from mcuforge.target import load_target

N = 1000

# A loop in assembly between the markers. By hand, the region holds: the marker's own body
# (one return instruction, checked below), the loop counter set-up (1), N iterations of
# decrement + branch (2N), and the call of mf_bench_stop (1): 2N + 3 instructions.
ARM_LOOP = r"""
#include "mf_runtime.h"
void counted_loop(void);
__asm__(".syntax unified\n.thumb\n.global counted_loop\n.type counted_loop, %function\n.thumb_func\n"
        "counted_loop:\n"
        "  push {r4, lr}\n"
        "  bl mf_bench_start\n"
        "  movw r0, #" N_STR "\n"
        "1: subs r0, r0, #1\n"
        "  bne 1b\n"
        "  bl mf_bench_stop\n"
        "  pop {r4, pc}\n");
int main(void) { counted_loop(); counted_loop(); return 0; }
"""

RISCV_LOOP = r"""
#include "mf_runtime.h"
void counted_loop(void);
__asm__(".global counted_loop\n.type counted_loop, @function\n"
        "counted_loop:\n"
        "  addi sp, sp, -16\n"
        "  sw ra, 12(sp)\n"
        "  jal ra, mf_bench_start\n"
        "  li t0, " N_STR "\n"
        "1: addi t0, t0, -1\n"
        "  bnez t0, 1b\n"
        "  jal ra, mf_bench_stop\n"
        "  lw ra, 12(sp)\n"
        "  addi sp, sp, 16\n"
        "  ret\n");
int main(void) { counted_loop(); counted_loop(); return 0; }
"""


def _instructions_in(program, symbol: str) -> list[str]:
    """The disassembled instructions of one function (padding after it left out)."""
    start = program.symbol(symbol)
    end = start + program.info.symbol_sizes[symbol]
    lines = []
    for line in disassemble(program, symbol).splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s", line)
        if m and start <= int(m.group(1), 16) < end:
            lines.append(line)
    return lines


def test_loop_count_matches_hand_count(target, build_c):
    code = ARM_LOOP if target.arch == "arm" else RISCV_LOOP
    program = build_c(target, code, defines={"N_STR": f'"{N}"'})
    body = _instructions_in(program, "mf_bench_start")
    assert len(body) == 1 and re.search(r"\b(bx\s+lr|ret)\b", body[0]), body
    result = run_program(program).check()
    assert result.counts.regions == ((2 * N + 3, 2 * N + 3), (2 * N + 3, 2 * N + 3))
    assert result.counts.bench_insns == 2 * (2 * N + 3)
    assert result.counts.insns > result.counts.bench_insns


def test_counts_are_identical_run_to_run(target, tmp_path):
    (tmp_path / "dotprod_data.h").write_text(data_header(make_inputs(100, 3), with_f16=False))
    program = build_program(target, [HARNESS, kernel_source(target, "mf_dot_s8")], tmp_path / "b",
                            include_dirs=[tmp_path])
    first, second = run_program(program), run_program(program)
    assert first.counts == second.counts
    assert first.counts.insns > 0


# LMUL-weighted counting on the vector target. Three regions, each a loop of N iterations:
#   1. vsetvli e32,m4 then vadd.vv:         vadd counts 4  -> weighted = raw + 3N
#   2. vsetvli e16,m2 then vwadd.vv (m4):   widening, 2*LMUL = 4 -> weighted = raw + 3N
#   3. vsetvli e8,mf2 then vadd.vv:         fractional LMUL counts 1 -> weighted = raw
# raw = marker return (1) + li (1) + vsetvli (1) + 3N (vector op, addi, bnez) + jal (1) = 3N + 4.
RVV_LMUL = r"""
#include "mf_runtime.h"
#define REGION(name, vtype, op) \
    void name(void); \
    __asm__(".global " #name "\n" #name ":\n" \
            "  addi sp, sp, -16\n  sw ra, 12(sp)\n" \
            "  jal ra, mf_bench_start\n" \
            "  li t0, " N_STR "\n" \
            "  vsetvli t1, zero, " vtype "\n" \
            "1: " op "\n" \
            "  addi t0, t0, -1\n" \
            "  bnez t0, 1b\n" \
            "  jal ra, mf_bench_stop\n" \
            "  lw ra, 12(sp)\n  addi sp, sp, 16\n  ret\n");
REGION(lmul4, "e32, m4, ta, ma", "vadd.vv v8, v8, v4")
REGION(widen, "e16, m2, ta, ma", "vwadd.vv v8, v4, v6")
REGION(frac, "e8, mf2, ta, ma", "vadd.vv v8, v8, v4")
int main(void) { lmul4(); widen(); frac(); return 0; }
"""


def test_lmul_weighted_count(build_c):
    target = load_target("qemu-rv32-zve32f-zvfh")
    program = build_c(target, RVV_LMUL, defines={"N_STR": f'"{N}"'})
    counts = run_program(program).check().counts
    raw = 3 * N + 4
    assert counts.regions == ((raw, raw + 3 * N), (raw, raw + 3 * N), (raw, raw))
    assert counts.vsetvl_register_form == 0


def test_register_form_vsetvl_is_flagged(build_c):
    code = r"""
#include "mf_runtime.h"
int main(void) {
    unsigned vl, vtype = 0x10; /* e32, m1 */
    __asm__ volatile("vsetvl %0, zero, %1" : "=r"(vl) : "r"(vtype));
    return vl == 0;
}
"""
    counts = run_program(build_c(load_target("qemu-rv32-zve32f-zvfh"), code)).check().counts
    assert counts.vsetvl_register_form == 1


@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-rv32imac"])
def test_unbalanced_markers_are_an_error(name, build_c):
    from mcuforge.errors import SimError
    code = '#include "mf_runtime.h"\nint main(void) { mf_bench_start(); return 0; }\n'
    with pytest.raises(SimError, match="unbalanced benchmark markers"):
        run_program(build_c(load_target(name), code))
