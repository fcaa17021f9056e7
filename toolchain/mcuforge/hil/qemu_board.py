"""A QEMU board for the HIL suite: the HIL firmware runs in QEMU with its UART on a socket the
host connects to (QEMU waits for the connection before the guest starts, so nothing it sends
is lost), the QEMU monitor on a second socket (reset, pause: the fault tests) and the
instruction counter writing each benchmark region as it ends (per-layer counts per RUN).

The program is either built for a simulated target (its [qemu] board) or a real board's own
firmware (`mcuforge deploy`'s project, e.g. Project.program) run on the board's SoC as QEMU
models it (the board file's [emulation]). A board firmware that does not boot there is
diagnosed (boot_diagnosis): where the CPU is, why it trapped, where the boot ROM jumps."""

from __future__ import annotations

import fcntl
import os
import re
import select
import socket
import struct
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Callable

from ..build import Program
from ..errors import SimError
from ..sim.plugin import plugin_path
from ..sim.qemu import qemu_command
from .link import Link, LinkClosed, SocketLink


_RISCV_CAUSES = {0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
                 3: "breakpoint", 4: "load address misaligned", 5: "load access fault",
                 6: "store address misaligned", 7: "store access fault", 11: "environment call from M-mode"}


class UnixSocketLink(SocketLink):
    def __init__(self, path: Path, connect_timeout: float = 10.0):
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(str(path))
                return
            except OSError as exc:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise SimError(f"cannot connect to the simulated board's UART ({exc})") from None
                time.sleep(0.02)


class FifoLink(Link):
    """A QEMU UART on a pair of named pipes (`-chardev pipe`): QEMU reads <path>.in and writes
    <path>.out. For UART models that write each byte to the chardev without waiting for room
    (QEMU 7.2's SiFive UART: a byte the host end cannot take at once is dropped). A Unix socket
    pushes back after a few hundred one-byte writes (each one a socket buffer of its own), so a
    1 KiB answer loses bytes whenever the host reads late; a pipe holds 64 KiB (1 MiB asked for)
    byte for byte, more than any answer. The guest's output waits in the pipe until read: the
    BOOT event is never lost, even before the host opens its end."""

    def __init__(self, path: Path, alive: Callable[[], bool]):
        self.alive = alive
        # O_RDWR: opening either end never blocks, and the host's read end never sees EOF
        self.rx = os.open(f"{path}.out", os.O_RDWR | os.O_NONBLOCK)
        self.tx = os.open(f"{path}.in", os.O_RDWR)
        for fd in (self.rx, self.tx):
            try:
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)  # the default 64 KiB is enough too
            except OSError:
                pass

    def write(self, data: bytes) -> None:
        if not self.alive():
            raise LinkClosed("the board closed its UART (the simulator exited)")
        view = memoryview(data)
        while view:
            view = view[os.write(self.tx, view):]

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.rx], [], [], max(timeout, 0))
        if not ready:
            if not self.alive():
                raise LinkClosed("the board closed its UART (the simulator exited)")
            return b""
        try:
            return os.read(self.rx, 65536)
        except BlockingIOError:
            return b""

    def close(self) -> None:
        os.close(self.rx)
        os.close(self.tx)


