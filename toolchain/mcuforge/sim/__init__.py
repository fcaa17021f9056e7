"""Run: programs on QEMU with a timeout, and exact instruction counts from our TCG plugin."""

from .qemu import Counts, SimResult, run_program

__all__ = ["Counts", "SimResult", "run_program"]
