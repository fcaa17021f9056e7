"""Running programs in QEMU: output, exit status, stack use, timeouts, fault reports."""

from __future__ import annotations

import time

import pytest

from mcuforge.build.kernels import kernel_source
from mcuforge.dotbench import HARNESS, data_header, make_inputs
from mcuforge.build import build_program
from mcuforge.errors import SimTimeout
from mcuforge.sim import run_program
from mcuforge.target import load_target, with_core_of

MF_EXIT_FAULT = 134

HELLO = r"""
#include "mf_runtime.h"
int main(void) {
    mf_printf("hello %s %d %u %x %05d %-3s| %lld %c%%\n", "mcu", -42, 7u, 0xbeefu, 12, "ab",
              -1234567890123ll, 'z');
    mf_printf("@mf answer=42 other=x\n");
    return 7;
}
"""


def test_output_exit_status_and_records(target, run_c):
    result = run_c(target, HELLO)
    assert result.output == "hello mcu -42 7 beef 00012 ab | -1234567890123 z%\n"
    assert result.exit_code == 7 and not result.ok and result.fault is None
    assert result.records["answer"] == "42" and result.records["other"] == "x"
    assert 0 < result.stack_used < target.memory.stack


def test_stack_use_is_measured(run_c):
    target = load_target("qemu-cortex-m4")
    code = """
#include "mf_runtime.h"
__attribute__((noinline)) int deep(volatile char *p, int n) {
    volatile char frame[1024];
    frame[0] = (char)n;
    return n ? deep(frame, n - 1) + p[0] : frame[0];
}
int main(void) { char c = 0; return deep(&c, DEPTH) < 0; }
"""
    shallow = run_c(target, code, defines={"DEPTH": 1}, name="shallow").check()
    deep = run_c(target, code, defines={"DEPTH": 8}, name="deep").check()
    assert deep.stack_used - shallow.stack_used >= 7 * 1024


def test_program_that_never_exits_is_stopped(run_c):
    code = """
#include "mf_runtime.h"
int main(void) {
    mf_printf("spinning\\n");
    for (volatile int i = 0;; i++) {}
}
"""
    start = time.monotonic()
    with pytest.raises(SimTimeout) as exc:
        run_c(load_target("qemu-cortex-m55"), code, timeout=2)
    assert time.monotonic() - start < 15
    assert "did not exit within 2 s and was stopped" in exc.value.message
    assert "spinning" in exc.value.message


def _dot_program(core_name: str, tmp_path):
    """The dot-product benchmark built for `core_name`'s ISA (Helium, Zfh, RVV...)."""
    core = load_target(core_name)
    (tmp_path / "dotprod_data.h").write_text(data_header(make_inputs(64, 0), with_f16=True))
    sources = [HARNESS, kernel_source(core, "mf_dot_s8"), kernel_source(core, "mf_dot_f16")]
    return core, sources


@pytest.mark.parametrize("core,board,expect", [
    ("qemu-cortex-m55", "qemu-cortex-m4", "fault: UsageFault:"),
    ("qemu-rv32imafc-zfh", "qemu-rv32imac", "fault: illegal instruction"),
    ("qemu-rv32-zve32f-zvfh", "qemu-rv32imafc-zfh", "fault: illegal instruction"),
])
def test_missing_extension_faults_with_a_report(core, board, expect, tmp_path):
    """The same program on a core without the extension: a fault report and a non-zero exit."""
    core_t, sources = _dot_program(core, tmp_path)
    board_t = load_target(board)
    if core_t.arch == "arm":  # different memory maps: link for the board, compile for the core
        program = build_program(with_core_of(board_t, core_t), sources, tmp_path / "b",
                                include_dirs=[tmp_path], runtime_from=board_t)
        result = run_program(program, timeout=20)
    else:  # the RISC-V boards share a memory map: the very same ELF runs on the other core
        program = build_program(core_t, sources, tmp_path / "b", include_dirs=[tmp_path])
        assert run_program(program, timeout=20).ok
        result = run_program(program, board_t, timeout=20)
    assert result.exit_code == MF_EXIT_FAULT
    assert result.fault and expect in result.fault, result.output
    assert "pc=0x" in result.fault
    if core_t.arch == "riscv":
        assert "mcause=0x00000002" in result.fault


def test_division_by_zero_traps_on_cortex_m(run_c):
    code = """
#include "mf_runtime.h"
volatile int zero = 0;
int main(void) { return 10 / zero; }
"""
    result = run_c(load_target("qemu-cortex-m7"), code)
    assert result.exit_code == MF_EXIT_FAULT
    assert "integer division by zero" in result.fault and "DIVBYZERO" in result.fault


def test_bus_error_is_reported(run_c):
    code = """
#include "mf_runtime.h"
int main(void) { return *(volatile int *)0x90000000; }  /* no memory there */
"""
    for name in ("qemu-cortex-m4", "qemu-rv32imac"):
        result = run_c(load_target(name), code, name=name.replace("-", "_"))
        assert result.exit_code == MF_EXIT_FAULT, result.output
        assert "no memory at the address" in result.fault or "bus error" in result.fault