class QemuBoard:
    """with QemuBoard(program) as board: board.link, board.monitor("system_reset"),
    board.take_regions(). With serial="pty" the UART is a pseudo-terminal instead
    (board.pty_path), opened like a real board's port (SerialLink): the board path end to end."""

    def __init__(self, program: Program, serial: str | None = None):
        target = program.target
        serial = serial or ("pipe" if target.qemu is None else "socket")  # an emulated board: see FifoLink
        if serial not in ("socket", "pty", "pipe"):
            raise ValueError(f"serial must be 'socket', 'pty' or 'pipe', not {serial!r}")
        self.program, self.serial = program, serial
        self.machine = None  # a board's [emulation], else the target's own [qemu]
        if target.qemu is None:
            if target.emulation is None:
                raise SimError(f"{target.name} is a real board whose SoC QEMU does not model here (no [emulation] "
                               f"in {target.source.name})",
                               hint=f"run on the board: mcuforge hil --board {target.name} --port PORT")
            self.machine = target.emulation.as_qemu()
        self.proc: subprocess.Popen | None = None
        self.link: Link | None = None
        self.pty_path: str | None = None

    def __enter__(self) -> "QemuBoard":
        self.tmp = tempfile.TemporaryDirectory(prefix="mcuforge-hil-")
        d = Path(self.tmp.name)
        self.uart_path, self.monitor_path, self.live = d / "uart.sock", d / "monitor.sock", d / "regions.txt"
        self.live.touch()
        self._seen = 0
        cmd = qemu_command(self.program.target, self.program.elf, self.machine)
        i = cmd.index("-monitor")
        del cmd[i:i + 2]
        p = self.program
        plugin = [str(plugin_path()), f"out={d / 'counts.json'}", f"live={self.live}",
                  f"start=0x{p.symbol('mf_bench_start'):x}", f"stop=0x{p.symbol('mf_bench_stop'):x}",
                  "max_regions=0"]
        chardev = {"socket": f"socket,id=uart,path={self.uart_path},server=on,wait=on", "pty": "pty,id=uart",
                   "pipe": f"pipe,id=uart,path={d / 'uart'}"}[self.serial]
        if self.serial == "pipe":
            for end in ("in", "out"):
                os.mkfifo(d / f"uart.{end}")
        cmd += ["-chardev", chardev, "-serial", "chardev:uart",
                "-monitor", f"unix:{self.monitor_path},server=on,wait=off",
                "-plugin", ",".join(plugin)]
        self.log = open(d / "qemu.log", "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            if self.serial == "socket":
                self.link = UnixSocketLink(self.uart_path)
            elif self.serial == "pipe":  # QEMU runs at once; wait until it is up (its monitor socket)
                deadline = time.monotonic() + 10.0
                while not self.monitor_path.exists():
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise SimError("no monitor socket")
                    time.sleep(0.01)
                self.link = FifoLink(d / "uart", lambda: self.proc.poll() is None)
            else:
                self.pty_path = self._wait_for_pty()
        except SimError:
            message = self.output()
            self.__exit__(None, None, None)
            raise SimError(f"QEMU did not start the board: {message}") from None
        return self

    def _wait_for_pty(self, timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(r"char device redirected to (/dev/pts/\d+)", self.output())
            if match:
                return match.group(1)
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SimError("QEMU did not report its pseudo-terminal")

    def output(self) -> str:
        """What QEMU itself printed (errors; the firmware talks over the UART)."""
        return (Path(self.tmp.name) / "qemu.log").read_text(errors="replace").strip()

    def monitor(self, command: str) -> None:
        """One QEMU monitor command: system_reset, stop, cont ..."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(str(self.monitor_path))
            s.sendall(command.encode() + b"\n")
            time.sleep(0.2)

    def monitor_query(self, command: str, timeout: float = 2.0) -> str:
        """One QEMU monitor command and what the monitor answered (e.g. "info registers")."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self.monitor_path))
            text = self._read_prompt(s, time.monotonic() + timeout)
            s.sendall(command.encode() + b"\n")
            text = self._read_prompt(s, time.monotonic() + timeout)
        text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)  # the monitor echoes the line with cursor moves
        return text.split("\n", 1)[1] if "\n" in text else text

    @staticmethod
    def _read_prompt(s: socket.socket, deadline: float) -> str:
        data = b""
        while not data.endswith(b"(qemu) ") and time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            data += chunk
        return data.decode(errors="replace").replace("\r", "")

    def cpu_state(self) -> dict[str, int]:
        """The CPU's registers from the monitor: pc, and on RISC-V mcause/mepc/mtval/mtvec (named as
        QEMU's `info registers` names them; Arm: R15 as pc)."""
        text = self.monitor_query("info registers")
        regs = {name: int(value, 16) for name, value in re.findall(r"^\s*(\w+)\s+([0-9a-fA-F]{8})\b", text, re.M)}
        match = re.search(r"R15=([0-9a-fA-F]{8})", text)
        if match:
            regs["pc"] = int(match.group(1), 16)
        return regs

    def where(self, address: int) -> str:
        """An address as `0x... (symbol+offset)` when it is inside the firmware's code."""
        best = None
        for name, value in self.program.info.symbols.items():
            value = value & ~1 if self.program.target.arch == "arm" else value
            size = self.program.info.symbol_sizes.get(name, 0)
            if size and not name.startswith("$") and value <= address < value + size:
                best = (name, value)
        return f"0x{address:08x}" + (f" ({best[0]}+0x{address - best[1]:x})" if best else "")

    def stack_used(self) -> int | None:
        """Bytes of the firmware's stack used so far (the start-up paints it; read through the
        monitor), or None when the program has no painted stack."""
        symbols = self.program.info.symbols
        if "__stack_bottom" not in symbols or "__stack_top" not in symbols:
            return None
        bottom, top = symbols["__stack_bottom"], symbols["__stack_top"]
        text = self.monitor_query(f"xp /{(top - bottom) // 4}wx 0x{bottom:x}")
        words = [int(w, 16) for w in re.findall(r"0x([0-9a-fA-F]{8})\b", re.sub(r"^[0-9a-fA-F]+:", "", text, flags=re.M))]
        if len(words) != (top - bottom) // 4:
            return None
        untouched = next((i for i, w in enumerate(words) if w != 0xC5A5C5A5), len(words))  # MF_STACK_PAINT
        return top - bottom - 4 * untouched

    def boot_diagnosis(self) -> str:
        """Why the firmware may not have booted: its entry against where the machine starts it,
        and where the CPU is now (and the trap it took), from the QEMU monitor."""
        p, notes = self.program, []
        entry = struct.unpack_from("<I", p.elf.read_bytes(), 0x18)[0]
        emulation = p.target.emulation if self.machine is not None else None
        if emulation is not None and emulation.boot is not None and entry != emulation.boot:
            notes.append(f"the firmware's entry is 0x{entry:08x} but the boot ROM of {emulation.machine} jumps to "
                         f"0x{emulation.boot:08x}: the board file's flash origin ({p.target.source.name}, "
                         f"[memory] flash) must be 0x{emulation.boot:08x}")
        if self.proc is not None and self.proc.poll() is not None:
            return "; ".join(notes + [f"QEMU exited ({self.proc.returncode}): {self.output()[-400:]}"])
        try:
            regs = self.cpu_state()
        except OSError as exc:
            return "; ".join(notes + [f"the QEMU monitor did not answer ({exc})"])
        if "pc" in regs:
            pc = regs["pc"]
            inside = any(s.name == ".text" and s.addr <= pc < s.addr + s.size for s in self.program.info.sections)
            state = f"the CPU is at pc {self.where(pc)}" + ("" if inside else ", outside the firmware's code")
            if "mcause" in regs and regs["mcause"]:
                cause = _RISCV_CAUSES.get(regs["mcause"], "")
                state += (f"; its last trap: mcause {regs['mcause']:#x}{f' ({cause})' if cause else ''} at mepc "
                          f"{self.where(regs.get('mepc', 0))}"
                          f" (mtval {regs.get('mtval', 0):#x}, mtvec {regs.get('mtvec', 0):#x})")
            if inside and not notes:
                state += ("; the firmware runs but nothing came over the UART the host listens on: check the "
                          "board file's [hil] uart, uart_base and setup writes")
            notes.append(state)
        return "; ".join(notes) if notes else "no diagnosis"

    def take_regions(self) -> list[tuple[int, int]]:
        """Benchmark regions (instructions, LMUL-weighted) that ended since the last call."""
        lines = self.live.read_text().splitlines()
        new, self._seen = lines[self._seen:], len(lines)
        return [tuple(int(v) for v in line.split()) for line in new if line.strip()]

    def __exit__(self, *exc) -> None:
        if self.link is not None:
            self.link.close()
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.tmp.cleanup()
