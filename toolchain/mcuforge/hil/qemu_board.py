"""A QEMU board for the HIL suite: the HIL firmware runs in QEMU with its UART on a socket the
host connects to (QEMU waits for the connection before the guest starts, so nothing it sends
is lost), the QEMU monitor on a second socket (reset, pause: the fault tests) and the
instruction counter writing each benchmark region as it ends (per-layer counts per RUN)."""

from __future__ import annotations

import re
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from ..build import Program
from ..errors import SimError
from ..sim.plugin import plugin_path
from ..sim.qemu import qemu_command
from .link import SocketLink


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


class QemuBoard:
    """with QemuBoard(program) as board: board.link, board.monitor("system_reset"),
    board.take_regions(). With serial="pty" the UART is a pseudo-terminal instead
    (board.pty_path), opened like a real board's port (SerialLink): the board path end to end."""

    def __init__(self, program: Program, serial: str = "socket"):
        if serial not in ("socket", "pty"):
            raise ValueError(f"serial must be 'socket' or 'pty', not {serial!r}")
        self.program, self.serial = program, serial
        self.proc: subprocess.Popen | None = None
        self.link: SocketLink | None = None
        self.pty_path: str | None = None

    def __enter__(self) -> "QemuBoard":
        self.tmp = tempfile.TemporaryDirectory(prefix="mcuforge-hil-")
        d = Path(self.tmp.name)
        self.uart_path, self.monitor_path, self.live = d / "uart.sock", d / "monitor.sock", d / "regions.txt"
        self.live.touch()
        self._seen = 0
        cmd = qemu_command(self.program.target, self.program.elf)
        i = cmd.index("-monitor")
        del cmd[i:i + 2]
        p = self.program
        plugin = [str(plugin_path()), f"out={d / 'counts.json'}", f"live={self.live}",
                  f"start=0x{p.symbol('mf_bench_start'):x}", f"stop=0x{p.symbol('mf_bench_stop'):x}",
                  "max_regions=0"]
        chardev = f"socket,id=uart,path={self.uart_path},server=on,wait=on" if self.serial == "socket" else "pty,id=uart"
        cmd += ["-chardev", chardev, "-serial", "chardev:uart",
                "-monitor", f"unix:{self.monitor_path},server=on,wait=off",
                "-plugin", ",".join(plugin)]
        self.log = open(d / "qemu.log", "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        try:
            if self.serial == "socket":
                self.link = UnixSocketLink(self.uart_path)
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
