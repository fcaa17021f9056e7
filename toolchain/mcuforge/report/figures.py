"""The figures of one compile + run, as a plain dict (written to run.json) and as rich tables.

Words mean exactly this: instructions are guest instructions executed in QEMU between the
benchmark markers (LMUL-weighted on vector targets), never time; MAC/instr is the model's
multiply-accumulates over instructions per inference; flash is .text + .rodata + .data; RAM is
.data + .bss (the arena is static, in .bss) + the measured stack."""

from __future__ import annotations

from rich.table import Table


def _cost(compiled, run, peak_dtype: str) -> dict:
    """Instructions per inference (the slowest input) and MAC/instruction from QEMU; on the host
    target, whose programs QEMU does not run, wall seconds per inference (the median) instead."""
    insns = run.insns_per_inference
    per_inf = max(insns) if insns else 0
    seconds = sorted(run.seconds_per_inference)
    return {"insns_per_inference": per_inf, "insns_each": insns, "macs": compiled.macs,
            "mac_per_insn": compiled.macs / per_inf if per_inf else None,
            "peak_mac_per_insn": compiled.target.peak(peak_dtype),
            "seconds_per_inference": seconds[len(seconds) // 2] if seconds else None}


def _cost_rows(t: Table, f: dict) -> None:
    if f.get("seconds_per_inference") is not None:
        t.add_row("wall time / inference (host, median)", f"{1e6 * f['seconds_per_inference']:,.1f} µs")
        t.add_row("MACs / inference", f"{f['macs']:,}")
        return
    t.add_row("instructions / inference", f"{f['insns_per_inference']:,}")
    t.add_row("MACs / inference", f"{f['macs']:,}")
    peak, mpi = f["peak_mac_per_insn"], f["mac_per_insn"]
    t.add_row("MAC / instruction", f"{mpi:.3f}" + (f" ({100 * mpi / peak:.1f} % of peak {peak:g})" if peak else ""))


def run_figures(compiled, run) -> dict:
    sizes = run.program.sizes
    return {
        "model": compiled.name, "target": compiled.target.name, "precision": compiled.precision,
        "kernels": getattr(compiled, "kernels", "mcuforge"),  # float path: --kernels; int8: always ours
        "accumulate": getattr(compiled, "accumulate", "int32"),  # float path: --accumulate
        "inputs": len(run.outputs), **_verdict(run),
        # the multiply-accumulates' type: fp16 models with fp32 accumulation use fp32 FMAs
        **_cost(compiled, run, "fp16" if compiled.precision == "fp16" and
                getattr(compiled, "accumulate", "") == "fp16" else "fp32"),
        "flash": sizes.flash, "text": sizes.text, "rodata": sizes.rodata, "weights": compiled.weight_bytes,
        "ram": sizes.data + sizes.bss + run.stack_used, "arena": compiled.plan.arena_size,
        "naive": compiled.plan.naive_size, "state": compiled.state.size, "stack_used": run.stack_used,
        "layers": [{"kernel": s.kernel, "insns": n} for s, n in
                   zip(compiled.graph.steps, run.layer_insns or [None] * len(compiled.graph.steps))],
        "compile_seconds": compiled.compile_seconds,
        "plan": [{"buffer": p.buffer.name, "offset": p.offset, "size": p.buffer.size,
                  "first": p.buffer.first, "last": p.buffer.last} for p in compiled.plan.placements],
    }


def _verdict(run) -> dict:
    """The errors against the framework's reference, None where no framework could run the model."""
    checked = run.reference is not None
    return {"checked": checked, "max_abs_error": run.max_abs_error if checked else None,
            "max_rel_error": run.max_rel_error if checked else None,
            "top1_agreement": run.top1_agreement if checked else None}


def summary_table(f: dict, tolerance: float) -> Table:
    acc = ", fp32 accumulation" if f["precision"] == "fp16" and f.get("accumulate") == "fp32" else ""
    t = Table(title=f"{f['model']} on {f['target']} ({f['precision']}{acc}, {f.get('kernels', 'mcuforge')} kernels, "
                    f"{f['inputs']} inputs)")
    t.add_column("figure")
    t.add_column("value", justify="right")
    if f.get("checked", True):
        ok = f["max_rel_error"] <= tolerance
        t.add_row("max abs error", f"{f['max_abs_error']:.3g}")
        t.add_row("max rel error (max|Δ| / max|ref|)",
                  f"{f['max_rel_error']:.3g} [{'green' if ok else 'red'}]({'≤' if ok else '>'} {tolerance:g})[/]")
        t.add_row("top-1 agreement", f"{100 * f['top1_agreement']:.0f} %")
    else:
        t.add_row("outputs", "[yellow]unchecked: no framework could run the model[/]")
    _cost_rows(t, f)
    t.add_row("flash (text + rodata + data)", f"{f['flash']:,} B (weights {f['weights']:,} B)")
    t.add_row("RAM (data + bss + stack used)", f"{f['ram']:,} B")
    t.add_row("  arena (planned / naive sum)", f"{f['arena']:,} / {f['naive']:,} B "
              f"({100 * f['arena'] / max(f['naive'], 1):.0f} %)")
    if f.get("state"):
        t.add_row("  state (kept between calls)", f"{f['state']:,} B")
    t.add_row("  stack used", f"{f['stack_used']:,} B")
    return t


def layer_table(f: dict) -> Table:
    t = Table(title="per layer (profiling build, first input)")
    t.add_column("#", justify="right")
    t.add_column("kernel")
    t.add_column("instructions", justify="right")
    t.add_column("share", justify="right")
    total = sum(layer["insns"] or 0 for layer in f["layers"]) or 1
    for i, layer in enumerate(f["layers"]):
        n = layer["insns"]
        t.add_row(str(i), layer["kernel"], "—" if n is None else f"{n:,}",
                  "—" if n is None else f"{100 * n / total:.1f} %")
    return t


def int8_figures(compiled, run, tflm_mismatches: int | None) -> dict:
    sizes = run.program.sizes
    return {
        "model": compiled.name, "target": compiled.target.name, "precision": "int8",
        "inputs": len(run.outputs), "mismatches_vs_reference": run.mismatches,
        "mismatches_vs_tflite_micro": tflm_mismatches, **_cost(compiled, run, "int8"),
        "flash": sizes.flash, "text": sizes.text, "rodata": sizes.rodata, "weights": compiled.weight_bytes,
        "ram": sizes.data + sizes.bss + run.stack_used, "arena": compiled.plan.arena_size,
        "naive": compiled.plan.naive_size, "stack_used": run.stack_used,
        "layers": [{"kernel": op.kind, "insns": n} for op, n in
                   zip([op for op in compiled.graph.ops if op.kind != "reshape"],
                       run.layer_insns or [None] * len(compiled.graph.ops))],
        "compile_seconds": compiled.compile_seconds,
        "plan": [{"buffer": p.buffer.name, "offset": p.offset, "size": p.buffer.size,
                  "first": p.buffer.first, "last": p.buffer.last} for p in compiled.plan.placements],
    }


def int8_summary_table(f: dict) -> Table:
    t = Table(title=f"{f['model']} on {f['target']} (int8, {f['inputs']} inputs)")
    t.add_column("figure")
    t.add_column("value", justify="right")
    n = f["inputs"]

    def exact(mismatches):
        if mismatches is None:
            return "not checked (--check tflite-micro)"
        color = "green" if mismatches == 0 else "red"
        return f"[{color}]{n - mismatches} of {n} bit-identical[/]"

    t.add_row("vs integer host reference", exact(f["mismatches_vs_reference"]))
    t.add_row("vs TFLite Micro", exact(f["mismatches_vs_tflite_micro"]))
    _cost_rows(t, f)
    t.add_row("flash (text + rodata + data)", f"{f['flash']:,} B (weights {f['weights']:,} B)")
    t.add_row("RAM (data + bss + stack used)", f"{f['ram']:,} B")
    t.add_row("  arena (planned / naive sum)", f"{f['arena']:,} / {f['naive']:,} B")
    t.add_row("  stack used", f"{f['stack_used']:,} B")
    return t
