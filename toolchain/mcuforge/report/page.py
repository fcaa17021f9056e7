"""report.png and report.html: the arena's memory map over the layers, and per-layer
instruction counts."""

from __future__ import annotations

import html
from pathlib import Path


def write_page(out_dir: Path, f: dict) -> tuple[Path, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    png = out_dir / "report.png"
    fig, (ax_mem, ax_layers) = plt.subplots(1, 2, figsize=(13, 5))
    for p in f["plan"]:
        kind = "workspace" if p["buffer"].startswith("ws") else "tensor"
        ax_mem.broken_barh([(p["first"] - 0.4, p["last"] - p["first"] + 0.8)], (p["offset"], p["size"]),
                           facecolors="tab:orange" if kind == "workspace" else "tab:blue", edgecolor="black",
                           linewidth=0.4)
    ax_mem.set_xlabel("layer")
    ax_mem.set_ylabel("arena offset (bytes)")
    ax_mem.set_title(f"arena {f['arena']:,} B (naive sum {f['naive']:,} B); orange: kernel workspace")
    counts = [layer["insns"] or 0 for layer in f["layers"]]
    ax_layers.bar(range(len(counts)), counts, color="tab:green")
    ax_layers.set_xlabel("layer")
    ax_layers.set_ylabel("instructions (QEMU count)")
    ax_layers.set_title(_cost(f))
    fig.suptitle(f"{f['model']} on {f['target']} ({f['precision']})")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)

    rows = "\n".join(f"<tr><td>{i}</td><td>{html.escape(layer['kernel'])}</td><td>{layer['insns'] or '—'}</td></tr>"
                     for i, layer in enumerate(f["layers"]))
    oracles = "".join(f", {f['inputs'] - n} to {name}" for name, n in f["oracles"].items())
    if f["checked"] and f["exact"]:
        check = (f"{f['inputs'] - f['mismatches_vs_reference']} of {f['inputs']} outputs bit-identical to "
                 f"{f['reference']}{oracles}")
    elif not f["checked"]:
        check = "outputs unchecked: no framework could run the model"
    else:
        check = (f"max rel error {f['max_rel_error']:.3g}, max abs error {f['max_abs_error']:.3g}, top-1 "
                 f"agreement {100 * f['top1_agreement']:.0f} % over {f['inputs']} inputs")
    page = out_dir / "report.html"
    page.write_text(f"""<!doctype html><meta charset="utf-8"><title>{html.escape(f['model'])} on {f['target']}</title>
<h1>{html.escape(f['model'])} on {f['target']} ({f['precision']})</h1>
<p>{check}.</p>
<p>{_cost(f)}; {f['macs']:,} MACs{_rate(f)}. Flash {f['flash']:,} B, RAM {f['ram']:,} B
(arena {f['arena']:,} B, stack used {f['stack_used']:,} B).</p>
<img src="report.png" alt="memory map and per-layer instructions">
<table border="1" cellpadding="3"><tr><th>#</th><th>kernel</th><th>instructions</th></tr>
{rows}
</table>
""")
    return page, png


def _cost(f: dict) -> str:
    """Instructions from QEMU, or on the host target (no QEMU) the median wall time."""
    if f.get("seconds_per_inference") is not None:
        return f"{1e6 * f['seconds_per_inference']:,.1f} µs per inference (host wall time, median)"
    return f"{f['insns_per_inference']:,} instructions per inference (QEMU instruction count, not time)"


def _rate(f: dict) -> str:
    return "" if f.get("mac_per_insn") is None else f"; {f['mac_per_insn']:.3f} MAC/instruction"
