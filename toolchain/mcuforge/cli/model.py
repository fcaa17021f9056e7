"""Commands on one model: compile (to a C library), run (compile, run on a target, check against
the reference, report figures) and report (show a run again, write its page). Both paths, every
precision, through the one flow (core/flow.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import McuforgeError
from ..target import DEFAULT_TARGET, load_target
from .app import app, err, guard, out, print_json, progress

MODEL_HELP = "file.py:factory, file.pt2, file.onnx, file.tflite or file.mfq"
PRECISION_HELP = "fp32, fp16 or int8; auto: int8 for int8 .tflite and .mfq files, else fp32"
KERNELS_HELP = ("mcuforge: hand-written kernels where a pattern matches, TVM's code elsewhere; tvm: TVM's code "
                "throughout (float, for comparison); ref: the portable reference kernels instead of the ISA "
                "variants (int8, for comparison)")
ACCUMULATE_HELP = ("fp16 models: what convolutions and dense layers accumulate in, fp16 or fp32 "
                   "(default: fp16 where the target computes in fp16, fp32 where it only converts)")
STREAM_HELP = ("int8 models: compile a stream, mf_model_push(new frames, out), that computes only the new frames "
               "of each layer and equals full-window inference bit for bit (with --hop)")
HOP_HELP = "with --stream: new frames (samples) per call; a multiple of the strides and pooling"
TIMESTEPS_HELP = "spiking models: time steps per sample (the state is reset before each); run: -n samples of T steps"
TRACE_HELP = "spiking models: each step's output is every neuron layer's spikes (compared neuron by neuron)"
EVENTS_HELP = ("spiking models: auto (default: per synapse, the kernel predicted cheaper at its calibrated input "
               "rate), dense, or events (spike lists, scattered convolution taps)")


def _default_out(model: str, target: str, precision: str) -> Path:
    path, _, factory = model.partition(":")
    name = Path(path).stem + (f".{factory}" if factory else "")
    return Path("out") / f"{name}-{target}-{precision}"


def compile_for(model: str, target: str, precision: str, out_dir: Optional[Path], kernels: str,
                accumulate: Optional[str], stream: bool = False, hop: Optional[int] = None, **spiking):
    """Compile with the CLI's defaults (out/MODEL-TARGET-PRECISION); print the reference's note."""
    from ..core.flow import compile as compile_model
    from ..core.precision import resolve_precision

    t = load_target(target)
    precision = resolve_precision(model, precision)
    if stream != (hop is not None):
        raise McuforgeError("--stream and --hop go together: --stream --hop H (new frames per call)")
    default = _default_out(model, t.name, precision + (f"-hop{hop}" if stream else ""))
    c = compile_model(model, t, precision, out_dir or default, kernels, accumulate, hop, **spiking)
    if c.reference_note:
        err.print(f"[yellow]note:[/] {c.reference_note}", highlight=False)
    return c


@app.command()
def compile(  # noqa: A001 (the command's name)
    model: str = typer.Argument(..., help=MODEL_HELP),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t"),
    precision: str = typer.Option("auto", "--precision", "-p", help=PRECISION_HELP),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (default out/MODEL-TARGET-PRECISION)"),
    kernels: str = typer.Option("mcuforge", "--kernels", help=KERNELS_HELP),
    accumulate: Optional[str] = typer.Option(None, "--accumulate", help=ACCUMULATE_HELP),
    stream: bool = typer.Option(False, "--stream", help=STREAM_HELP),
    hop: Optional[int] = typer.Option(None, "--hop", help=HOP_HELP),
    timesteps: Optional[int] = typer.Option(None, "--timesteps", help=TIMESTEPS_HELP),
    trace: bool = typer.Option(False, "--trace", help=TRACE_HELP),
    events: Optional[str] = typer.Option(None, "--events", help=EVENTS_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Compile a model to a standalone C library: model.h, model.c, weights.c and the kernels."""

    def body() -> None:
        c = compile_for(model, target, precision, out_dir, kernels, accumulate, stream, hop, timesteps=timesteps,
                        trace=trace or None, events=events)
        info = json.loads((c.out_dir / "compile.json").read_text())
        info["compile_seconds"] = c.compile_seconds
        info["files"] = [str(c.out_dir / "model.h"), *map(str, c.sources)]
        if json_out:
            print_json(info)
            return
        out.print(f"compiled {c.name} for {c.target.name} ({c.precision}) into {c.out_dir}/ in "
                  f"{c.compile_seconds:.1f} s")
        state = f", state {c.state.size:,} B" if c.state.size else ""
        out.print(f"  {len(c.layer_names)} kernels, {c.macs:,} MACs, weights {c.weight_bytes:,} B, arena "
                  f"{c.plan.arena_size:,} B (naive sum {c.plan.naive_size:,} B){state}; memory plan: "
                  f"{c.out_dir}/plan.txt")

    guard(body)


