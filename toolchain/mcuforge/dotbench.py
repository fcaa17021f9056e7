"""The ISA dot-product benchmark (`mcuforge dot-bench`): int8 and fp16 dot products with each
target's kernel variant (SMLAD on Cortex-M4/M7, Helium on M55, RVV on Zve32f/Zvfh, Zfh scalar
fp16), built, run in QEMU, checked against NumPy and measured in instructions."""

from __future__ import annotations

import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .build import build_program
from .build.kernels import kernel_source, kernel_variant
from .paths import ROOT
from .sim import run_program
from .target import Target

HARNESS = ROOT / "bench" / "dotprod" / "main.c"
# The fp16 inputs are chosen so that every product and every partial sum, in any summation order,
# is exact in binary16: values on a grid of 2^-k with sum|a_i b_i| below 2^11 grid steps. Every
# correct fp16 kernel must then return the exact dot product, bit for bit, whatever its order.
FP16_SIGNIFICAND_BITS = 11


@dataclass(frozen=True)
class DotRun:
    target: str
    n: int
    int8_kernel: str
    int8_ok: bool
    int8_insns: int
    int8_insns_raw: int
    fp16_kernel: str | None
    fp16_ok: bool | None
    fp16_insns: int | None
    fp16_insns_raw: int | None
    fp16_value: float | None
    peak_int8: float
    peak_fp16: float | None
    flash: int
    ram: int
    stack_used: int
    elf: str

    @property
    def int8_mac_per_insn(self) -> float:
        return self.n / self.int8_insns

    @property
    def fp16_mac_per_insn(self) -> float | None:
        return self.n / self.fp16_insns if self.fp16_insns else None

    def as_dict(self) -> dict:
        d = asdict(self)
        d["int8_mac_per_insn"] = self.int8_mac_per_insn
        d["fp16_mac_per_insn"] = self.fp16_mac_per_insn
        return d


def _c_array(ctype: str, name: str, values: list[str]) -> str:
    rows = [", ".join(values[i:i + 12]) for i in range(0, len(values), 12)]
    return f"static const {ctype} {name}[] = {{\n    " + ",\n    ".join(rows) + "\n};\n"


def make_inputs(n: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    step = 0.5 if n <= 1024 else 1.0  # products on a grid of step^2
    grid = np.arange(-1.0, 1.0 + step / 2, step)
    a16, b16 = (rng.choice(grid, n).astype(np.float16) for _ in range(2))
    if float(np.sum(np.abs(a16.astype(np.float64) * b16))) >= 2**FP16_SIGNIFICAND_BITS * step * step:
        raise ValueError(f"n = {n} is too large for fp16 inputs whose dot product is exact in fp16")
    return {
        "a_s8": rng.integers(-128, 128, n, dtype=np.int8),
        "b_s8": rng.integers(-128, 128, n, dtype=np.int8),
        "a_f16": a16,
        "b_f16": b16,
    }


def data_header(inputs: dict[str, np.ndarray], with_f16: bool) -> str:
    n = len(inputs["a_s8"])
    text = [f"#define MF_DOT_N {n}\n#define MF_DOT_F16 {int(with_f16)}\n"]
    for key in ("a_s8", "b_s8"):
        text.append(_c_array("int8_t", f"dot_{key}", [str(int(v)) for v in inputs[key]]))
    if with_f16:
        for key in ("a_f16", "b_f16"):
            text.append(_c_array("mf_f16", f"dot_{key}", [f"(mf_f16){float(v).hex()}f" for v in inputs[key]]))
    return "\n".join(text)


def run_dot(target: Target, n: int = 1024, seed: int = 0, out_dir: Path | None = None) -> DotRun:
    """Build and run the dot-product benchmark on `target`; check results against NumPy."""
    with_f16 = target.has("fp16")
    inputs = make_inputs(n, seed)
    work = Path(out_dir) if out_dir else Path(tempfile.mkdtemp(prefix="mcuforge-dot-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "dotprod_data.h").write_text(data_header(inputs, with_f16))
    kernels = ["mf_dot_s8"] + (["mf_dot_f16"] if with_f16 else [])
    program = build_program(target, [HARNESS, *(kernel_source(target, k) for k in kernels)], work,
                            name="dotprod", include_dirs=[work])
    result = run_program(program).check()
    counts = result.counts
    assert counts is not None and len(counts.regions) == len(kernels)
    want_s8 = int(np.dot(inputs["a_s8"].astype(np.int64), inputs["b_s8"].astype(np.int64)))
    fp16 = {}
    if with_f16:
        got = float(np.array([int(result.records["dot_f16_bits"], 16)], np.uint16).view(np.float16)[0])
        exact = float(np.dot(inputs["a_f16"].astype(np.float64), inputs["b_f16"].astype(np.float64)))
        fp16 = dict(fp16_kernel=kernel_variant(target, "mf_dot_f16"), fp16_ok=got == exact,
                    fp16_insns=counts.regions[1][1], fp16_insns_raw=counts.regions[1][0], fp16_value=got)
    return DotRun(
        target=target.name, n=n,
        int8_kernel=kernel_variant(target, "mf_dot_s8"),
        int8_ok=int(result.records["dot_s8"]) == want_s8,
        int8_insns=counts.regions[0][1], int8_insns_raw=counts.regions[0][0],
        fp16_kernel=fp16.get("fp16_kernel"), fp16_ok=fp16.get("fp16_ok"),
        fp16_insns=fp16.get("fp16_insns"), fp16_insns_raw=fp16.get("fp16_insns_raw"),
        fp16_value=fp16.get("fp16_value"),
        peak_int8=target.peak("int8") or 0, peak_fp16=target.peak("fp16"),
        flash=program.sizes.flash, ram=program.sizes.ram, stack_used=result.stack_used or 0,
        elf=str(program.elf),
    )
