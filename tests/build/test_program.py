"""Building programs: sizes from the ELF, memory overflow errors, compile errors."""

from __future__ import annotations

import pytest

from mcuforge.build.linker import render_linker_script
from mcuforge.errors import BuildError, DoesNotFit
from mcuforge.target import load_target

FLASH_ARRAY = """
#include "mf_runtime.h"
__attribute__((used)) const volatile uint8_t table[SIZE] = {1};
int main(void) { return table[0]; }  /* code independent of SIZE */
"""

RAM_ARRAY = """
#include "mf_runtime.h"
volatile uint8_t buffer[SIZE];
int main(void) { buffer[1] = 1; return buffer[0]; }
"""


def test_linker_script_has_the_memory_map(target):
    script = render_linker_script(target)
    assert f"ORIGIN = 0x{target.memory.flash.origin:08x}, LENGTH = 0x{target.memory.flash.length:x}" in script
    assert f"ORIGIN = 0x{target.memory.ram.origin:08x}, LENGTH = 0x{target.memory.ram.length:x}" in script
    assert f". += 0x{target.memory.stack:x};" in script


def test_sizes_come_from_the_elf(target, build_c):
    small = build_c(target, FLASH_ARRAY, "small", defines={"SIZE": 4000})
    large = build_c(target, FLASH_ARRAY, "large", defines={"SIZE": 8000})
    assert large.sizes.rodata - small.sizes.rodata == 4000
    assert large.sizes.flash - small.sizes.flash == 4000
    assert small.sizes.text > 0 and small.sizes.stack == target.memory.stack
    ram_small = build_c(target, RAM_ARRAY, "rsmall", defines={"SIZE": 1000})
    ram_large = build_c(target, RAM_ARRAY, "rlarge", defines={"SIZE": 5000})
    assert ram_large.sizes.bss - ram_small.sizes.bss == 4000
    assert ram_large.sizes.ram - ram_small.sizes.ram == 4000


@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-rv32imac"])
def test_flash_overflow_names_region_and_exact_excess(name, build_c):
    target = load_target(name)
    base = build_c(target, FLASH_ARRAY, "base", defines={"SIZE": 4000})
    size = target.memory.flash.length  # the array alone fills flash
    excess = base.sizes.flash - 4000 + size - target.memory.flash.length
    with pytest.raises(DoesNotFit) as exc:
        build_c(target, FLASH_ARRAY, "big", defines={"SIZE": size})
    assert exc.value.region == "FLASH"
    # section sizes leave out the alignment padding between sections (< 4 bytes per boundary)
    assert excess <= exc.value.overflow < excess + 12
    assert f"program does not fit {name}: FLASH ({target.memory.flash.length // 1024} KiB) " \
           f"overflowed by {exc.value.overflow} bytes" in exc.value.message


@pytest.mark.parametrize("name", ["qemu-cortex-m55", "qemu-rv32-zve32f-zvfh"])
def test_ram_overflow_names_region(name, build_c):
    target = load_target(name)
    with pytest.raises(DoesNotFit) as exc:
        build_c(target, RAM_ARRAY, "big", defines={"SIZE": target.memory.ram.length})
    assert exc.value.region == "RAM"
    assert exc.value.overflow >= target.memory.stack  # the stack no longer fits either
    assert "RAM (" in exc.value.message and "overflowed by" in exc.value.message


def test_compile_error_carries_the_compiler_message(build_c):
    with pytest.raises(BuildError) as exc:
        build_c(load_target("qemu-cortex-m4"), "int main(void) { return undefined_name; }")
    assert "undefined_name" in exc.value.message and "compiling prog.c for qemu-cortex-m4" in exc.value.message


def test_warnings_are_errors(build_c):
    with pytest.raises(BuildError, match="unused variable"):
        build_c(load_target("qemu-rv32imac"), "int main(void) { int unused; return 0; }")


def test_code_bytes_counts_the_named_objects_from_the_link_map(build_c):
    from mcuforge.build.elf import code_bytes
    from mcuforge.target import load_target

    program = build_c(load_target("qemu-cortex-m4"), "int helper(int x) { return x * 3 + 1; }\n"
                      "int main(void) { volatile int v = 4; return helper(v) == 13 ? 0 : 1; }\n", name="codebytes")
    own = code_bytes(program.elf.with_suffix(".map"), {"codebytes"})
    runtime = code_bytes(program.elf.with_suffix(".map"), {"io", "start"})
    assert 0 < own < 100 and runtime > own
    assert own + runtime <= program.sizes.text
