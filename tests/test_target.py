"""Target files: the six shipped targets load, and bad files fail naming the file and field."""

from __future__ import annotations

import re

import pytest

from mcuforge.errors import TargetError
from mcuforge.target import (DEFAULT_TARGET, all_boards, all_targets, load_board, load_target,
                             load_target_file, with_core_of)

from .conftest import repo_path

EXPECTED = {
    "qemu-cortex-m4": ("mps2-an386", {"dsp", "fpu"}, {"int8": 2, "fp32": 1}),
    "qemu-cortex-m7": ("mps2-an500", {"dsp", "fpu", "fpu-dp"}, {"int8": 2, "fp32": 1}),
    "qemu-cortex-m55": ("mps3-an547", {"dsp", "fpu", "fpu-dp", "fp16", "mve", "mve-fp"},
                        {"int8": 16, "fp16": 8, "fp32": 4}),
    "qemu-rv32imac": ("virt", set(), {"int8": 1}),
    "qemu-rv32imafc-zfh": ("virt", {"fpu", "fp16"}, {"int8": 1, "fp16": 1, "fp32": 1}),
    "qemu-rv32-zve32f-zvfh": ("virt", {"fpu", "fp16", "rvv", "rvv-fp", "rvv-fp16"},
                              {"int8": 16, "fp16": 8, "fp32": 4}),
}


def test_the_six_targets_load_with_their_features():
    targets = {t.name: t for t in all_targets()}
    assert set(targets) == set(EXPECTED)
    for name, (machine, features, peaks) in EXPECTED.items():
        t = targets[name]
        assert t.qemu.machine == machine
        assert t.features == features
        assert dict(t.peak_macs_per_insn) == peaks
        assert t.kernel_variants[-1] == "ref"
    assert DEFAULT_TARGET == "qemu-cortex-m55"
    assert targets["qemu-rv32-zve32f-zvfh"].vlen == 128
    assert targets["qemu-cortex-m55"].has("mve") and not targets["qemu-cortex-m4"].has("mve")


def test_target_is_frozen():
    t = load_target("qemu-cortex-m4")
    with pytest.raises(AttributeError):
        t.name = "other"  # type: ignore[misc]


def test_unknown_target_lists_the_known_ones():
    with pytest.raises(TargetError) as exc:
        load_target("qemu-cortex-m99")
    assert "unknown target 'qemu-cortex-m99'" in exc.value.message
    assert "qemu-cortex-m4" in exc.value.hint


# Each case edits the Cortex-M4 file (or the zve32f one) and expects an error on one field.
M4 = repo_path("targets", "qemu-cortex-m4.toml").read_text()
RVV = repo_path("targets", "qemu-rv32-zve32f-zvfh.toml").read_text()
BAD = [
    ("mve on an M4", M4, 'features = ["dsp", "fpu"]', 'features = ["dsp", "fpu", "mve"]',
     "features", "lists 'mve', but the compiler flags"),
    ("feature not listed", M4, 'features = ["dsp", "fpu"]', 'features = ["fpu"]',
     "features", "enable 'dsp'; list it"),
    ("unknown feature", M4, 'features = ["dsp", "fpu"]', 'features = ["dsp", "fpu", "avx"]',
     "features", "unknown for arm: avx"),
    ("unknown core", M4, '"-mcpu=cortex-m4",', '"-mcpu=cortex-m99",',
     "compiler.cflags", "unknown core -mcpu=cortex-m99"),
    ("variant needs missing extension", M4, 'variants = ["arm_dsp", "ref"]',
     'variants = ["arm_mve", "ref"]', "kernels.variants", "'arm_mve' needs the 'mve' feature"),
    ("no ref fallback", M4, 'variants = ["arm_dsp", "ref"]', 'variants = ["arm_dsp"]',
     "kernels.variants", "must end with 'ref'"),
    ("fp16 peak without fp16", M4, "fp32 = 1    # VFMA.F32", "fp32 = 1\nfp16 = 2",
     "peak_macs_per_insn.fp16", "no fp16 arithmetic"),
    ("missing fp32 peak", M4, "fp32 = 1    # VFMA.F32", "",
     "peak_macs_per_insn", "missing fp32"),
    ("typo in a key", M4, "[memory]\nflash", "[memory]\nflsh = 1\nflash",
     "memory.flsh", "unknown key"),
    ("wrong type", M4, "stack = 0x4000", 'stack = "16K"', "memory.stack", "must be int"),
    ("stack larger than RAM", M4, "stack = 0x4000", "stack = 0x100000", "memory.stack", "smaller than ram"),
    ("regions overlap", M4, "ram = { origin = 0x20000000", "ram = { origin = 0x00100000",
     "memory", "flash and ram overlap"),
    ("missing field", M4, 'machine = "mps2-an386"\n', "", "qemu.machine", "missing"),
    ("wrong simulator", M4, 'system = "qemu-system-arm"', 'system = "qemu-system-riscv32"',
     "qemu.system", "runs on qemu-system-arm"),
    ("vlen disagrees with zvl", RVV, "vlen = 128", "vlen = 256", "vlen", "zvl128b"),
    ("vectors without vlen", RVV, "vlen = 128\n", "", "vlen", "exactly when the target has vectors"),
    ("zvfh listed without -march", RVV, "_zvfh_", "_", "features", "lists 'rvv-fp16'"),
    ("unknown HIL UART", M4, 'uart = "cmsdk"', 'uart = "pl011"', "hil.uart", "unknown UART 'pl011'"),
    ("RISC-V timer on Arm", M4, 'timer = "dwt"', 'timer = "mcycle"', "hil.timer", "use one of dwt, none"),
    ("RISC-V reset on Arm", M4, 'reset = "aircr"', 'reset = "jump"', "hil.reset", "use one of aircr"),
    ("bad setup write", M4, 'reset = "aircr"', 'reset = "aircr"\nsetup = [[1, 2]]', "hil.setup[0]",
     "[address, mask, value]"),
    ("neither simulator nor board", M4, "[qemu]", "[qemux]", "qemux", "unknown key"),
]


