"""Builds the instruction-counting QEMU plugin (plugin/mf_icount.c) with the host C compiler on
first use, into the cache directory; the file name carries a hash of the source, so an edited
plugin is rebuilt."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

from ..build.tools import tool
from ..errors import SimError
from ..paths import cache_dir

SOURCE = Path(__file__).with_name("plugin") / "mf_icount.c"


def plugin_path() -> Path:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    lib = cache_dir() / f"mf_icount-{digest}.so"
    if lib.exists():
        return lib
    tmp = lib.with_suffix(f".{os.getpid()}.tmp")
    cmd = [tool("gcc"), "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(tmp), str(SOURCE)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SimError(f"building the QEMU plugin {SOURCE.name} failed:\n{proc.stderr.strip()}")
    tmp.replace(lib)  # atomic: concurrent first uses do not see a half-written file
    return lib
