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
    return {"insns_per_inference": per_inf, "insns_median": sorted(insns)[len(insns) // 2] if insns else 0,
            "insns_each": insns, "macs": compiled.macs,
            "mac_per_insn": compiled.macs / per_inf if per_inf else None,
            "peak_mac_per_insn": compiled.target.peak(peak_dtype),
            "seconds_per_inference": seconds[len(seconds) // 2] if seconds else None}


def _cost_rows(t: Table, f: dict) -> None:
    if f.get("seconds_per_inference") is not None:
        t.add_row("wall time / inference (host, median)", f"{1e6 * f['seconds_per_inference']:,.1f} µs")
        t.add_row("MACs / inference", f"{f['macs']:,}")
        return
    per = f.get("call", "inference")
    t.add_row(f"instructions / {per}", f"{f['insns_per_inference']:,}")
    t.add_row(f"MACs / {per}" + (" (dense)" if per == "time step" else ""), f"{f['macs']:,}")
    peak, mpi = f["peak_mac_per_insn"], f["mac_per_insn"]
    t.add_row("MAC / instruction", f"{mpi:.3f}" + (f" ({100 * mpi / peak:.1f} % of peak {peak:g})" if peak else ""))


def run_figures(compiled, run) -> dict:
    """The figures of a run of either path, one schema: the verdict against the reference (and
    any oracle), the cost, the sizes, the layers and the memory plan."""
    sizes = run.program.sizes
    return {
        "model": compiled.name, "target": compiled.target.name, "precision": compiled.precision,
        "kernels": compiled.kernels, "accumulate": compiled.accumulate,
        "inputs": len(run.outputs), **_verdict(compiled, run),
        **_cost(compiled, run, compiled.mac_dtype),
        "flash": sizes.flash, "text": sizes.text, "rodata": sizes.rodata, "weights": compiled.weight_bytes,
        "ram": sizes.data + sizes.bss + run.stack_used, "arena": compiled.plan.arena_size,
        "naive": compiled.plan.naive_size, "state": compiled.state.size, "stack_used": run.stack_used,
        "layers": [{"kernel": k, "insns": n} for k, n in
                   zip(compiled.layer_names, run.layer_insns or [None] * len(compiled.layer_names))],
        "compile_seconds": compiled.compile_seconds, **run.extras,
        "plan": [{"buffer": p.buffer.name, "offset": p.offset, "size": p.buffer.size,
                  "first": p.buffer.first, "last": p.buffer.last} for p in compiled.plan.placements],
    }


def _verdict(compiled, run) -> dict:
    """The verdict against the reference (None where nothing could run the model): inputs out of
    the bound (bit-exact precisions: any element differs), the errors, and each oracle's count."""
    checked = run.checked
    return {"checked": checked, "exact": compiled.exact, "tolerance": compiled.tolerance,
            "reference": compiled.reference_name, "ok": run.ok,
            "mismatches_vs_reference": run.mismatches if checked else None,
            "max_abs_error": run.max_abs_error if checked else None,
            "max_rel_error": run.max_rel_error if checked else None,
            "top1_agreement": run.top1_agreement if checked else None,
            "oracles": dict(run.oracle_mismatches)}


def summary_table(f: dict) -> Table:
    acc = ", fp32 accumulation" if f["precision"] == "fp16" and f.get("accumulate") == "fp32" else ""
    t = Table(title=f"{f['model']} on {f['target']} ({f['precision']}{acc}, {f.get('kernels', 'mcuforge')} kernels, "
                    f"{f['inputs']} inputs)")
    t.add_column("figure")
    t.add_column("value", justify="right")
    n = f["inputs"]
    if not f["checked"]:
        t.add_row("outputs", "[yellow]unchecked: no framework could run the model[/]")
    elif f["exact"]:
        bad = f["mismatches_vs_reference"]
        t.add_row(f"vs {f['reference']}", f"[{'green' if not bad else 'red'}]{n - bad} of {n} bit-identical[/]")
    else:
        ok = f["max_rel_error"] <= f["tolerance"]
        t.add_row("max abs error", f"{f['max_abs_error']:.3g}")
        t.add_row("max rel error (max|Δ| / max|ref|)",
                  f"{f['max_rel_error']:.3g} [{'green' if ok else 'red'}]({'≤' if ok else '>'} {f['tolerance']:g})[/]")
        t.add_row("top-1 agreement", f"{100 * f['top1_agreement']:.0f} %")
    for name, bad in f["oracles"].items():
        t.add_row(f"vs {name}", f"[{'green' if not bad else 'red'}]{n - bad} of {n} bit-identical[/]")
    _cost_rows(t, f)
    t.add_row("flash (text + rodata + data)", f"{f['flash']:,} B (weights {f['weights']:,} B)")
    t.add_row("RAM (data + bss + stack used)", f"{f['ram']:,} B")
    t.add_row("  arena (planned / naive sum)", f"{f['arena']:,} / {f['naive']:,} B "
              f"({100 * f['arena'] / max(f['naive'], 1):.0f} %)")
    if f.get("state"):
        t.add_row("  state (kept between calls)", f"{f['state']:,} B")
    if "spike_rates" in f:
        t.add_row("input sparsity", f"{100 * f['input_sparsity']:.1f} % zeros")
        for name, rate in f["spike_rates"].items():
            t.add_row(f"  layer {name}: spike rate", f"{100 * rate:.1f} %")
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
