"""The evaluator's native CPU helpers (mf_eval.c with the reference kernels of firmware/kernels/ref),
built once for the host with clang into the cache and loaded with ctypes.

The library is keyed by a hash of its sources, headers and flags, written under a temporary
name and renamed, so two processes building it at once both end with a complete library."""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from ..build.tools import tool
from ..errors import BuildError
from ..paths import KERNELS_DIR, cache_dir

HERE = Path(__file__).resolve().parent
SOURCES = [HERE / "mf_eval.c"] + [KERNELS_DIR / "ref" / f"mf_{k}_s8.c"
                                  for k in ("add", "avg_pool2d", "max_pool2d", "softmax")]
HEADERS = [KERNELS_DIR / h for h in ("mf_kernels.h", "mf_fixedpoint.h", "mf_features.h")]
FLAGS = ["-O3", "-std=c11", "-fPIC", "-shared", "-Wall", "-Werror", f"-I{KERNELS_DIR}"]


def _cpu_flags() -> list[str]:
    """-mavx2 -mfma where this CPU has them (3x on the requantization loop); the key holds them."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return []
    return [f"-m{f}" for f in ("avx2", "fma") if f" {f}" in info]


class _Fields(ctypes.Structure):
    @classmethod
    def of(cls, values: dict[str, int], **pointers):
        s = cls()
        for name, _ in cls._fields_:
            setattr(s, name, pointers[name] if name in pointers else int(values[name]))
        return s


def _struct(name: str, int16: list[str], int32: list[str], pointers: list[str] = ()):
    fields = [(f, ctypes.c_int16) for f in int16] + [(f, ctypes.c_int32) for f in int32]
    fields += [(f, ctypes.POINTER(ctypes.c_int32)) for f in pointers]
    return type(name, (_Fields,), {"_fields_": fields})


PoolParams = _struct("PoolParams", ["in_h", "in_w", "channels", "out_h", "out_w", "k_h", "k_w", "stride_h",
                                    "stride_w", "pad_h", "pad_w"], ["act_min", "act_max"])
AddParams = _struct("AddParams", [], ["input1_offset", "input2_offset", "output_offset", "input1_multiplier",
                                      "input1_shift", "input2_multiplier", "input2_shift", "output_multiplier",
                                      "output_shift", "left_shift", "act_min", "act_max", "size"],
                    ["table1", "table2"])
SoftmaxParams = _struct("SoftmaxParams", [], ["rows", "depth", "input_multiplier", "input_left_shift", "diff_min"])


def _key() -> str:
    h = hashlib.sha256(" ".join([tool("clang"), *FLAGS, *_cpu_flags()]).encode())
    for path in SOURCES + HEADERS:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


@functools.cache
def library() -> ctypes.CDLL:
    """The built helper library (built on first use)."""
    path = cache_dir() / "evaluator" / f"mf_eval-{_key()}.so"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".so")
        os.close(fd)
        try:
            proc = subprocess.run([tool("clang"), *FLAGS, *_cpu_flags(), *map(str, SOURCES), "-o", tmp],
                                  capture_output=True, text=True, timeout=300)
            if proc.returncode != 0:
                raise BuildError(f"building the evaluator's native helpers failed:\n{proc.stderr.strip()[-2000:]}",
                                 hint="run `make doctor` to check clang")
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    lib = ctypes.CDLL(str(path))
    i64, i32, vp = ctypes.c_int64, ctypes.c_int32, ctypes.c_void_p
    for name in ("mf_eval_requantize_f32", "mf_eval_requantize_f64"):
        getattr(lib, name).argtypes = [vp, i64, i32, vp, vp, vp, i32, i32, i32, vp]
        getattr(lib, name).restype = None
    for name in ("mf_eval_widen_f32", "mf_eval_widen_f64"):
        getattr(lib, name).argtypes = [vp, i64, i32, i32, i32, i32, i32, i32, i32, i32, vp]
        getattr(lib, name).restype = None
    for name in ("mf_eval_depthwise_f32", "mf_eval_depthwise_f64"):
        getattr(lib, name).argtypes = [vp, i64, i32, i32, i32, i32, vp] + [i32] * 8 + [vp]
        getattr(lib, name).restype = None
    lib.mf_eval_lookup2.argtypes = [vp, i64, vp, vp, vp]
    lib.mf_eval_lookup2.restype = None
    lib.mf_eval_add.argtypes = [ctypes.POINTER(AddParams), i64, vp, vp, vp]
    lib.mf_eval_pool.argtypes = [ctypes.c_int, ctypes.POINTER(PoolParams), i64, vp, vp]
    lib.mf_eval_softmax.argtypes = [ctypes.POINTER(SoftmaxParams), i64, vp, vp]
    for name in ("mf_eval_add", "mf_eval_pool", "mf_eval_softmax"):
        getattr(lib, name).restype = ctypes.c_int
    return lib


@functools.cache
def _pool():
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="mf-eval")


WORKERS = max(1, min(os.cpu_count() or 1, 8))


def in_parallel(count: int, call, grain: int = 1) -> None:
    """call(start, n) over [0, count) in up to WORKERS slices (multiples of `grain`) on threads:
    ctypes releases the GIL, so the slices run on all cores."""
    parts = min(WORKERS, max(1, count // max(grain, 1)))
    step = -(-count // parts)
    step = -(-step // grain) * grain
    slices = [(s, min(step, count - s)) for s in range(0, count, step)]
    if len(slices) <= 1:
        for s in slices:
            call(*s)
        return
    for f in [_pool().submit(call, *s) for s in slices]:
        f.result()


def pointer(a) -> int:
    """The address of a contiguous NumPy array or CPU tensor."""
    return a.ctypes.data if isinstance(a, np.ndarray) else a.data_ptr()


def int32_pointer(a: np.ndarray):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int32))
