"""Commands that reach hardware, real or simulated: deploy (a PlatformIO project for a board),
hil (the hardware-in-the-loop suite), run-c (any C program on a target), dot-bench."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.table import Table

from ..errors import McuforgeError
from ..target import DEFAULT_TARGET, all_targets, load_target
from .app import app, err, guard, out, print_json


@app.command()
def deploy(
    model: str = typer.Argument(..., help="file.py:factory, file.pt2, file.onnx, file.tflite or file.mfq"),
    board: str = typer.Option(..., "--board", "-b", help="a board from `mcuforge boards`"),
    precision: str = typer.Option("auto", "--precision", "-p", help="auto, int8, fp32 or fp16"),
    out_dir: Optional[Path] = typer.Option(None, "--out", "-o", help="project folder (default deploy/MODEL-BOARD)"),
    upload_: bool = typer.Option(False, "--upload", help="pio run -t upload, then the HIL smoke test"),
    port: Optional[str] = typer.Option(None, "--port", help="the board's serial port, for the smoke test after --upload"),
    train: bool = typer.Option(False, "--train", help="the model's training step too (mf_model_train_step, "
                                                      "called over the HIL link): file.py:factory models"),
    trainable: str = typer.Option("last:2", "--trainable", help="with --train: last:K, all, biases or layer names"),
    lr: float = typer.Option(0.01, "--lr", help="with --train: learning rate"),
    momentum: float = typer.Option(0.9, "--momentum", help="with --train: SGD momentum"),
    batch: int = typer.Option(1, "--batch", help="with --train: samples per step"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """Generate a PlatformIO project for a real board: the model, the HIL firmware, the runtime and
    kernels; checked by building its sources for the board with mcuforge's toolchain."""
    from ..deploy import Training, generate_project
    from ..odl.compiler import Options
    from ..errors import DoesNotFit
    from ..target import load_board

    def body() -> int:
        b = load_board(board)
        path = out_dir or Path("deploy") / f"{Path(model.split(':')[0]).stem}-{b.name}"
        try:
            training = Training(trainable, Options(lr, momentum, 0.0, batch)) if train else None
            project = generate_project(model, b, path, precision, training=training)
        except DoesNotFit as exc:
            raise McuforgeError(f"{model} does not fit {b.name} ({b.memory.flash.length // 1024} KiB flash, "
                                f"{b.memory.ram.length // 1024} KiB RAM): {exc.message}", hint=exc.hint) from None
        sizes = project.program.sizes
        figures = {"project": str(path), "board": b.name, "platformio_board": b.platformio.board,
                   "model": model, "precision": project.precision, "model_hash": project.model_hash,
                   "entry_points": [e["name"] for e in json.loads((project.compiled.out_dir / "compile.json")
                                                                   .read_text())["entry_points"]],
                   "flash_bytes": sizes.flash, "ram_bytes": sizes.data + sizes.bss + sizes.stack,
                   "flash_total": b.memory.flash.length, "ram_total": b.memory.ram.length}
        if json_out and not upload_:
            print_json(figures)
        else:
            out.print(f"PlatformIO project for {b.description} in {path}/ (model {project.precision}, hash "
                      f"{project.model_hash}); our build: flash {sizes.flash:,} / {b.memory.flash.length:,} B, "
                      f"RAM {figures['ram_bytes']:,} / {b.memory.ram.length:,} B (stack {sizes.stack:,} B)")
            out.print(f"  build and flash: pio run -d {path} -t upload;  then: mcuforge hil --board {b.name} "
                      f"--port PORT --model {model}")
        if not upload_:
            return 0
        from ..deploy.upload import upload

        upload(project, port)
        if port is None:
            err.print("uploaded; give --port to run the HIL smoke test")
            return 0
        return _hil_smoke(project, port)

    guard(body)


