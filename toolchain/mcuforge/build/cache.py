"""A cache of compiled objects, keyed by what determines them: the compiler, its flags (less the
include paths) and the preprocessed source. The same kernel variant or runtime file compiled
for the same target with the same flags is compiled once per machine, not once per model
(a model's build compiles about a dozen units, of which only model.c, weights.c and
kernels.c are its own).

The preprocessed text holds every header the unit includes, so a change to any of them is a
new key; include paths themselves are left out of the key so that the same source in two
output folders hits. Objects are written to a temporary name and renamed into place, so
concurrent builds (pytest -n) never see half an object. The objects live in the user's
mcuforge cache (paths.cache_dir(): MCUFORGE_CACHE, else ~/.cache/mcuforge), under objects/."""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

from ..paths import cache_dir


@functools.cache
def _compiler_identity(clang: str) -> bytes:
    return subprocess.run([clang, "--version"], capture_output=True).stdout


def _key(compiler: str, flags: list[str], src: Path) -> str | None:
    """The hash of the compiler, the flags that shape code and the preprocessed source; None
    when the source does not preprocess (the real compile then reports the error)."""
    pre = subprocess.run([compiler, *flags, "-E", "-P", "-o", "-", str(src)], capture_output=True)
    if pre.returncode != 0:
        return None
    h = hashlib.sha256(_compiler_identity(compiler))
    h.update("\0".join(f for f in flags if not f.startswith("-I")).encode())
    h.update(pre.stdout)
    return h.hexdigest()


def compile_cached(compile_unit: Callable[[list[str]], object], compiler: str, flags: list[str],
                   src: Path, obj: Path) -> None:
    """compile_unit([compiler, *flags, "-c", src, "-o", obj]), unless an object of the same key
    is cached: then that object is copied to `obj`."""
    key = _key(compiler, flags, src)
    cached = cache_dir() / "objects" / key[:2] / f"{key}.o" if key else None
    if cached is not None and cached.is_file():
        shutil.copyfile(cached, obj)
        return
    compile_unit([compiler, *flags, "-c", str(src), "-o", str(obj)])
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
        os.close(fd)
        shutil.copyfile(obj, tmp)
        os.replace(tmp, cached)
