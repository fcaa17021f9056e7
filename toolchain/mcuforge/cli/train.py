"""`mcuforge train`: on-device learning. Compiles a training program for the chosen layers, runs
its steps on the target beside PyTorch's run from the same start, and reports the loss per step,
accuracy before and after, instructions per phase and RAM by use."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from ..target import DEFAULT_TARGET, load_target
from .app import app, guard, out, print_json

TRAINABLE_HELP = ("what trains: last:K (the last K layers with parameters), all, biases (every bias, weights "
                  "frozen), or layer names (module paths, comma separated)")


@app.command()
def train(
    model: str = typer.Argument(..., help="file.py:factory returning (nn.Module, example input)"),
    data: str = typer.Option(..., "--data", help="file.py:function; function('train'|'test') yields (x, y) batches"),
    trainable: str = typer.Option("last:2", "--trainable", help=TRAINABLE_HELP),
    precision: str = typer.Option("fp32", "--precision", "-p", help="fp32 or fp16 (storage and arithmetic)"),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t"),
    steps: int = typer.Option(50, "--steps", help="training steps"),
    lr: float = typer.Option(0.01, "--lr", help="learning rate"),
    momentum: float = typer.Option(0.9, "--momentum", help="SGD momentum"),
    weight_decay: float = typer.Option(0.0, "--weight-decay"),
    batch: int = typer.Option(1, "--batch", help="samples per step (their gradients are summed: one sample's "
                                                 "activations in RAM)"),
    samples: Optional[int] = typer.Option(None, "--samples", help="distinct training samples the program holds "
                                                                   "(default: steps x batch, as many as fit)"),
    accumulate: Optional[str] = typer.Option(None, "--accumulate", help="fp16: conv and linear sums in fp16 "
                                                                         "(default) or fp32"),
    seed: int = typer.Option(0, "--seed", help="which samples, in which order"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (default out/MODEL-TARGET-train-PRECISION)"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Train layers of a model on the target (simulator or -t host) and compare with PyTorch."""

    def body() -> int:
        from ..odl.flow import Options, train as run_train

        t = load_target(target)
        name = Path(model.rsplit(":", 1)[0]).stem
        folder = out_dir or Path("out") / f"{name}-{t.name}-train-{precision}"
        report = run_train(model, data, t, precision, trainable, steps,
                           Options(lr, momentum, weight_decay, batch, accumulate), folder, samples, seed)
        info = report.as_dict()
        if json_out:
            print_json(info)
            return 0 if info["ok"] else 1
        _print(info)
        return 0 if info["ok"] else 1

    guard(body)


def _pct(v) -> str:
    return "-" if v is None else f"{100 * v:.2f} %"


def _print(info: dict) -> None:
    out.print(f"trained {', '.join(info['trainable'])} of {info['model']} ({info['trainable_elements']:,} "
              f"parameters) on {info['target']}, {info['precision']}: {info['steps']} steps of {info['batch']} "
              f"over {info['samples']} samples, lr {info['lr']:g}, momentum {info['momentum']:g}")
    table = Table(title="loss per step: target vs PyTorch (same start, same samples, same order)")
    for col in ("step", "target", "PyTorch", "rel. difference"):
        table.add_column(col, justify="right")
    losses, ref = info["loss"], info["loss_reference"]
    shown = sorted({0, 1, 2, len(losses) // 2, len(losses) - 2, len(losses) - 1} & set(range(len(losses))))
    for k in shown:
        table.add_row(str(k), f"{losses[k]:.6f}", f"{ref[k]:.6f}", f"{abs(losses[k] - ref[k]) / max(abs(ref[k]), 1e-12):.2e}")
    out.print(table)
    verdict = "[green]agrees[/]" if info["ok"] else "[red]DIFFERS[/]"
    out.print(f"{verdict} with PyTorch: loss within {info['max_loss_rel_error']:.2e} relative (bound "
              f"{info['loss_bound']:g}), trained parameters within {info['max_param_error']:.2e} of their change "
              f"(bound {info['param_bound']:g}); PyTorch's own float32 run drifts {info['pytorch_float32_drift']['loss']:.1e} "
              f"/ {info['pytorch_float32_drift']['params']:.1e} from its float64 run (a difference up to twice that is "
              "float32's own)")
    out.print(f"held-out accuracy: before {_pct(info['accuracy_before'])}, after {_pct(info['accuracy_after'])} "
              f"(PyTorch's run: {_pct(info['accuracy_after_reference'])})")
    if info["per_class"] and len(info["per_class"]) <= 32:
        classes = Table(title="held-out accuracy per class")
        for col in ("class", "samples", "before", "after (target)", "after (PyTorch)"):
            classes.add_column(col, justify="right")
        for c in info["per_class"]:
            classes.add_row(c["name"], str(c["samples"]), _pct(c["accuracy_before"]), _pct(c["accuracy_after"]),
                            _pct(c["accuracy_after_reference"]))
        out.print(classes)
    ins, mpi = info["instructions"], info["mac_per_instr"]
    if ins["forward_per_sample"]:
        out.print(f"instructions per step: {info['instructions_per_step']:,} — per sample forward "
                  f"{ins['forward_per_sample']:,.0f} ({mpi['forward']:.3f} MAC/instr), backward "
                  f"{ins['backward_per_sample']:,.0f} ({(mpi['backward'] or 0):.3f} MAC/instr); update "
                  f"{ins['update']:,}")
    elif info["wall_seconds"]:
        out.print(f"wall time of the run: {info['wall_seconds']:.2f} s (host)")
    ram = info["ram"]
    out.print(f"RAM: state {ram['state']:,} B (trained weights {ram['trained_weights']:,} B + momentum "
              f"{ram['optimizer_state']:,} B), arena {ram['arena']:,} B (parameter gradients "
              f"{ram['parameter_gradients']:,} B, activations kept for the backward pass {ram['kept_activations']:,} B, "
              f"the rest reused); program flash {info['flash']:,} B")
