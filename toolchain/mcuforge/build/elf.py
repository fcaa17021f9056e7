"""A small reader for 32-bit little-endian ELF files: sections and symbols, and the flash and
RAM figures of a linked program."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from ..errors import BuildError
from ..target import Target

SHT_PROGBITS, SHT_SYMTAB, SHT_NOBITS = 1, 2, 8
SHF_ALLOC = 0x2


@dataclass(frozen=True)
class Section:
    name: str
    type: int
    flags: int
    addr: int
    size: int

    @property
    def alloc(self) -> bool:
        return bool(self.flags & SHF_ALLOC)


@dataclass(frozen=True)
class ElfInfo:
    sections: tuple[Section, ...]
    symbols: dict[str, int]  # name -> value (Thumb functions keep bit 0 set)
    symbol_sizes: dict[str, int]  # name -> st_size in bytes


@dataclass(frozen=True)
class Sizes:
    """Bytes a program takes on its target.

    flash = text + rodata + data (the initial values of .data are stored in flash);
    ram = data + bss + stack (the reserved stack block; see SimResult.stack_used for use)."""

    text: int
    rodata: int
    data: int
    bss: int
    stack: int

    @property
    def flash(self) -> int:
        return self.text + self.rodata + self.data

    @property
    def ram(self) -> int:
        return self.data + self.bss + self.stack

    def as_dict(self) -> dict[str, int]:
        return {"text": self.text, "rodata": self.rodata, "data": self.data, "bss": self.bss,
                "stack": self.stack, "flash": self.flash, "ram": self.ram}


# 32- and 64-bit ELF (the host target's programs are 64-bit): e_shoff's format and offset, the
# offset of e_shentsize/e_shnum/e_shstrndx, a section header's format, a symbol's format and
# size, and where a symbol's name, value, size, info and section index are in it.
_LAYOUT = {1: ("<I", 0x20, 0x2E, "<IIIIIIIIII", "<IIIBBH", 16, (0, 1, 2, 3, 5)),
           2: ("<Q", 0x28, 0x3A, "<IIQQQQIIQQ", "<IBBHQQ", 24, (0, 4, 5, 1, 3))}


def read_elf(path: Path) -> ElfInfo:
    blob = Path(path).read_bytes()
    if blob[:4] != b"\x7fELF" or blob[4] not in _LAYOUT or blob[5] != 1:
        raise BuildError(f"{path}: not a little-endian ELF file")
    off_fmt, shoff_at, shinfo_at, sh_fmt, sym_fmt, sym_size, fields = _LAYOUT[blob[4]]
    shoff, = struct.unpack_from(off_fmt, blob, shoff_at)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, shinfo_at)
    raw = [struct.unpack_from(sh_fmt, blob, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = raw[shstrndx][4]

    def cstr(offset: int) -> str:
        return blob[offset: blob.index(b"\0", offset)].decode()

    sections = tuple(Section(cstr(strtab_off + s[0]), s[1], s[2], s[3], s[5]) for s in raw)
    symbols: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for s in raw:
        if s[1] != SHT_SYMTAB:
            continue
        names = raw[s[6]][4]  # sh_link -> string table
        for off in range(s[4], s[4] + s[5], sym_size):
            sym = struct.unpack_from(sym_fmt, blob, off)
            name_off, value, size, info, shndx = (sym[i] for i in fields)
            if name_off and shndx and (info & 0xF) in (0, 1, 2):  # defined NOTYPE/OBJECT/FUNC
                name = cstr(names + name_off)
                symbols.setdefault(name, value)
                sizes.setdefault(name, size)
    return ElfInfo(sections, symbols, sizes)


def program_sizes(info: ElfInfo, target: Target) -> Sizes:
    """Classify the allocated sections by the memory region they are placed in (on the host, a
    process's memory, by their flags)."""
    flash, ram = target.memory.flash, target.memory.ram
    text = rodata = data = bss = stack = 0
    for sec in info.sections:
        if not sec.alloc or sec.size == 0:
            continue
        if target.is_host:
            writable = bool(sec.flags & 0x1)  # SHF_WRITE
            text += sec.size if sec.flags & 0x4 else 0
            rodata += sec.size if not writable and not sec.flags & 0x4 else 0
            data += sec.size if writable and sec.type != SHT_NOBITS else 0
            bss += sec.size if sec.type == SHT_NOBITS else 0
        elif flash.origin <= sec.addr < flash.end:
            if sec.flags & 0x4:  # SHF_EXECINSTR
                text += sec.size
            else:
                rodata += sec.size
        elif ram.origin <= sec.addr < ram.end:
            if sec.name == ".stack":
                stack += sec.size
            elif sec.type == SHT_NOBITS:
                bss += sec.size
            else:
                data += sec.size
    return Sizes(text, rodata, data, bss, stack)


def code_bytes(map_file: Path, object_stems: set[str]) -> int:
    """Bytes of code (.text input sections kept by the linker) that come from the object files
    built from sources named `object_stems` (e.g. {"mf_conv2d_s8"}), from lld's link map."""
    total = 0
    for line in Path(map_file).read_text().splitlines():
        parts = line.split()
        if len(parts) < 5 or ":(.text" not in parts[-1]:
            continue
        obj = parts[-1].split(":(")[0].rsplit("/", 1)[-1]  # obj/009_mf_conv2d_s8_c.o
        stem = obj.split("_", 1)[-1].rsplit("_", 1)[0] if obj.endswith(".o") else obj
        if stem in object_stems:
            total += int(parts[2], 16)
    return total
