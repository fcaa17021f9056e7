"""Build: compile and link C for a target with clang-19 and lld-19, and measure the ELF."""

from .elf import ElfInfo, Sizes, read_elf
from .program import Program, build_program
from .tools import tool

__all__ = ["ElfInfo", "Program", "Sizes", "build_program", "read_elf", "tool"]
