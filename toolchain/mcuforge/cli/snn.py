"""`mcuforge snn`: spiking networks in float, before quantization: train (surrogate gradients,
BPTT or SLTT) and export, both to NIR. `mcuforge quantize` takes a factory or a .nir file."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..errors import McuforgeError
from .app import app, guard, out, print_json, progress

snn_app = typer.Typer(help="Spiking networks (snnTorch): train with surrogate gradients, export to NIR.",
                      no_args_is_help=True)
app.add_typer(snn_app, name="snn")

MODEL_HELP = "file.py:factory returning (snnTorch nn.Sequential, one step's example input), or a .nir file"


def _graph(model: str):
    from ..frontend.torch import call_factory
    from ..snn.graph import read_snntorch
    from ..snn.nir import read_nir

    if model.lower().endswith(".nir"):
        net, shape = read_nir(Path(model))
        return read_snntorch(net, shape, Path(model).stem)
    if ".py:" not in model:
        raise McuforgeError(f"{model}: give file.py:factory or a .nir file")
    path, factory = model.rsplit(":", 1)
    net, example = call_factory(Path(path), factory)
    return read_snntorch(net, tuple(example.shape[1:]), Path(path).stem)


@snn_app.command("train")
def train_command(
    model: str = typer.Argument(..., help=MODEL_HELP),
    data: str = typer.Option(..., "--data", help="file.py:function; function('train'|'test') yields (x (B, T, ...), y)"),
    epochs: int = typer.Option(10, "--epochs"),
    method: str = typer.Option("bptt", "--method", help="bptt (through time) or sltt (one step's graph at a "
                               "time: memory flat in the number of steps)"),
    lr: Optional[float] = typer.Option(None, "--lr", help="Adam's learning rate (default 2e-3 for bptt, 5e-3 for sltt)"),
    timesteps: Optional[int] = typer.Option(None, "--timesteps", help="for data without a time axis: feed each "
                                            "input this many steps (direct coding)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="the trained network as NIR (default MODEL.nir)"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Train a spiking network in float (snnTorch's arithmetic) and write it as NIR; print the
    test accuracy and the peak memory autograd keeps for one batch."""
    def body() -> int:
        import torch

        from ..snn.flow import load_sequences
        from ..snn.nir import write_nir
        from ..snn.torchnet import SpikingModule
        from ..snn.train import METHODS, accuracy, float_counts, train, training_memory

        if method not in METHODS:
            raise McuforgeError(f"unknown --method {method!r}", hint="bptt or sltt")
        graph = _graph(model)
        target = Path(out_file or Path(model.rsplit(":", 1)[0]).with_suffix(".nir").name)
        if any(layer.kind == "maxpool" for layer in graph.layers):  # refuse before training, not after
            raise McuforgeError(f"{model}: NIR has no max pooling, so the trained model cannot be written as NIR",
                                hint="train and quantize in one go: mcuforge quantize MODEL --data ... "
                                     f"--float-epochs {epochs} --method {method}")
        loader, (x, y) = load_sequences(data, graph.input_shape, timesteps)
        torch.set_num_threads(1)
        module = SpikingModule(graph)
        peak = training_memory(module, loader[0][0], loader[0][1], method)
        with progress(f"{method} training", not json_out) as update:
            loss = train(module, loader, epochs, lr=lr, method=method,
                         on_epoch=lambda e, n, l: update(e, n, loss=l))
        acc = accuracy(float_counts(graph, x), y)
        write_nir(graph, target)
        figures = {"model": model, "method": method, "epochs": epochs, "loss": loss, "test_accuracy": acc,
                   "timesteps": int(x.shape[1]), "batch": int(len(loader[0][0])), "peak_saved_bytes": peak,
                   "nir": str(target)}
        if json_out:
            print_json(figures)
        else:
            out.print(f"{method}: test accuracy {100 * acc:.2f} % ({len(x)} samples, {x.shape[1]} steps); autograd "
                      f"kept at most {peak:,} B for a batch of {figures['batch']}")
            steps = f" --timesteps {timesteps}" if timesteps else ""
            out.print(f"wrote {target}; quantize it with: mcuforge quantize {target} --data {data}{steps}")
        return 0

    guard(body)


@snn_app.command("export")
def export_command(
    model: str = typer.Argument(..., help=MODEL_HELP),
    out_file: Path = typer.Option(..., "--out", "-o", help="the .nir file"),
    dt: float = typer.Option(1e-4, "--dt", help="the time step the discrete model stands for (NIR is continuous)"),
) -> None:
    """Write a spiking network as NIR (each neuron's reset kept in its metadata)."""
    def body() -> int:
        from ..snn.nir import write_nir

        write_nir(_graph(model), out_file, dt)
        out.print(f"wrote {out_file}")
        return 0

    guard(body)
