"""The `mcuforge` command line.

Every command that reports figures takes --json and then prints one JSON document on stdout.
Errors a user can cause are printed as one message with a hint, never as a traceback, and the
exit status is non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable, List, Optional

import numpy as np
import typer
from rich.console import Console
from rich.table import Table

from . import __version__
from .errors import McuforgeError
from .target import DEFAULT_TARGET, Target, all_targets, load_target

app = typer.Typer(
    help="mcuforge: neural networks to Cortex-M and RISC-V microcontrollers, checked and "
    "measured on simulated cores.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables are wide: keep them whole when the output is a file or a pipe (CI logs, docs/results.md).
out = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 160)


def _guard(fn: Callable[[], int | None]) -> None:
    """Run a command body; turn mcuforge errors into a message and exit status 2."""
    try:
        code = fn()
    except McuforgeError as exc:
        err.print(f"[bold red]error:[/] {exc.message}", highlight=False, markup=True)
        if exc.hint:
            err.print(f"[yellow]hint:[/] {exc.hint}", highlight=False)
        raise typer.Exit(2) from None
    raise typer.Exit(code or 0)


def _print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _fmt_bytes(n: int) -> str:
    return f"{n:,}"


@app.command()
def version() -> None:
    """Print the mcuforge version."""
    out.print(__version__)


@app.command()
def doctor(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """Check every tool mcuforge needs, with versions, and say how to fix what is missing."""
    from .doctor import run_checks

    def body() -> int:
        checks = run_checks()
        if json_out:
            _print_json([c.as_dict() for c in checks])
        else:
            table = Table(title="mcuforge doctor")
            for col in ("check", "status", "found", "fix"):
                table.add_column(col, overflow="fold")
            for c in checks:
                status = "[green]ok[/]" if c.ok else "[red]missing[/]"
                table.add_row(c.name, status, c.found, "" if c.ok else c.fix)
            out.print(table)
        return 0 if all(c.ok for c in checks) else 1

    _guard(body)


@app.command()
def targets(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the targets (targets/*.toml) with their features and memory."""

    def body() -> None:
        ts = all_targets(host=True)
        if json_out:
            _print_json([_target_dict(t) for t in ts])
            return
        table = Table(title=f"targets (default: {DEFAULT_TARGET})")
        for col in ("target", "core / simulator", "features", "flash", "RAM",
                    "peak MAC/instr int8·fp16·fp32", "kernels"):
            table.add_column(col, overflow="fold")
        for t in ts:
            peaks = " · ".join(f"{t.peak(d):g}" if t.peak(d) else "—" for d in ("int8", "fp16", "fp32"))
            table.add_row(t.name, f"{t.description}", ", ".join(sorted(t.features)) or "—",
                          f"{t.memory.flash.length // 1024} KiB", f"{t.memory.ram.length // 1024} KiB",
                          peaks, " > ".join(t.kernel_variants))
        out.print(table)

    _guard(body)


def _target_dict(t: Target) -> dict:
    return {
        "name": t.name, "description": t.description, "arch": t.arch,
        "features": sorted(t.features), "triple": t.compiler.triple, "cflags": list(t.compiler.cflags),
        "flash": {"origin": t.memory.flash.origin, "length": t.memory.flash.length},
        "ram": {"origin": t.memory.ram.origin, "length": t.memory.ram.length},
        "stack": t.memory.stack, "qemu_machine": t.qemu.machine if t.qemu else None,
        "qemu_cpu": t.qemu.cpu if t.qemu else None,
        "platformio": {"platform": t.platformio.platform, "board": t.platformio.board} if t.platformio else None,
        "peak_macs_per_insn": dict(t.peak_macs_per_insn), "kernel_variants": list(t.kernel_variants),
        "vlen": t.vlen,
    }