def _hil_smoke(project, port: str) -> int:
    import tempfile

    from ..hil.session import HilModel, open_session

    model = HilModel(project.model, project.compiled)
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
    emulate: bool = typer.Option(False, "--emulate", help="run --board's deployed firmware on its SoC as QEMU "
                                                          "models it (boards with [emulation], e.g. hifive1-revb)"),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="the model on the board (default: MLPerf KWS int8)"),
    precision: str = typer.Option("auto", "--precision", "-p"),
    inputs: int = typer.Option(10, "--inputs", "-n", help="random inputs for the bit-exactness test"),
    report_file: Optional[Path] = typer.Option(None, "--report", help="write the latency/throughput report (JSON)"),
) -> None:
    """Run the HIL suite (hil/) on a real board over its serial port, on QEMU boards over an
    emulated UART, or (--board B --emulate) on a board's own deployed firmware running on its SoC
    as QEMU models it: handshake, bit-exact outputs, latency per inference and per layer,
    throughput, reset."""
    import pytest

    from ..paths import ROOT

    def body() -> int:
        if emulate:
            from ..target import load_board

            if not board or port or sim:
                raise McuforgeError("--emulate takes a --board, without --port or --sim",
                                    hint="e.g. mcuforge hil --board hifive1-revb --emulate --model models/mlp.py:make")
            b = load_board(board)
            if b.emulation is None:
                raise McuforgeError(f"QEMU models no SoC for {b.name} here (no [emulation] in {b.source.name})",
                                    hint=f"run on the board: mcuforge hil --board {b.name} --port PORT")
        elif bool(board) != bool(port):
            raise McuforgeError("--board and --port go together",
                                hint="or run on QEMU boards: --sim qemu-cortex-m4, or --board B --emulate")
        if board and sim:
            raise McuforgeError("give a board (--board/--port) or simulated targets (--sim), not both")
        args = [str(ROOT / "hil"), "-q", "-p", "no:xdist", "-p", "no:cacheprovider", "--rootdir", str(ROOT),
                "--hil-precision", precision, "--hil-inputs", str(inputs)]
        if board:
            args += ["--board", board] + (["--emulate"] if emulate else ["--port", port])
        for s in sim:
            load_target(s)  # a clear error for a wrong name
            args += ["--sim", s]
        if model:
            args += ["--hil-model", str(Path(model).resolve()) if Path(model).is_file() else model]
        if report_file:
            args += ["--hil-report", str(report_file)]
        return int(pytest.main(args))

    guard(body)


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
    from ..build import build_program
    from ..sim import run_program

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
            print_json(report)
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

    guard(body)


@app.command("dot-bench")
def dot_bench(
    target: List[str] = typer.Option([], "--target", "-t", help="targets to run (default: all)"),
    n: int = typer.Option(1024, "--n", help="dot-product length"),
    json_out: bool = typer.Option(False, "--json", help="machine-readable output"),
) -> None:
    """int8 and fp16 dot products with each target's ISA kernels (SMLAD, Helium, RVV, Zfh):
    checked against NumPy, counted, tabled."""
    from ..dotbench import run_dot

    def body() -> int:
        ts = [load_target(name) for name in target] if target else all_targets()
        runs = []
        for t in ts:
            if not json_out:
                err.print(f"building and running on {t.name} ...", highlight=False)
            runs.append(run_dot(t, n))
        if json_out:
            print_json([r.as_dict() for r in runs])
        else:
            out.print(_dot_table(runs, n))
            out.print("instructions: executed between the benchmark markers in QEMU (LMUL-weighted on "
                      "vector targets); they are counts, not time. MAC/instr: n / instructions.")
        failed = [r.target for r in runs if not r.int8_ok or r.fp16_ok is False]
        if failed:
            err.print(f"[bold red]wrong results on:[/] {', '.join(failed)}")
        return 1 if failed else 0

    guard(body)


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
                      "[green]exact[/]" if ok else "[red]WRONG[/]", f"{r.flash:,}", f"{r.stack_used:,}")
    return table
