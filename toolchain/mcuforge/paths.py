"""Where mcuforge finds its own files (targets/, firmware/) and where it caches builds."""

from __future__ import annotations

import os
from pathlib import Path

# toolchain/mcuforge/paths.py -> the repository root is two levels above the package.
ROOT = Path(os.environ.get("MCUFORGE_HOME", Path(__file__).resolve().parents[2]))
TARGETS_DIR = ROOT / "targets"
FIRMWARE_DIR = ROOT / "firmware"
RUNTIME_DIR = FIRMWARE_DIR / "runtime"
KERNELS_DIR = FIRMWARE_DIR / "kernels"
LD_DIR = FIRMWARE_DIR / "ld"


def cache_dir() -> Path:
    """A per-user cache for built helpers (the QEMU plugin) and compiled objects; created on first use."""
    base = os.environ.get("MCUFORGE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "mcuforge"
    )
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path
