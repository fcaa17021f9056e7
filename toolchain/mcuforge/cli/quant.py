"""`mcuforge quantize`: Brevitas QAT or PTQ of a PyTorch model, the integer model saved (.mfq),
and the drift report, optionally with the whole test split run on a target."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..errors import McuforgeError
from ..target import load_target
from .app import app, guard, out, print_json, progress


@app.command()
def quantize(
    model: str = typer.Argument(..., help="file.py:factory returning (nn.Sequential, example input), or a "
                                "spiking network as a .nir file"),
    recipe: str = typer.Option("int8", "--recipe", help="quantization preset"),
    data: str = typer.Option(..., "--data", help="file.py:function; function('train'|'test') yields (x, y) batches"),
    qat_epochs: int = typer.Option(5, "--qat-epochs", help="quantization-aware training epochs"),
    ptq: bool = typer.Option(False, "--ptq", help="post-training calibration instead of QAT"),
    float_epochs: int = typer.Option(0, "--float-epochs", help="train the float model first (untrained factories)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="the quantized model (default MODEL.mfq)"),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="also run the test split on this target"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
    membrane: str = typer.Option("auto", "--membrane", help="spiking models: the membranes' type, auto (per layer "
                                 "from the calibrated range), int16 or int32"),
    method: str = typer.Option("bptt", "--method", help="spiking models: bptt or sltt (surrogate-gradient training)"),
    timesteps: Optional[int] = typer.Option(None, "--timesteps", help="spiking models, data without a time axis: "
                                            "each input fed this many steps (direct coding)"),
) -> None:
    """Quantize a PyTorch model with Brevitas and save the integer model (.mfq); print the drift
    report: float vs fake-quant vs the integer model as the device computes it (the batched
    evaluator, whole test split; vs on-target) on the test split. A spiking model (snnTorch)
    gets int8 weights and fixed-point membranes, with the integer recurrence in QAT."""
    def body() -> int:
        if model.lower().endswith(".nir") or (".py:" in model and _spiking_factory(model)):
            return spiking_flow(model, data, qat_epochs, ptq, float_epochs, membrane, out_file, target, json_out,
                                method, timesteps)
        return quantize_flow(model, recipe, data, qat_epochs, ptq, float_epochs, out_file, target, json_out)

    guard(body)


def _spiking_factory(model: str) -> bool:
    from ..frontend.torch import call_factory
    from ..snn.flow import is_spiking

    path, factory = model.rsplit(":", 1)
    return is_spiking(call_factory(Path(path), factory)[0])


def spiking_flow(model, data, qat_epochs, ptq, float_epochs, membrane, out_file, target, json_out,
                 method: str = "bptt", timesteps: int | None = None) -> int:
    """Quantize a spiking network, save it, optionally run the whole test split on a target."""
    import numpy as np

    from ..core.flow import run
    from ..snn.compiler import compile_snn

    from ..snn.flow import quantize_spiking

    with progress("training", not json_out) as update:
        result = quantize_spiking(model, data, qat_epochs, ptq, float_epochs, membrane,
                                  on_epoch=lambda stage, e, n, loss: update(e, n, f"{stage} training", loss=loss),
                                  method=method, timesteps=timesteps)
    path = Path(out_file or Path(model.rsplit(":", 1)[0]).with_suffix(".mfq").name)
    if path.suffix.lower() == ".nir":
        raise McuforgeError(f"-o {path}: the quantized model is an .mfq file")
    result.save(path)
    x, y = result.test
    target_accuracy, mismatches = None, None
    if target:
        t = load_target(target)
        c = compile_snn(result.integer, path.stem, t, Path("out") / f"{path.stem}-{t.name}-snn", source=str(path),
                        timesteps=result.timesteps)
        inputs = result.integer.quantize_input(x).reshape(len(x) * result.timesteps, -1)
        with progress(f"test split on {t.name}", not json_out) as update:
            r = run(c, inputs, c.out_dir / "build", progress=update)
        counts = r.outputs.reshape(len(x), result.timesteps, -1).astype(np.int64).sum(1)
        target_accuracy = float(np.mean(np.argmax(counts, 1) == y))
        mismatches = int(np.sum(np.any(r.outputs.reshape(len(x), -1) != r.reference.reshape(len(x), -1), axis=1)))
    figures = {"model": str(path), "test_samples": len(x), "timesteps": result.timesteps,
               "float_accuracy": result.float_accuracy, "integer_accuracy": result.integer_accuracy,
               "spike_rates": result.rates,
               "membranes": {layer.name: layer.params["membrane"] for layer in result.integer.neurons},
               "on_target_accuracy": target_accuracy, "on_target_mismatches": mismatches}
    if json_out:
        print_json(figures)
    else:
        table = Table(title=f"spiking network on the test split ({len(x)} samples, {result.timesteps} steps each)")
        table.add_column("stage")
        table.add_column("accuracy", justify="right")
        table.add_row("float (snnTorch arithmetic)", f"{100 * result.float_accuracy:.2f} %")
        table.add_row("integer (host reference = device)", f"{100 * result.integer_accuracy:.2f} %")
        if target_accuracy is not None:
            table.add_row(f"on {target}", f"{100 * target_accuracy:.2f} %")
        out.print(table)
        for layer, rate in zip(result.integer.neurons, result.rates):
            out.print(f"layer {layer.name} ({layer.kind}): {layer.size} neurons, {layer.params['membrane']} membrane, "
                      f"threshold {layer.params['theta']}, spike rate {100 * rate:.1f} %")
        if mismatches is not None:
            out.print(f"on target {target}: {len(x) - mismatches} of {len(x)} spike trains bit-identical to the "
                      "integer host reference")
        out.print(f"saved {path}; compile it with: mcuforge compile {path} --target TARGET")
    return 1 if mismatches else 0


def quantize_flow(model, recipe, data, qat_epochs, ptq, float_epochs, out_file, target, json_out) -> int:
    """Quantize, save the .mfq, optionally run the whole test split on a target, print the drift
    report."""
    from ..core.flow import run
    from ..integer.compiler import compile_int8
    from ..integer.serialize import save_qgraph
    from ..quant.quantize import drift, int8_inputs, quantize as run_quantize, stages_as_dicts

    with progress("training", not json_out) as update:
        float_model, quantized, graph, (x, y) = run_quantize(
            model, recipe, data, qat_epochs, ptq, float_epochs,
            on_epoch=lambda stage, epoch, epochs, loss: update(epoch, epochs, f"{stage} training", loss=loss))
    path = out_file or Path(model.rsplit(":", 1)[0]).with_suffix(".mfq").name
    save_qgraph(graph, Path(path))
    target_outputs, mismatches = None, None
    if target:
        t = load_target(target)
        c = compile_int8(graph, Path(path).stem, t, Path("out") / f"{Path(path).stem}-{t.name}-int8", source=str(path))
        with progress(f"test split on {t.name}", not json_out) as update:
            r = run(c, int8_inputs(quantized, x, graph), c.out_dir / "build", progress=update)
        target_outputs, mismatches = r.outputs, r.mismatches
    stages = drift(float_model, quantized, graph, x, y, target_outputs)
    if json_out:
        print_json({"model": str(path), "recipe": recipe, "test_samples": len(x), "stages": stages_as_dicts(stages),
                    "on_target_samples": len(x) if target else 0, "on_target_mismatches": mismatches})
    else:
        table = Table(title=f"drift on the test split ({len(x)} samples), recipe {recipe}")
        for col in ("stage", "accuracy", "top-1 agreement with float", "max |Δ| vs float"):
            table.add_column(col, justify="right" if col != "stage" else "left")
        for s in stages:
            table.add_row(s.name, "—" if s.accuracy is None else f"{100 * s.accuracy:.2f} %",
                          f"{100 * s.top1_agreement_with_float:.2f} %", f"{s.max_abs_difference_from_float:.4g}")
        out.print(table)
        if mismatches is not None:
            out.print(f"on target {target}: {len(x) - mismatches} of {len(x)} outputs bit-identical to the "
                      "integer host reference")
        out.print(f"saved {path}; compile it with: mcuforge compile {path} --target TARGET")
    return 1 if mismatches else 0