@app.command()
def run(
    model: str = typer.Argument(..., help=MODEL_HELP),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t"),
    precision: str = typer.Option("auto", "--precision", "-p", help=PRECISION_HELP),
    inputs: int = typer.Option(3, "--inputs", "-n", help="random inputs to check (seeded)"),
    check: Optional[str] = typer.Option(None, "--check", help="tflite-micro: also compare int8 outputs "
                                        "bit for bit with TFLite Micro's interpreter"),
    data: Optional[str] = typer.Option(None, "--data", help="with --precision int8 on a PyTorch factory: "
                                       "file.py:function yielding (x, y) batches for QAT and the drift report"),
    recipe: str = typer.Option("int8", "--recipe", help="quantization preset for a PyTorch factory"),
    qat_epochs: int = typer.Option(5, "--qat-epochs", help="QAT epochs for a PyTorch factory"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o"),
    profile: bool = typer.Option(True, "--profile/--no-profile", help="per-layer instruction counts"),
    timeout: float = typer.Option(600.0, "--timeout", help="seconds per simulator run"),
    kernels: str = typer.Option("mcuforge", "--kernels", help=KERNELS_HELP),
    accumulate: Optional[str] = typer.Option(None, "--accumulate", help=ACCUMULATE_HELP),
    stream: bool = typer.Option(False, "--stream", help=STREAM_HELP),
    hop: Optional[int] = typer.Option(None, "--hop", help=HOP_HELP),
    timesteps: Optional[int] = typer.Option(None, "--timesteps", help=TIMESTEPS_HELP),
    trace: bool = typer.Option(False, "--trace", help=TRACE_HELP),
    events: Optional[str] = typer.Option(None, "--events", help=EVENTS_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Compile, build with the runtime, run on the target, compare with the reference, report figures.

    Exits 1 when the outputs differ from the reference by more than the precision's bound
    (int8: any bit)."""
    from ..core.flow import run as run_compiled
    from ..core.precision import PRECISIONS
    from ..report.figures import layer_table, run_figures, summary_table

    def body() -> int:
        if ".py:" in model and precision in PRECISIONS and PRECISIONS[precision].quantized:
            from .quant import quantize_flow  # a float PyTorch model: quantize with Brevitas first

            if not data:
                raise McuforgeError(f"--precision {precision} on a PyTorch model needs --data file.py:function "
                                    "(training and test batches)")
            return quantize_flow(model, recipe, data, qat_epochs, False, 0, None, target, json_out)
        c = compile_for(model, target, precision, out_dir, kernels, accumulate, stream, hop, timesteps=timesteps,
                        trace=trace or None, events=events)
        with progress(f"running on {c.target.name}", not json_out) as update:
            samples = c.random_inputs(inputs * (c.reset_every or 1))  # a spiking model: n samples of T steps
            r = run_compiled(c, samples, c.out_dir / "build", profile=profile, timeout=timeout, check=check,
                             progress=update)
        figures = run_figures(c, r)
        (c.out_dir / "run.json").write_text(json.dumps(figures, indent=2) + "\n")
        if json_out:
            print_json(figures)
        else:
            out.print(summary_table(figures))
            if profile and r.layer_insns:
                out.print(layer_table(figures))
        if not r.ok:
            err.print(f"[bold red]mismatch:[/] {r.diff()}", highlight=False)
            return 1
        return 0

    guard(body)


@app.command()
def report(
    out_dir: Path = typer.Argument(..., help="a folder written by `mcuforge run`"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Show a run's figures again, and write report.html and report.png beside them."""
    from ..report.figures import layer_table, summary_table
    from ..report.page import write_page

    def body() -> None:
        path = out_dir / "run.json"
        if not path.is_file():
            raise McuforgeError(f"{path} does not exist", hint=f"run `mcuforge run MODEL -o {out_dir}` first")
        figures = json.loads(path.read_text())
        if "oracles" not in figures:
            raise McuforgeError(f"{path} was written by an older mcuforge", hint=f"run `mcuforge run` again")
        html, png = write_page(out_dir, figures)
        if json_out:
            print_json({**figures, "html": str(html), "png": str(png)})
            return
        out.print(summary_table(figures))
        out.print(layer_table(figures))
        out.print(f"wrote {html} and {png}")

    guard(body)