@app.command()
def boards(json_out: bool = typer.Option(False, "--json", help="machine-readable output")) -> None:
    """List the real boards (targets/boards/*.toml) `mcuforge deploy` and `mcuforge hil` know."""
    from .target import all_boards

    def body() -> None:
        bs = all_boards()
        if json_out:
            _print_json([_target_dict(b) for b in bs])
            return
        table = Table(title="boards (PlatformIO)")
        for col in ("board", "description", "PlatformIO platform / board", "flash", "RAM", "HIL UART", "kernels"):
            table.add_column(col, overflow="fold")
        for b in bs:
            table.add_row(b.name, b.description, f"{b.platformio.platform} / {b.platformio.board}",
                          f"{b.memory.flash.length // 1024} KiB", f"{b.memory.ram.length // 1024} KiB",
                          f"{b.hil.uart} @ 0x{b.hil.uart_base:08x}, {b.hil.baud} baud", " > ".join(b.kernel_variants))
        out.print(table)

    _guard(body)


@app.command()
def deploy(
    model: str = typer.Argument(..., help="file.py:factory, file.pt2, file.onnx, file.tflite or file.mfq"),
    board: str = typer.Option(..., "--board", "-b", help="a board from `mcuforge boards`"),
    precision: str = typer.Option("auto", "--precision", "-p", help="auto, int8, fp32 or fp16"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="project folder (default deploy/MODEL-BOARD)"),
    upload_: bool = typer.Option(False, "--upload", help="pio run -t upload, then the HIL smoke test"),
    port: Optional[str] = typer.Option(None, "--port", help="the board's serial port, for the smoke test after --upload"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Generate a PlatformIO project for a real board: the model, the HIL firmware, the runtime and
    kernels; checked by building its sources for the board with mcuforge's toolchain."""
    from .deploy import generate_project
    from .errors import DoesNotFit
    from .target import load_board

    def body() -> int:
        b = load_board(board)
        path = out_dir or Path("deploy") / f"{Path(model.split(':')[0]).stem}-{b.name}"
        try:
            project = generate_project(model, b, path, precision)
        except DoesNotFit as exc:
            raise McuforgeError(f"{model} does not fit {b.name} ({b.memory.flash.length // 1024} KiB flash, "
                                f"{b.memory.ram.length // 1024} KiB RAM): {exc.message}", hint=exc.hint) from None
        sizes = project.program.sizes
        figures = {"project": str(path), "board": b.name, "platformio_board": b.platformio.board,
                   "model": model, "precision": project.precision, "model_hash": project.model_hash,
                   "flash_bytes": sizes.flash, "ram_bytes": sizes.data + sizes.bss + sizes.stack,
                   "flash_total": b.memory.flash.length, "ram_total": b.memory.ram.length}
        if json_out and not upload_:
            _print_json(figures)
        else:
            out.print(f"PlatformIO project for {b.description} in {path}/ (model {project.precision}, hash "
                      f"{project.model_hash}); our build: flash {sizes.flash:,} / {b.memory.flash.length:,} B, "
                      f"RAM {figures['ram_bytes']:,} / {b.memory.ram.length:,} B (stack {sizes.stack:,} B)")
            out.print(f"  build and flash: pio run -d {path} -t upload;  then: mcuforge hil --board {b.name} "
                      f"--port PORT --model {model}")
        if not upload_:
            return 0
        from .deploy.upload import upload

        upload(project, port)
        if port is None:
            err.print("uploaded; give --port to run the HIL smoke test")
            return 0
        return _hil_smoke(project, port)

    _guard(body)


def _hil_smoke(project, port: str) -> int:
    import tempfile

    from .hil.session import HilModel, open_session

    model = HilModel(project.model, project.precision, project.compiled)
    if project.precision != "int8":
        from .frontend import load_model

        model.imported = load_model(project.model)
    with tempfile.TemporaryDirectory() as tmp, open_session(project.board, model, Path(tmp), port) as s:
        x = model.inputs(1)[0]
        got, answer, _ = s.infer(x)
        diff = model.mismatch(got, model.reference(x))
        if diff:
            err.print(f"[bold red]HIL smoke test failed:[/] {diff}")
            return 1
        out.print(f"HIL smoke test passed on {project.board.name}: output matches the host; "
                  f"{answer.cycles:,} cycles per inference")
    return 0


@app.command()
def hil(
    board: Optional[str] = typer.Option(None, "--board", "-b", help="a real board (with --port)"),
    port: Optional[str] = typer.Option(None, "--port", help="the board's serial port, e.g. /dev/ttyACM0"),
    sim: List[str] = typer.Option([], "--sim", help="a simulated target (repeatable), e.g. qemu-cortex-m4"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="the model on the board (default: MLPerf KWS int8)"),
    precision: str = typer.Option("auto", "--precision", "-p"),
    inputs: int = typer.Option(10, "--inputs", "-n", help="random inputs for the bit-exactness test"),
    report_file: Optional[Path] = typer.Option(None, "--report", help="write the latency/throughput report (JSON)"),
) -> None:
    """Run the HIL suite (hil/) on a real board over its serial port, or on QEMU boards over an
    emulated UART: handshake, bit-exact outputs, latency per inference and per layer, throughput."""
    import pytest

    from .paths import ROOT

    def body() -> int:
        if bool(board) != bool(port):
            raise McuforgeError("--board and --port go together", hint="or run on QEMU boards: --sim qemu-cortex-m4")
        if board and sim:
            raise McuforgeError("give a board (--board/--port) or simulated targets (--sim), not both")
        args = [str(ROOT / "hil"), "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                "--hil-precision", precision, "--hil-inputs", str(inputs)]
        if board:
            args += ["--board", board, "--port", port]
        for s in sim:
            load_target(s)  # a clear error for a wrong name
            args += ["--sim", s]
        if model:
            args += ["--hil-model", str(Path(model).resolve()) if Path(model).is_file() else model]
        if report_file:
            args += ["--hil-report", str(report_file)]
        return int(pytest.main(args))

    _guard(body)


@app.command("run-c")
def run_c(
    sources: List[Path] = typer.Argument(..., help="C (or .S) files of the program", exists=False),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t", help="target name (see `mcuforge targets`)"),
    include: List[Path] = typer.Option([], "--include", "-I", help="extra include directory"),
    define: List[str] = typer.Option([], "--define", "-D", help="NAME or NAME=VALUE"),
    opt: str = typer.Option("-O2", "--opt", help="optimization flag"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="build directory (default: temporary)"),
    timeout: float = typer.Option(60.0, "--timeout", help="seconds before the simulator is stopped"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Build a bare-metal C program with the mcuforge runtime, run it in QEMU, print its counts.

    The program includes "mf_runtime.h" for mf_printf, mf_exit and the benchmark markers
    mf_bench_start()/mf_bench_stop(); the exit status of the command is the program's."""
    from .build import build_program
    from .sim import run_program

    def body() -> int:
        t = load_target(target)
        defines = dict(d.split("=", 1) if "=" in d else (d, None) for d in define)
        program = build_program(t, sources, out_dir, include_dirs=include, defines=defines, opt=opt)
        result = run_program(program, timeout=timeout)
        c = result.counts
        report = {
            "target": t.name, "elf": str(program.elf), "exit_code": result.exit_code,
            "fault": result.fault, "output": result.output,
            "sizes": program.sizes.as_dict(), "stack_used": result.stack_used, "records": result.records,
        }
        if c is None:  # the host target: wall time
            report["regions_ns"] = list(result.wall_ns)
        else:
            report.update({"insns": c.insns, "insns_lmul_weighted": c.insns_lmul_weighted,
                           "bench_insns": c.bench_insns, "bench_insns_lmul_weighted": c.bench_insns_lmul_weighted,
                           "regions": [list(r) for r in c.regions], "vsetvl_register_form": c.vsetvl_register_form})
        if json_out:
            _print_json(report)
        else:
            sys.stdout.write(result.output)
            table = Table(title=f"{program.elf.name} on {t.name}")
            table.add_column("figure")
            table.add_column("value", justify="right")
            table.add_row("exit status", str(result.exit_code))
            if c is None:
                table.add_row("wall time between markers", f"{sum(result.wall_ns) / 1e3:,.1f} µs in "
                              f"{len(result.wall_ns)} region(s)")
            else:
                table.add_row("instructions (whole run)", f"{c.insns:,}")
                table.add_row("instructions between markers", f"{c.bench_insns:,} in {len(c.regions)} region(s)")
                if t.has("rvv"):
                    table.add_row("  LMUL-weighted", f"{c.bench_insns_lmul_weighted:,}")
                s = program.sizes
                table.add_row("flash (text+rodata+data)", f"{s.flash:,} B")
                table.add_row("RAM (data+bss+stack reserve)", f"{s.ram:,} B")
                table.add_row("stack used", f"{result.stack_used:,} B")
            out.print(table)
            if result.fault:
                err.print(f"[bold red]fault:[/] {result.fault}", highlight=False)
        return result.exit_code

    _guard(body)


@app.command("dot-bench")
def dot_bench(
    target: List[str] = typer.Option([], "--target", "-t", help="targets to run (default: all)"),
    n: int = typer.Option(1024, "--n", help="dot-product length"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """int8 and fp16 dot products with each target's ISA kernels (SMLAD, Helium, RVV, Zfh):
    checked against NumPy, counted, tabled."""
    from .dotbench import run_dot

    def body() -> int:
        ts = [load_target(name) for name in target] if target else all_targets()
        runs = []
        for t in ts:
            if not json_out:
                err.print(f"building and running on {t.name} ...", highlight=False)
            runs.append(run_dot(t, n))
        if json_out:
            _print_json([r.as_dict() for r in runs])
        else:
            out.print(_dot_table(runs, n))
            out.print("instructions: executed between the benchmark markers in QEMU (LMUL-weighted on "
                      "vector targets); they are counts, not time. MAC/instr: n / instructions.")
        failed = [r.target for r in runs if not r.int8_ok or r.fp16_ok is False]
        if failed:
            err.print(f"[bold red]wrong results on:[/] {', '.join(failed)}")
        return 1 if failed else 0

    _guard(body)


def _dot_table(runs, n: int) -> Table:
    table = Table(title=f"dot product, n = {n}: instructions per call and MAC/instruction")
    for col, justify in (("target", "left"), ("int8 kernel", "left"), ("instr", "right"),
                         ("MAC/instr", "right"), ("of peak", "right"), ("fp16 kernel", "left"),
                         ("instr", "right"), ("MAC/instr", "right"), ("of peak", "right"),
                         ("result", "left"), ("flash B", "right"), ("stack B", "right")):
        table.add_column(col, justify=justify)
    for r in runs:
        f16 = ("—",) * 4
        if r.fp16_kernel:
            f16 = (r.fp16_kernel, f"{r.fp16_insns:,}", f"{r.fp16_mac_per_insn:.2f}",
                   f"{100 * r.fp16_mac_per_insn / r.peak_fp16:.0f} %")
        ok = r.int8_ok and r.fp16_ok is not False
        table.add_row(r.target, r.int8_kernel, f"{r.int8_insns:,}", f"{r.int8_mac_per_insn:.2f}",
                      f"{100 * r.int8_mac_per_insn / r.peak_int8:.0f} %", *f16,
                      "[green]exact[/]" if ok else "[red]WRONG[/]", _fmt_bytes(r.flash), _fmt_bytes(r.stack_used))
    return table


def _load(model: str, target: str):
    from .frontend import load_model

    imported = load_model(model)
    if imported.reference_note:
        err.print(f"[yellow]note:[/] {imported.reference_note}", highlight=False)
    return imported, load_target(target)


ACCUMULATE_HELP = ("fp16 models: what convolutions and dense layers accumulate in, fp16 or fp32 "
                   "(default: fp16 where the target computes in fp16, fp32 where it only converts)")


def _default_out(model_name: str, target: str, precision: str) -> Path:
    return Path("out") / f"{model_name}-{target}-{precision}"


@app.command()
def compile(  # noqa: A001 (the command's name)
    model: str = typer.Argument(..., help="file.py:factory, file.pt2, file.onnx or file.tflite"),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t"),
    precision: str = typer.Option("auto", "--precision", "-p",
                                  help="fp32, fp16 or int8; auto: int8 for int8 .tflite files, else fp32"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="output folder (default out/MODEL-TARGET-PRECISION)"),
    kernels: str = typer.Option("mcuforge", "--kernels", help="mcuforge: hand-written kernels where a pattern "
                                "matches, TVM's code elsewhere; tvm: TVM's code throughout (float, for comparison); "
                                "ref: the portable reference kernels instead of the ISA variants (int8, for comparison)"),
    accumulate: Optional[str] = typer.Option(None, "--accumulate", help=ACCUMULATE_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Compile a model to a standalone C library: model.h, model.c, weights.c and the kernels."""
    from .compiler import compile_model

    def body() -> None:
        if _precision(model, precision) == "int8":
            _no_accumulate_for_int8(accumulate)
            c = _compile_int8(model, target, out_dir, kernels)
            info = json.loads((c.out_dir / "compile.json").read_text())
            if json_out:
                _print_json({**info, "compile_seconds": c.compile_seconds})
            else:
                out.print(f"compiled {c.name} for {c.target.name} (int8) into {c.out_dir}/: {len(info['layers'])} "
                          f"kernels, {c.macs:,} MACs, weights {c.weight_bytes:,} B, arena {c.plan.arena_size:,} B")
            return
        m, t = _load(model, target)
        precision_ = _precision(model, precision)
        out_path = out_dir or _default_out(m.name, t.name, precision_)
        c = compile_model(m, t, precision_, out_path, kernels=kernels, accumulate=accumulate)
        info = json.loads((out_path / "compile.json").read_text())
        info["compile_seconds"] = c.compile_seconds
        info["files"] = [str(p) for p in (c.files.model_h, *c.files.sources, c.files.abi_h)]
        if json_out:
            _print_json(info)
            return
        out.print(f"compiled {m.name} for {t.name} ({precision_}) into {out_path}/ in {c.compile_seconds:.1f} s")
        out.print(f"  {len(c.graph.steps)} kernels, {c.macs:,} MACs, weights {c.weight_bytes:,} B, "
                  f"arena {c.plan.arena_size:,} B (naive sum {c.plan.naive_size:,} B); memory plan: {out_path}/plan.txt")

    _guard(body)


@app.command()
def run(
    model: str = typer.Argument(..., help="file.py:factory, file.pt2, file.onnx or file.tflite"),
    target: str = typer.Option(DEFAULT_TARGET, "--target", "-t"),
    precision: str = typer.Option("auto", "--precision", "-p",
                                  help="fp32, fp16 or int8; auto: int8 for int8 .tflite files, else fp32"),
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
    kernels: str = typer.Option("mcuforge", "--kernels", help="mcuforge: hand-written kernels where a pattern "
                                "matches, TVM's code elsewhere; tvm: TVM's code throughout (float, for comparison); "
                                "ref: the portable reference kernels instead of the ISA variants (int8, for comparison)"),
    accumulate: Optional[str] = typer.Option(None, "--accumulate", help=ACCUMULATE_HELP),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Compile, build with the runtime, run in QEMU, compare with the framework, report figures.

    Exits 1 when the outputs differ from the reference by more than the precision's bound."""
    from .compiler import TOLERANCE, compile_model, random_inputs, run_model
    from .report.figures import layer_table, run_figures, summary_table

    precision_arg = precision

    def body() -> int:
        if check not in (None, "tflite-micro"):
            raise McuforgeError(f"unknown --check {check!r}", hint="the one oracle today: --check tflite-micro")
        if precision_arg == "int8" and ".py:" in model:  # quantize with Brevitas, then run and report drift
            if not data:
                raise McuforgeError("--precision int8 on a PyTorch model needs --data file.py:function "
                                    "(training and test batches)")
            return _quantize_flow(model, recipe, data, qat_epochs, False, 0, None, target, json_out)
        precision = _precision(model, precision_arg)
        if precision == "int8":
            _no_accumulate_for_int8(accumulate)
            return _run_int8(model, target, inputs, out_dir, profile, timeout, check, json_out, kernels)
        if kernels == "ref":
            raise McuforgeError("--kernels ref is for the integer path", hint="float models: --kernels mcuforge or tvm")
        if check:
            raise McuforgeError("--check tflite-micro compares int8 models; this is a float model")
        m, t = _load(model, target)
        out_path = out_dir or _default_out(m.name, t.name, precision)
        c = compile_model(m, t, precision, out_path, kernels=kernels, accumulate=accumulate)
        r = run_model(c, m, random_inputs(m, inputs), out_path / "build", profile=profile, timeout=timeout)
        figures = run_figures(c, r)
        (out_path / "run.json").write_text(json.dumps(figures, indent=2) + "\n")
        if json_out:
            _print_json(figures)
        else:
            out.print(summary_table(figures, TOLERANCE[precision]))
            if profile and r.layer_insns:
                out.print(layer_table(figures))
        if r.checked and r.max_rel_error > TOLERANCE[precision]:
            err.print(f"[bold red]mismatch:[/] max rel error {r.max_rel_error:.3g} > {TOLERANCE[precision]:g}")
            return 1
        return 0

    _guard(body)


def _no_accumulate_for_int8(accumulate: Optional[str]) -> None:
    if accumulate is not None:
        raise McuforgeError("--accumulate is for float models", hint="int8 kernels accumulate in int32")


def _precision(model: str, precision: str) -> str:
    from .model_spec import resolve_precision

    return resolve_precision(model, precision)


def _compile_int8(model: str, target: str, out_dir: Optional[Path], kernels: str = "mcuforge"):
    from .model_spec import compile_spec

    name = Path(model).stem
    t = load_target(target)
    return compile_spec(model, t, "int8", out_dir or _default_out(name, t.name, "int8"), kernels)[0]


def _run_int8(model, target, inputs, out_dir, profile, timeout, check, json_out, kernels="mcuforge") -> int:
    from .integer.compiler import random_int8_inputs, run_int8
    from .integer.tflm import tflm_outputs
    from .report.figures import int8_figures, int8_summary_table, layer_table

    c = _compile_int8(model, target, out_dir, kernels)
    xs = random_int8_inputs(c.graph, inputs)
    r = run_int8(c, xs, c.out_dir / "build", profile=profile, timeout=timeout)
    tflm = None
    if check == "tflite-micro" and not model.lower().endswith(".tflite"):
        raise McuforgeError("--check tflite-micro needs the .tflite file itself")
    if check == "tflite-micro":
        want = tflm_outputs(Path(model), xs).reshape(r.outputs.shape)
        tflm = int(np.sum(np.any(r.outputs.reshape(len(xs), -1) != want.reshape(len(xs), -1), axis=1)))
    figures = int8_figures(c, r, tflm)
    (c.out_dir / "run.json").write_text(json.dumps(figures, indent=2) + "\n")
    if json_out:
        _print_json(figures)
    else:
        out.print(int8_summary_table(figures))
        if profile and r.layer_insns:
            out.print(layer_table(figures))
    if r.mismatches or tflm:
        err.print(f"[bold red]mismatch:[/] {r.mismatches} inputs differ from the integer reference"
                  + (f", {tflm} from TFLite Micro" if tflm else ""))
        return 1
    return 0


@app.command()
def quantize(
    model: str = typer.Argument(..., help="file.py:factory returning (nn.Sequential, example input)"),
    recipe: str = typer.Option("int8", "--recipe", help="quantization preset: int8"),
    data: str = typer.Option(..., "--data", help="file.py:function; function('train'|'test') yields (x, y) batches"),
    qat_epochs: int = typer.Option(5, "--qat-epochs", help="quantization-aware training epochs"),
    ptq: bool = typer.Option(False, "--ptq", help="post-training calibration instead of QAT"),
    float_epochs: int = typer.Option(0, "--float-epochs", help="train the float model first (untrained factories)"),
    out_file: Optional[Path] = typer.Option(None, "--out", "-o", help="the quantized model (default MODEL.mfq)"),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="also run the test split on this target"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Quantize a PyTorch model with Brevitas and save the integer model (.mfq); print the drift
    report: float vs fake-quant vs integer host reference (vs on-target) on the test split."""
    _guard(lambda: _quantize_flow(model, recipe, data, qat_epochs, ptq, float_epochs, out_file, target, json_out))


def _quantize_flow(model, recipe, data, qat_epochs, ptq, float_epochs, out_file, target, json_out) -> int:
    """Quantize, save the .mfq, optionally run the test split on a target, print the drift report."""
    from .integer.serialize import save_qgraph
    from .quant.quantize import drift, int8_inputs, quantize as run_quantize, stages_as_dicts

    float_model, quantized, graph, (x, y) = run_quantize(model, recipe, data, qat_epochs, ptq, float_epochs)
    path = out_file or Path(model.rsplit(":", 1)[0]).with_suffix(".mfq").name
    save_qgraph(graph, Path(path))
    target_outputs, mismatches = None, None
    if target:
        from .integer.compiler import compile_int8, run_int8

        t = load_target(target)
        c = compile_int8(graph, Path(path).stem, t, Path("out") / f"{Path(path).stem}-{target}-int8")
        # the inputs are built into the program: as many as fit in half the flash the model leaves
        room = (t.memory.flash.length - c.weight_bytes - 64 * 1024) // 2
        on_target = max(1, min(len(x), room // graph.input.nbytes))
        r = run_int8(c, int8_inputs(quantized, x[:on_target], graph), c.out_dir / "build")
        target_outputs, mismatches = r.outputs, r.mismatches
    stages = drift(float_model, quantized, graph, x, y, target_outputs)
    if json_out:
        _print_json({"model": str(path), "recipe": recipe, "test_samples": len(x), "stages": stages_as_dicts(stages),
                     "on_target_samples": on_target if target else 0, "on_target_mismatches": mismatches})
    else:
        table = Table(title=f"drift on the test split ({len(x)} samples), recipe {recipe}")
        for col in ("stage", "accuracy", "top-1 agreement with float", "max |Δ| vs float"):
            table.add_column(col, justify="right" if col != "stage" else "left")
        for s in stages:
            table.add_row(s.name, "—" if s.accuracy is None else f"{100 * s.accuracy:.2f} %",
                          f"{100 * s.top1_agreement_with_float:.2f} %", f"{s.max_abs_difference_from_float:.4g}")
        out.print(table)
        if mismatches is not None:
            out.print(f"on target {target}: {on_target - mismatches} of {on_target} outputs bit-identical to the "
                      "integer host reference" + ("" if on_target == len(x) else
                                                  f" (the first {on_target} of {len(x)} test samples: as many as "
                                                  "fit in flash beside the model)"))
        out.print(f"saved {path}; compile it with: mcuforge compile {path} --target TARGET")
    return 1 if mismatches else 0


@app.command()
def report(
    out_dir: Path = typer.Argument(..., help="a folder written by `mcuforge run`"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Show a run's figures again, and write report.html and report.png beside them."""
    from .compiler import TOLERANCE
    from .report.figures import int8_summary_table, layer_table, summary_table
    from .report.page import write_page

    def body() -> None:
        path = out_dir / "run.json"
        if not path.is_file():
            raise McuforgeError(f"{path} does not exist", hint=f"run `mcuforge run MODEL -o {out_dir}` first")
        figures = json.loads(path.read_text())
        html, png = write_page(out_dir, figures)
        if json_out:
            _print_json({**figures, "html": str(html), "png": str(png)})
            return
        if figures["precision"] == "int8":
            out.print(int8_summary_table(figures))
        else:
            out.print(summary_table(figures, TOLERANCE[figures["precision"]]))
        out.print(layer_table(figures))
        out.print(f"wrote {html} and {png}")

    _guard(body)


def main() -> None:  # pragma: no cover - console-script shim
    app()


if __name__ == "__main__":  # pragma: no cover
    app()