@pytest.mark.parametrize("case,base,old,new,field,message", BAD, ids=[b[0] for b in BAD])
def test_bad_target_file_names_file_and_field(tmp_path, case, base, old, new, field, message):
    assert old in base, f"test case {case!r} does not apply to the shipped file"
    name = "qemu-cortex-m4" if base is M4 else "qemu-rv32-zve32f-zvfh"
    path = tmp_path / f"{name}.toml"
    path.write_text(base.replace(old, new, 1))
    with pytest.raises(TargetError) as exc:
        load_target_file(path)
    text = str(exc.value)
    assert text.startswith(f"{path}: {field}: "), text
    assert message in text, text


def test_invalid_toml_is_reported_with_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(TargetError, match=re.escape(str(path)) + ": not valid TOML"):
        load_target_file(path)


def test_name_must_match_file(tmp_path):
    path = tmp_path / "other.toml"
    path.write_text(M4)
    with pytest.raises(TargetError, match="name: 'qemu-cortex-m4' must match the file name 'other'"):
        load_target_file(path)


def test_boards_load_with_platformio_and_hil():
    boards = {b.name: b for b in all_boards()}
    l4 = boards["nucleo_l4r5zi"]
    assert l4.is_board and l4.qemu is None and l4.platformio.board == "nucleo_l4r5zi"
    assert l4.memory.flash.length == 2 * 1024 * 1024 and l4.memory.ram.length == 640 * 1024
    assert l4.hil.uart_divisor == round(256 * 4_000_000 / 115200)  # LPUART BRR at the 4 MHz reset clock
    assert boards["hifive1-revb"].hil.uart_divisor == 138  # 16 MHz / (138 + 1) = 115,108 baud
    assert not load_target("qemu-cortex-m4").is_board


def test_board_without_simulator_says_so(tmp_path):
    from mcuforge.errors import SimError
    from mcuforge.sim.qemu import qemu_command

    with pytest.raises(SimError, match="real board with no simulator"):
        qemu_command(load_board("nucleo_l4r5zi"), tmp_path / "x.elf")


def test_unknown_board_lists_the_known_ones():
    with pytest.raises(TargetError) as exc:
        load_board("arduino_uno")
    assert "unknown board 'arduino_uno'" in exc.value.message and "nucleo_l4r5zi" in exc.value.hint


def test_with_core_of_keeps_board_and_takes_isa():
    m4, m55 = load_target("qemu-cortex-m4"), load_target("qemu-cortex-m55")
    hybrid = with_core_of(m4, m55)
    assert hybrid.qemu == m4.qemu and hybrid.memory == m4.memory
    assert hybrid.compiler == m55.compiler and hybrid.has("mve")
