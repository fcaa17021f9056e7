"""Compile and link a bare-metal C program for a target: the program's sources plus the
mcuforge runtime (start-up, semihosting, fault reports) and libgcc, with clang-19 and lld-19."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

from ..errors import BuildError
from ..paths import KERNELS_DIR, RUNTIME_DIR
from ..target import Target
from .cache import compile_cached
from .elf import ElfInfo, Sizes, program_sizes, read_elf
from .linker import check_overflow, write_linker_script
from .tools import libgcc, picolibc, tool

WARNINGS = ("-Wall", "-Wextra", "-Werror")
# The runtime stays scalar: its fault report must work even where the program's vector or
# Helium instructions do not (and it is not where time goes).
RUNTIME_CFLAGS = ("-fno-vectorize", "-fno-slp-vectorize")
COMMON_CFLAGS = (
    "-std=c11", "-g", "-nostdlibinc", "-fno-common", "-ffunction-sections", "-fdata-sections",
    *WARNINGS,
)


@dataclass(frozen=True)
class Program:
    """A linked program: its ELF, the target it was built for, its sizes and symbols."""

    elf: Path
    target: Target
    sizes: Sizes
    info: ElfInfo = field(repr=False)

    def symbol(self, name: str) -> int:
        """Address of a function or object (Thumb bit cleared)."""
        value = self.info.symbols[name]
        return value & ~1 if self.target.arch == "arm" else value


def runtime_sources(target: Target) -> list[Path]:
    """The runtime: start-up, semihosting console and exit for a core (common/ and its port);
    the host target's own (host/: stdio, exit, the monotonic clock)."""
    if target.is_host:
        return sorted((RUNTIME_DIR / "host").glob("*.c"))
    sources = sorted((RUNTIME_DIR / "common").glob("*.c"))
    port = RUNTIME_DIR / target.arch
    return sources + sorted(port.glob("*.c")) + sorted(port.glob("*.S"))


def compile_flags(target: Target, opt: str = "-O2", include_dirs: Iterable[Path] = (),
                  defines: Mapping[str, str | int | None] | None = None, firmware_includes: bool = True) -> list[str]:
    if target.is_host:  # the native compiler with the system's C library
        flags = [*target.compiler.cflags, opt, *(f for f in COMMON_CFLAGS if f != "-nostdlibinc")]
    else:
        flags = [f"--target={target.compiler.triple}", *target.compiler.cflags, opt, *COMMON_CFLAGS]
    flags += [f"-I{d}" for d in ((RUNTIME_DIR, KERNELS_DIR) if firmware_includes else ()) + tuple(include_dirs)]
    for name, value in (defines or {}).items():
        flags.append(f"-D{name}" if value is None else f"-D{name}={value}")
    return flags


# clang 19's loop vectorizer crashes on some of TVM's loop nests for Zve32f ("error in backend:
# Invalid size request on a scalable vector": an average pooling of 3 x 6 x 8 x 6 fp32 values,
# NCHW). Such a unit is compiled again without loop vectorization (the flag after -O2, which
# would otherwise turn it back on).
COMPILER_CRASH = "PLEASE submit a bug report"
CRASH_FALLBACK_CFLAGS = ("-fno-vectorize",)


def _run(cmd: list[str], what: str) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BuildError(f"{what} failed:\n{(proc.stderr or proc.stdout).strip()}")
    return proc.stderr


def _compile(cmd: list[str], what: str) -> str:
    """Compile one unit; a compiler crash is retried once without loop vectorization."""
    try:
        return _run(cmd, what)
    except BuildError as exc:
        if COMPILER_CRASH not in exc.message:
            raise
        return _run([*cmd, *CRASH_FALLBACK_CFLAGS], f"{what} (without loop vectorization)")


def build_program(
    target: Target,
    sources: Iterable[Path | str],
    out_dir: Path | str | None = None,
    *,
    name: str = "program",
    opt: str = "-O2",
    include_dirs: Iterable[Path | str] = (),
    defines: Mapping[str, str | int | None] | None = None,
    extra_cflags: Iterable[str] = (),
    runtime_from: Target | None = None,
    with_runtime: bool = True,
    linker_script: Path | None = None,
) -> Program:
    """Compile `sources` with the runtime for `target` and link `<out_dir>/<name>.elf`.

    `runtime_from` builds the runtime (start-up, fault reports) and picks libgcc for another
    target of the same architecture: a board's runtime under code compiled for a richer core.
    `with_runtime=False` builds exactly `sources` (they bring their own runtime, as a generated
    PlatformIO project does), without firmware/ on the include path, linked with
    `linker_script`. Raises BuildError with the compiler's message, or DoesNotFit naming the
    overflowing memory region and the excess in bytes."""
    sources = [Path(s) for s in sources]
    for src in sources:
        if not src.is_file():
            raise BuildError(f"no such source file: {src}")
    out = Path(out_dir) if out_dir is not None else Path(tempfile.mkdtemp(prefix="mcuforge-"))
    out.mkdir(parents=True, exist_ok=True)
    runtime_target = runtime_from or target
    if runtime_target.arch != target.arch:
        raise BuildError(f"runtime_from={runtime_target.name} is not a {target.arch} target")
    flags = compile_flags(target, opt, [Path(d) for d in include_dirs], defines, with_runtime) + list(extra_cflags)
    rt_flags = compile_flags(runtime_target, opt) + list(RUNTIME_CFLAGS)
    units = [(src, flags) for src in sources]
    if with_runtime:
        units += [(src, rt_flags) for src in runtime_sources(runtime_target)]
    clang = tool("clang")
    objects = []
    for i, (src, src_flags) in enumerate(units):
        obj = out / "obj" / f"{i:03d}_{src.stem}{src.suffix.replace('.', '_')}.o"
        obj.parent.mkdir(exist_ok=True)
        compile_cached(lambda cmd: _compile(cmd, f"compiling {src.name} for {target.name}"), clang, src_flags, src, obj)
        objects.append(str(obj))
    elf = out / f"{name}.elf"
    if target.is_host:
        _run([clang, "-o", str(elf), *objects, "-lm"], f"linking {elf.name} for the host")
        info = read_elf(elf)
        return Program(elf=elf, target=target, sizes=program_sizes(info, target), info=info)
    script = linker_script or write_linker_script(target, out / f"{name}.ld")
    cmd = [tool("ld.lld"), "-T", str(script), "--gc-sections", "-Map", str(out / f"{name}.map"),
           "-o", str(elf), *objects, "--start-group", picolibc(runtime_target.compiler.libgcc),
           libgcc(runtime_target.compiler.libgcc), "--end-group"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip()
        check_overflow(target, message)
        raise BuildError(f"linking {elf.name} for {target.name} failed:\n{message}")
    info = read_elf(elf)
    return Program(elf=elf, target=target, sizes=program_sizes(info, target), info=info)


def disassemble(program: Program | Path | str, symbol: str | None = None) -> str:
    """llvm-objdump disassembly of a program or ELF file (or of one function in it)."""
    elf = program.elf if isinstance(program, Program) else Path(program)
    cmd = [tool("llvm-objdump"), "-d", "--no-show-raw-insn"]
    if symbol:
        cmd.append(f"--disassemble-symbols={symbol}")
    cmd.append(str(elf))
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
    if proc.returncode != 0:
        raise BuildError(f"disassembling {elf} failed: {proc.stderr.strip()}")
    return proc.stdout
