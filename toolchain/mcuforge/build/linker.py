"""Linker scripts from the template in firmware/ld, filled from a target's memory map, and the
translation of lld's region-overflow errors into `DoesNotFit`."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DoesNotFit
from ..paths import LD_DIR
from ..target import Target

ENTRY = {"arm": "mf_reset", "riscv": "_start"}
_OVERFLOW = re.compile(r"section '([^']+)' will not fit in region '([^']+)': overflowed by (\d+) bytes")


def render_linker_script(target: Target) -> str:
    mem = target.memory
    fields = {
        "ENTRY": ENTRY[target.arch],
        "FLASH_ORIGIN": f"0x{mem.flash.origin:08x}",
        "FLASH_LENGTH": f"0x{mem.flash.length:x}",
        "RAM_ORIGIN": f"0x{mem.ram.origin:08x}",
        "RAM_LENGTH": f"0x{mem.ram.length:x}",
        "STACK_SIZE": f"0x{mem.stack:x}",
    }
    text = (LD_DIR / "mcu.ld.in").read_text()
    for key, value in fields.items():
        text = text.replace(f"@{key}@", value)
    leftover = re.findall(r"@[A-Z_]+@", text)
    assert not leftover, f"unfilled linker-script fields: {leftover}"
    return text


def write_linker_script(target: Target, path: Path) -> Path:
    path.write_text(render_linker_script(target))
    return path


def _size(n: int) -> str:
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n} bytes"


def check_overflow(target: Target, lld_output: str) -> None:
    """Raise DoesNotFit when lld reports that a section overflowed a memory region."""
    found = _OVERFLOW.findall(lld_output)
    if not found:
        return
    # lld reports each overflowing section; the last one per region carries the total excess.
    by_region: dict[str, tuple[str, int]] = {}
    for section, region, excess in found:
        by_region[region] = (section, int(excess))
    parts = []
    for region, (section, excess) in by_region.items():
        size = target.memory.flash.length if region == "FLASH" else target.memory.ram.length
        parts.append(f"{region} ({_size(size)}) overflowed by {excess} bytes (at section {section})")
    region, (section, excess) = next(iter(by_region.items()))
    hint = ("make the model or program smaller, or choose a target with more memory"
            if region == "FLASH" else
            "reduce static buffers or the stack (memory.stack), or choose a target with more RAM")
    raise DoesNotFit(f"program does not fit {target.name}: " + "; ".join(parts),
                     region=region, overflow=excess, hint=hint)
