"""`mcuforge doctor`: checks every tool and package mcuforge needs, with its version, and says
how to fix what is missing. Each check is independent, so one missing tool does not hide others."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Callable

from .build.tools import install_hint, libgcc, picolibc, tool
from .errors import McuforgeError
from .target import all_targets

FIX_SETUP = "run `make setup`"
# Python packages pinned in pyproject.toml that the toolchain cannot work without.
PINNED = {"torch": "2.13.0", "apache-tvm": "0.27.0.post1", "apache-tvm-ffi": "0.1.15.post2"}
PACKAGES = ("brevitas", "numpy", "typer", "rich", "onnx", "onnxruntime", "tflite", "ai-edge-litert", "matplotlib", "tflite-micro",
            "pyserial", "platformio")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    found: str
    fix: str

    def as_dict(self) -> dict:
        return asdict(self)


def _version_line(path: str, arg: str = "--version") -> str:
    proc = subprocess.run([path, arg], capture_output=True, text=True, timeout=30)
    text = (proc.stdout or proc.stderr).strip().splitlines()
    return text[0] if text else "?"


def _check(name: str, fn: Callable[[], str], fix: str) -> Check:
    try:
        return Check(name, True, fn(), "")
    except McuforgeError as exc:
        return Check(name, False, exc.message, exc.hint or fix)
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return Check(name, False, str(exc), fix)


def _tool_version(name: str, minimum: tuple[int, ...] | None = None) -> Callable[[], str]:
    def fn() -> str:
        line = _version_line(tool(name))
        if minimum:
            m = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", line)
            have = tuple(int(x) for x in m.groups() if x) if m else ()
            if have < minimum:
                raise ValueError(f"{line}: need {'.'.join(map(str, minimum))} or newer")
        return line
    return fn


def _package(name: str, pinned: str | None) -> Callable[[], str]:
    def fn() -> str:
        try:
            have = metadata.version(name)
        except metadata.PackageNotFoundError:
            raise ValueError(f"{name} is not installed") from None
        if pinned and have.split("+")[0] != pinned:
            raise ValueError(f"{name} {have} installed, {pinned} required")
        return f"{name} {have}"
    return fn


def _qemu_machine(system: str, machine: str) -> Callable[[], str]:
    def fn() -> str:
        proc = subprocess.run([tool(system), "-M", "help"], capture_output=True, text=True, timeout=30)
        if not re.search(rf"^{re.escape(machine)}\s", proc.stdout, re.M):
            raise ValueError(f"{system} has no machine {machine}")
        return f"{system} -M {machine}"
    return fn


def _plugin() -> str:
    from .sim.plugin import plugin_path
    return f"built: {plugin_path().name}"


def run_checks() -> list[Check]:
    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0], "Python 3.11 or newer")]
    for name, pinned in PINNED.items():
        checks.append(_check(f"python: {name}", _package(name, pinned), FIX_SETUP))
    for name in PACKAGES:
        checks.append(_check(f"python: {name}", _package(name, None), FIX_SETUP))
    for name in ("clang", "ld.lld", "llvm-objdump"):
        checks.append(_check(name, _tool_version(name, (19,)), install_hint(name)))
    checks.append(_check("gcc (builds the QEMU plugin)", _tool_version("gcc"), install_hint("gcc")))
    checks.append(_check("QEMU instruction-count plugin", _plugin, install_hint("gcc")))
    for name in ("qemu-system-arm", "qemu-system-riscv32"):
        checks.append(_check(name, _tool_version(name, (7, 2)), install_hint(name)))
    try:
        targets = all_targets()
        from .target import all_boards

        boards = all_boards()
    except McuforgeError as exc:
        return checks + [Check("targets/*.toml", False, exc.message, "fix the target file")]
    checks.append(Check("boards (targets/boards/*.toml)", True, f"{len(boards)}: " + ", ".join(b.name for b in boards), ""))
    for platform in sorted({b.platformio.platform for b in boards}):
        from .deploy.upload import platform_installed

        ok = platform_installed(platform)
        checks.append(Check(f"PlatformIO platform {platform} (only for --upload)", True,
                            "installed" if ok else f"not installed (projects build, upload needs it: "
                                                   f"pio pkg install -g -p {platform}, with network access)", ""))
    for t in targets:
        checks.append(_check(f"{t.name}: simulator", _qemu_machine(t.qemu.system, t.qemu.machine),
                             install_hint(t.qemu.system)))
        checks.append(_check(f"{t.name}: libgcc", lambda t=t: libgcc(t.compiler.libgcc),
                             install_hint(t.compiler.libgcc[0])))
        checks.append(_check(f"{t.name}: picolibc (libm)", lambda t=t: picolibc(t.compiler.libgcc),
                             install_hint(f"picolibc-{t.compiler.libgcc[0].removesuffix('-gcc')}")))
    return checks
