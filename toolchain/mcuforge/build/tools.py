"""Where the external tools are: LLVM 19 (clang, lld, objdump), the GNU drivers that locate
libgcc, and picolibc (its libc.a holds the math library TVM's kernels call: expf, tanhf, ...).
A missing tool is a `ToolMissing` error that says how to install it."""

from __future__ import annotations

import functools
import shutil
import subprocess
from pathlib import Path

from ..errors import ToolMissing

LLVM_MAJOR = 19
_APT = {  # the Debian package that provides each tool
    "clang": f"clang-{LLVM_MAJOR}",
    "ld.lld": f"lld-{LLVM_MAJOR}",
    "llvm-objdump": f"llvm-{LLVM_MAJOR}",
    "llvm-readelf": f"llvm-{LLVM_MAJOR}",
    "arm-none-eabi-gcc": "gcc-arm-none-eabi",
    "riscv64-unknown-elf-gcc": "gcc-riscv64-unknown-elf",
    "qemu-system-arm": "qemu-system-arm",
    "qemu-system-riscv32": "qemu-system-misc",
    "gcc": "gcc",
    "picolibc-arm-none-eabi": "picolibc-arm-none-eabi",
    "picolibc-riscv64-unknown-elf": "picolibc-riscv64-unknown-elf",
}
PICOLIBC = Path("/usr/lib/picolibc")


def install_hint(name: str) -> str:
    package = _APT.get(name, name)
    return f"run `make setup` (or: sudo apt-get install {package})"


@functools.cache
def tool(name: str) -> str:
    """Absolute path of a tool; LLVM tools are looked up as NAME-19, then in the LLVM 19 tree."""
    candidates = [name]
    if name in ("clang", "ld.lld", "llvm-objdump", "llvm-readelf"):
        candidates = [f"{name}-{LLVM_MAJOR}", f"/usr/lib/llvm-{LLVM_MAJOR}/bin/{name}"]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise ToolMissing(f"{candidates[0]} is not installed", hint=install_hint(name))


@functools.cache
def libgcc(driver_and_flags: tuple[str, ...]) -> str:
    """Path of the libgcc.a multilib that a GNU driver picks for the given flags."""
    driver, *flags = driver_and_flags
    path = tool(driver)
    out = subprocess.run([path, *flags, "-print-libgcc-file-name"], capture_output=True, text=True)
    lib = out.stdout.strip()
    if out.returncode != 0 or not lib.startswith("/"):
        raise ToolMissing(
            f"{driver} found no libgcc for {' '.join(flags)}: {out.stderr.strip() or lib}",
            hint=install_hint(driver),
        )
    return lib


@functools.cache
def picolibc(driver_and_flags: tuple[str, ...]) -> str:
    """picolibc's libc.a for the multilib the GNU driver picks (e.g. thumb/v7e-m+fp/hard)."""
    driver, *flags = driver_and_flags
    triple = driver.removesuffix("-gcc")
    out = subprocess.run([tool(driver), *flags, "-print-multi-directory"], capture_output=True, text=True)
    lib = PICOLIBC / triple / "lib" / out.stdout.strip() / "libc.a"
    if out.returncode != 0 or not lib.is_file():
        raise ToolMissing(f"picolibc has no libc.a for {' '.join(flags)} (looked for {lib})",
                          hint=install_hint(f"picolibc-{triple}"))
    return str(lib)
