"""Transports for the HIL protocol: bytes to and from a board, with a bounded wait.

SerialLink: a real board's serial port (pyserial URL or device path). SocketLink: a QEMU board's
UART behind a TCP socket (pyserial's socket:// reads one byte at a time and leaves Nagle on, so
QEMU gets a plain socket). FaultyLink wraps either and injects faults for the protocol tests.
"""

from __future__ import annotations

import socket
import time
from typing import Callable

from ..errors import McuforgeError


class LinkClosed(McuforgeError):
    """The other end went away (QEMU exited, the cable was pulled)."""


class Link:
    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, timeout: float) -> bytes:
        """What arrives within `timeout` seconds (returns as soon as anything does); b"" if nothing."""
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class SocketLink(Link):
    def __init__(self, host: str, port: int, connect_timeout: float = 10.0):
        deadline = time.monotonic() + connect_timeout
        while True:
            try:
                self.sock = socket.create_connection((host, port), timeout=1.0)
                break
            except OSError as exc:
                if time.monotonic() > deadline:
                    raise McuforgeError(f"cannot connect to the board's UART at {host}:{port}: {exc}") from None
                time.sleep(0.05)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        try:
            self.sock.sendall(data)
        except OSError as exc:
            raise LinkClosed(f"the board's UART connection is gone ({exc})") from None

    def read(self, timeout: float) -> bytes:
        self.sock.settimeout(max(timeout, 1e-3))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return b""
        except OSError as exc:
            raise LinkClosed(f"the board's UART connection is gone ({exc})") from None
        if not data:
            raise LinkClosed("the board closed its UART (the simulator exited)")
        return data

    def close(self) -> None:
        self.sock.close()


class SerialLink(Link):
    def __init__(self, port: str, baud: int = 115200):
        import serial

        try:
            self.serial = serial.serial_for_url(port, baudrate=baud, timeout=0)
        except (serial.SerialException, ValueError) as exc:
            raise McuforgeError(f"cannot open serial port {port}: {exc}",
                                hint="check the cable, the port name (ls /dev/ttyACM* /dev/ttyUSB*) and permissions "
                                     "(the dialout group)") from None
        self.serial.reset_input_buffer()

    def write(self, data: bytes) -> None:
        self.serial.write(data)
        self.serial.flush()

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            waiting = self.serial.in_waiting
            if waiting:
                return self.serial.read(waiting)
            if time.monotonic() >= deadline:
                return b""
            time.sleep(0.0005)

    def close(self) -> None:
        self.serial.close()


class FaultyLink(Link):
    """Passes bytes through `inner`, letting a test damage them: `on_write(data) -> data` and
    `on_read(data) -> data` see each chunk and return what goes on (b"" drops it)."""

    def __init__(self, inner: Link, on_write: Callable[[bytes], bytes] | None = None,
                 on_read: Callable[[bytes], bytes] | None = None):
        self.inner, self.on_write, self.on_read = inner, on_write, on_read

    def write(self, data: bytes) -> None:
        data = self.on_write(data) if self.on_write else data
        if data:
            self.inner.write(data)

    def read(self, timeout: float) -> bytes:
        data = self.inner.read(timeout)
        return self.on_read(data) if (self.on_read and data) else data

    def close(self) -> None:
        self.inner.close()
