"""`mcuforge eval`: a model's accuracy over a whole split as the device computes it, on the CPU
or a CUDA GPU, optionally beside other models and checked on a target."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from .app import app, guard, out, print_json, progress


@app.command("eval")
def eval_command(
    model: str = typer.Argument(..., help="int8 .tflite or .mfq; or a float model: file.py:factory, .pt2, .onnx, "
                                          ".tflite"),
    data: str = typer.Option(..., "--data", help="file.py:function; function(split) yields (x, y) batches"),
    split: str = typer.Option("test", "--split", help="the split to evaluate"),
    precision: str = typer.Option("auto", "--precision", "-p", help="auto (int8 files as int8), fp32 or fp16"),
    device: str = typer.Option("cpu", "--device", help="cpu or cuda (the same int8 outputs, bit for bit)"),
    batch: int = typer.Option(256, "--batch", help="samples per pass"),
    versus: List[str] = typer.Option([], "--versus", help="also run this model (e.g. the float model) and compare"),
    verify_on: Optional[str] = typer.Option(None, "--verify-on", help="run the first -n samples on this target too"),
    n: int = typer.Option(10, "-n", help="samples for --verify-on"),
    limit: Optional[int] = typer.Option(None, "--limit", help="only the first N samples of the split"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="write report.json and confusion.png here"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Evaluate a model on a whole split: accuracy (or reconstruction error and ROC AUC), per class,
    the confusion matrix, agreement with --versus models, samples/s; int8 outputs are the device's
    bit for bit."""
    guard(lambda: eval_flow(model, data, split, precision, device, batch, versus, verify_on, n, limit, out_dir,
                            json_out))


def eval_flow(model, data, split, precision, device, batch, versus, verify_on, n, limit, out_dir, json_out) -> int:
    from ..evaluate import flow, metrics

    with progress("evaluating", not json_out) as update:
        report = flow.evaluate(model, data, split, precision, device, batch, versus, limit,
                               progress=lambda name: lambda done, total: update(done, total, f"evaluating {name}"))
    verified = None
    if verify_on:
        with tempfile.TemporaryDirectory() as tmp, progress(f"samples on {verify_on}", not json_out) as update:
            verified = flow.verify_on(report, model, verify_on, n, Path(tmp), progress=update)
        report["verify"] = verified
    public = flow.public(report)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "report.json").write_text(json.dumps(public, indent=2) + "\n")
        if report["task"] == "classify" and "confusion" in report:
            metrics.confusion_png(report["confusion"], report["class_names"],
                                  f"{Path(model.split(':')[0]).name} ({report['precision']}), {split}: "
                                  f"{100 * report['accuracy']:.2f} %", out_dir / "confusion.png")
    if json_out:
        print_json(public)
    else:
        _print(report, out_dir)
    return 1 if verified and verified["differ"] else 0


def _print(report: dict, out_dir: Path | None) -> None:
    r = report
    out.print(f"{r['model']} ({r['precision']}) on {r['samples']:,} samples of '{r['split']}': "
              f"{r['samples_per_s']:,.0f} samples/s on {r['device']} ({'; '.join(r['notes'])})")
    if r["task"] == "classify" and "accuracy" in r:
        out.print(f"accuracy {100 * r['accuracy']:.2f} %")
        table = Table(title="per class")
        for col in ("class", "samples", "accuracy", *[f"drift vs {v['model']}" for v in r["versus"]]):
            table.add_column(col, justify="left" if col == "class" else "right")
        counts = r["confusion"].sum(axis=1)
        for c, acc in r["per_class"].items():
            drifts = [f"{100 * v['per_class_drift'].get(c, 0.0):+.2f} pts" for v in r["versus"]
                      if "per_class_drift" in v]
            table.add_row(r["class_names"][c] if c < len(r["class_names"]) else str(c), f"{counts[c]:,}",
                          f"{100 * acc:.2f} %", *drifts)
        out.print(table)
    elif r["task"] == "anomaly":
        auc = f", ROC AUC {r['auc']:.4f}" if "auc" in r else ""
        out.print(f"reconstruction error (mean squared) {r['mse']:.5g}{auc}")
    for v in r["versus"]:
        parts = [f"max |Δ| {v['max_abs_difference']:.4g}"]
        if "top1_agreement" in v:
            parts.insert(0, f"top-1 agreement {100 * v['top1_agreement']:.2f} %")
        if "accuracy" in v:
            parts.append(f"its accuracy {100 * v['accuracy']:.2f} %")
        if "auc" in v:
            parts.append(f"its ROC AUC {v['auc']:.4f}")
        out.print(f"versus {v['model']} ({v['precision']}): " + ", ".join(parts))
    if "verify" in r:
        v = r["verify"]
        how = "bit-identical" if v["exact"] else "within the precision's bound"
        out.print(f"on {v['target']}: {v['samples'] - v['differ']} of {v['samples']} samples {how}"
                  + (f"; differing: {v['first_differing']}" if v["differ"] else ""))
    if out_dir is not None:
        out.print(f"wrote {out_dir}/report.json" + (" and confusion.png" if (out_dir / "confusion.png").exists()
                                                    else ""))
