"""Run a linked program on QEMU: semihosting for output and exit status, a wall-clock timeout
(a program that never exits is stopped, with a clear error), and instruction counts from the
mf_icount plugin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..build.program import Program
from ..build.tools import tool
from ..errors import SimError, SimTimeout
from ..target import Qemu, Target
from .plugin import plugin_path

DEFAULT_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Counts:
    """Executed instructions, exact and deterministic (not time).

    insns: the whole run. regions: (instructions, LMUL-weighted instructions) for each
    mf_bench_start/mf_bench_stop pair, in order. The LMUL-weighted figures equal the plain ones
    on targets without vectors."""

    insns: int
    insns_lmul_weighted: int
    regions: tuple[tuple[int, int], ...]
    vsetvl_register_form: int = 0

    @property
    def bench_insns(self) -> int:
        return sum(r[0] for r in self.regions)

    @property
    def bench_insns_lmul_weighted(self) -> int:
        return sum(r[1] for r in self.regions)


@dataclass(frozen=True)
class SimResult:
    target: str
    exit_code: int
    output: str  # what the program printed, without the "@mf " records
    records: dict[str, str] = field(default_factory=dict)  # "@mf key=value" records, last wins
    counts: Counts | None = None
    fault: str | None = None  # the fault report ("*** fault: ...") when the CPU faulted
    wall_ns: tuple[int, ...] = ()  # the host target: each benchmark region's wall time (ns)

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def stack_used(self) -> int | None:
        value = self.records.get("stack_used")
        return int(value) if value is not None else None

    def check(self) -> "SimResult":
        """Raise SimError unless the program exited with status 0."""
        if not self.ok:
            why = self.fault or f"exit status {self.exit_code}"
            raise SimError(f"{self.target}: program failed: {why}\n{_tail(self.output)}")
        return self


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def qemu_command(target: Target, elf: Path, machine: Qemu | None = None) -> list[str]:
    """QEMU's command line for `elf` on `target`'s simulator, or on `machine` (a board's
    [emulation]: its SoC as QEMU models it)."""
    q = machine or target.qemu
    if q is None:
        raise SimError(f"{target.name} is a real board with no simulator",
                       hint="run on the board with `mcuforge hil --board ... --port ...`, or pick a qemu-* target")
    cmd = [tool(q.system), "-M", q.machine]
    if q.cpu:
        cmd += ["-cpu", q.cpu]
    cmd += ["-nographic", "-monitor", "none", "-semihosting-config", "enable=on,target=native",
            *q.extra, "-kernel", str(elf)]
    return cmd


def _parse_output(text: str) -> tuple[str, dict[str, str], str | None]:
    plain, records, fault = [], {}, []
    for line in text.splitlines():
        if line.startswith("@mf "):
            for token in line[4:].split():
                key, _, value = token.partition("=")
                records[key] = value
        else:
            if line.startswith("*** "):
                fault.append(line[4:])
            plain.append(line)
    return "\n".join(plain) + ("\n" if plain else ""), records, ("\n".join(fault) if "fault" in records else None)


def run_program(
    program: Program | Path,
    target: Target | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT_S,
    count: bool = True,
    stdin: bytes | None = None,
) -> SimResult:
    """Run `program` on `target` (default: the target it was built for) in QEMU.

    Returns the exit status, output and counts; raises SimTimeout when the program does not exit
    within `timeout` seconds, SimError when QEMU cannot run it."""
    if isinstance(program, Program):
        target = target or program.target
        elf, symbols = program.elf, program
    else:
        if target is None:
            raise ValueError("run_program(path) needs a target")
        elf, symbols = Path(program), None
    if target.is_host:
        return run_native(elf, target, timeout, stdin or b"")
    if stdin:
        raise ValueError("a program on QEMU takes no stdin")
    cmd = qemu_command(target, elf)
    with tempfile.TemporaryDirectory(prefix="mcuforge-sim-") as tmp:
        counts_file = Path(tmp) / "counts.json"
        if count:
            args = [f"out={counts_file}"]
            for key, marker in (("start", "mf_bench_start"), ("stop", "mf_bench_stop")):
                if symbols is not None and marker in symbols.info.symbols:  # else unused, linked out
                    args.append(f"{key}=0x{symbols.symbol(marker):x}")
            cmd += ["-plugin", ",".join([str(plugin_path()), *args])]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            raw, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raw = _stop(proc)
            text = raw.decode(errors="replace")
            raise SimTimeout(
                f"{target.name}: {elf.name} did not exit within {timeout:g} s and was stopped; "
                f"a program must end by returning from main() or calling mf_exit().\n"
                f"Output before the stop:\n{_tail(text) or '(none)'}",
                hint="if the program is just slow, raise the time limit (--timeout)",
            ) from None
        text = raw.decode(errors="replace")
        output, records, fault = _parse_output(text)
        if "stack_used" not in records and "Lockup" in text:
            raise SimError(f"{target.name}: the CPU locked up (a fault while handling a fault, "
                           f"e.g. a vector table or stack outside memory):\n{_tail(text, 6)}")
        if "stack_used" not in records and "fault" not in records:  # never reached mf_exit
            raise SimError(f"{target.name}: QEMU did not run {elf.name} to its exit "
                           f"(QEMU status {proc.returncode}):\n{_tail(text) or '(no output)'}")
        counts = _read_counts(counts_file, strict=proc.returncode == 0) if count else None
    return SimResult(target.name, proc.returncode, output, records, counts, fault)


def run_native(elf: Path, target: Target, timeout: float, stdin: bytes) -> SimResult:
    """Run a program built for the host target as a process, `stdin` its input: its exit
    status, output, records and the wall time of each benchmark region; a crash (a signal) is
    reported as a fault."""
    proc = subprocess.Popen([str(elf)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        raw, _ = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        raw = _stop(proc)
        raise SimTimeout(f"host: {elf.name} did not exit within {timeout:g} s and was stopped.\n"
                         f"Output before the stop:\n{_tail(raw.decode(errors='replace')) or '(none)'}",
                         hint="if the program is just slow, raise the time limit (--timeout)") from None
    text = raw.decode(errors="replace")
    regions = tuple(int(line.split("=", 1)[1]) for line in text.splitlines() if line.startswith("@mf region_ns="))
    output, records, _ = _parse_output(text)
    fault = None
    if proc.returncode < 0:
        fault = f"the process was killed by {signal.Signals(-proc.returncode).name}"
        records["fault"] = signal.Signals(-proc.returncode).name
    return SimResult(target.name, proc.returncode, output, records, None, fault, regions)


def _stop(proc: subprocess.Popen) -> bytes:
    """Stop QEMU: SIGTERM first (QEMU shuts down cleanly), SIGKILL if it lingers."""
    for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            raw, _ = proc.communicate(timeout=grace)
            return raw or b""
        except subprocess.TimeoutExpired:
            continue
    return b""


def _read_counts(path: Path, strict: bool) -> Counts:
    for _ in range(50):  # the plugin writes at QEMU's exit; the file is complete once QEMU is gone
        if path.exists():
            break
        time.sleep(0.01)
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SimError(f"the instruction-count plugin wrote no usable result ({exc})") from None
    unbalanced = data["open_region"] or data["unmatched_stops"] or data["regions_dropped"]
    if strict and unbalanced:  # a program that faulted mid-region is reported by its fault
        raise SimError("unbalanced benchmark markers: every mf_bench_start() needs one "
                       f"mf_bench_stop() (open={data['open_region']}, unmatched stops="
                       f"{data['unmatched_stops']}, dropped={data['regions_dropped']})")
    return Counts(
        insns=data["insns"],
        insns_lmul_weighted=data["insns_lmul_weighted"],
        regions=tuple((a, b) for a, b in data["regions"]),
        vsetvl_register_form=data["vsetvl_register_form"],
    )
