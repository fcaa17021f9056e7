"""The errors mcuforge reports to its users.

Every error a user can cause (a bad target file, a missing tool, a program that does not fit,
a simulator that hangs) is a subclass of `McuforgeError`. The CLI prints its message and its
hint, never a traceback.
"""

from __future__ import annotations


class McuforgeError(Exception):
    """An error with a message for the user and, where one exists, what to do about it."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class TargetError(McuforgeError):
    """A target file that cannot be loaded: names the file and the field."""


class ToolMissing(McuforgeError):
    """A compiler, linker or simulator that is not installed."""


class BuildError(McuforgeError):
    """A C program that does not compile or link."""


class DoesNotFit(BuildError):
    """A program larger than a memory region of its target."""

    def __init__(self, message: str, region: str, overflow: int, hint: str | None = None):
        super().__init__(message, hint)
        self.region = region
        self.overflow = overflow


class SimError(McuforgeError):
    """QEMU could not run a program to completion."""


class SimTimeout(SimError):
    """A program that did not exit within its time limit (it was killed)."""


class ModelError(McuforgeError):
    """A model that cannot be read: missing or corrupt file, a factory that raises, bad I/O."""


class UnsupportedOp(ModelError):
    """An operator the compiler cannot lower; names the op and where it comes from."""


class CompileError(McuforgeError):
    """The compiler failed on a model it accepted (a bug in mcuforge or TVM: please report)."""
