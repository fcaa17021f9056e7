"""`make bench`: the benchmark tables, printed as Markdown for the README.

Today: int8 and fp16 dot products with each target's ISA kernels, at two lengths. Figures are
instructions executed between the benchmark markers in QEMU (LMUL-weighted on vector targets),
deterministic counts, never time."""

from __future__ import annotations

import sys

from mcuforge.demo import run_dot
from mcuforge.target import all_targets

LENGTHS = (64, 1024)


def main() -> int:
    targets = all_targets()
    print("| target | n | int8 kernel | instr | MAC/instr | of peak | fp16 kernel | instr | MAC/instr | of peak |")
    print("|---|---:|---|---:|---:|---:|---|---:|---:|---:|")
    failed = []
    for t in targets:
        for n in LENGTHS:
            r = run_dot(t, n)
            if not r.int8_ok or r.fp16_ok is False:
                failed.append(f"{t.name} n={n}")
            f16 = "| — | — | — | — |"
            if r.fp16_kernel:
                f16 = (f"| {r.fp16_kernel} | {r.fp16_insns:,} | {r.fp16_mac_per_insn:.2f} "
                       f"| {100 * r.fp16_mac_per_insn / r.peak_fp16:.0f} % |")
            print(f"| {t.name} | {n} | {r.int8_kernel} | {r.int8_insns:,} | {r.int8_mac_per_insn:.2f} "
                  f"| {100 * r.int8_mac_per_insn / r.peak_int8:.0f} % {f16}")
    if failed:
        print(f"wrong results: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
