"""Commands about this installation: version, doctor, targets, boards."""

from __future__ import annotations

import typer
from rich.table import Table

from .. import __version__
from ..target import DEFAULT_TARGET, DTYPES, Target, all_targets
from .app import app, guard, out, print_json


@app.command()
def version() -> None:
    """Print the mcuforge version."""
    out.print(__version__)


@app.command()
def doctor(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Check every tool mcuforge needs, with versions, and say how to fix what is missing."""
    from ..doctor import run_checks

    def body() -> int:
        checks = run_checks()
        if json_out:
            print_json([c.as_dict() for c in checks])
        else:
            table = Table(title="mcuforge doctor")
            for col in ("check", "status", "found", "fix"):
                table.add_column(col, overflow="fold")
            for c in checks:
                status = "[green]ok[/]" if c.ok else "[red]missing[/]"
                table.add_row(c.name, status, c.found, "" if c.ok else c.fix)
            out.print(table)
        return 0 if all(c.ok for c in checks) else 1

    guard(body)


@app.command()
def targets(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the targets (targets/*.toml) with their features and memory."""

    def body() -> None:
        ts = all_targets(host=True)
        if json_out:
            print_json([_target_dict(t) for t in ts])
            return
        table = Table(title=f"targets (default: {DEFAULT_TARGET})")
        for col in ("target", "core / simulator", "features", "flash", "RAM",
                    "peak MAC/instr int8·fp16·fp32", "kernels"):
            table.add_column(col, overflow="fold")
        for t in ts:
            peaks = " · ".join(f"{t.peak(d):g}" if t.peak(d) else "—" for d in DTYPES)
            table.add_row(t.name, f"{t.description}", ", ".join(sorted(t.features)) or "—",
                          f"{t.memory.flash.length // 1024} KiB", f"{t.memory.ram.length // 1024} KiB",
                          peaks, " > ".join(t.kernel_variants))
        out.print(table)

    guard(body)


def _target_dict(t: Target) -> dict:
    return {
        "name": t.name, "description": t.description, "arch": t.arch,
        "features": sorted(t.features), "triple": t.compiler.triple, "cflags": list(t.compiler.cflags),
        "flash": {"origin": t.memory.flash.origin, "length": t.memory.flash.length},
        "ram": {"origin": t.memory.ram.origin, "length": t.memory.ram.length},
        "stack": t.memory.stack, "qemu_machine": t.qemu.machine if t.qemu else None,
        "qemu_cpu": t.qemu.cpu if t.qemu else None,
        "platformio": {"platform": t.platformio.platform, "board": t.platformio.board} if t.platformio else None,
        "peak_macs_per_insn": dict(t.peak_macs_per_insn), "kernel_variants": list(t.kernel_variants),
        "vlen": t.vlen,
        "emulation": t.emulation.machine if t.emulation else None,  # QEMU's model of a board's SoC
    }


@app.command()
def boards(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the real boards (targets/boards/*.toml) `mcuforge deploy` and `mcuforge hil` know."""
    from ..target import all_boards

    def body() -> None:
        bs = all_boards()
        if json_out:
            print_json([_target_dict(b) for b in bs])
            return
        table = Table(title="boards (PlatformIO)")
        for col in ("board", "description", "PlatformIO platform / board", "flash", "RAM", "HIL UART", "kernels",
                    "emulated (--emulate)"):
            table.add_column(col, overflow="fold")
        for b in bs:
            table.add_row(b.name, b.description, f"{b.platformio.platform} / {b.platformio.board}",
                          f"{b.memory.flash.length // 1024} KiB", f"{b.memory.ram.length // 1024} KiB",
                          f"{b.hil.uart} @ 0x{b.hil.uart_base:08x}, {b.hil.baud} baud", " > ".join(b.kernel_variants),
                          f"QEMU {b.emulation.machine}" if b.emulation else "—")
        out.print(table)

    guard(body)
