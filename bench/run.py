"""`make bench`: the benchmark tables, printed as Markdown for docs/results.md. Figures are
instruction counts from QEMU (LMUL-weighted on vector targets), deterministic, never time
(compile time excepted); every output is checked (bit-exact against the integer reference, or
within the float tolerance of the framework) and a wrong one fails the run.

all: the unified table: every zoo and MLPerf Tiny model x every target x {int8, fp16 where the
     target has fp16 arithmetic}: instructions, MAC/instruction, percent of peak, flash, RAM and
     the ratio against the baseline measured side by side in the same run (`--target=NAME`
     limits it to some targets).
models: every zoo model and float MLPerf Tiny model x every target, fp32 (and fp16), with TVM's
     code for every layer (`--kernels tvm`, the baseline of the float kernels): compile time,
     instructions, MAC/instruction, arena against the naive sum, flash and RAM.
int8: the MLPerf Tiny int8 models x every target, with the fp32/int8 ratios of instructions and
     flash against their float versions measured in the same run.
memory: the MLPerf Tiny int8 models' RAM against TFLite Micro's arena, kernel code beside weights.
kernels-float: hand-written float kernels against TVM's code (`--kernels tvm`), fp32 and fp16.
isa: int8 and fp16 dot products with each target's ISA kernels.
host: the MLPerf Tiny int8 models on the host target (wall time, the median inference) beside
     QEMU's wall time per inference on qemu-cortex-m4 and qemu-cortex-m55, measured side by
     side in one run, as ratios; outputs checked bit-exact against each other and TFLite Micro.
Usage: python bench/run.py [all|models|int8|memory|kernels-float|isa|host]... [--target=NAME]...
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MLPERF = ROOT.parent / "shared" / "models" / "mlperf-tiny"
MODELS = [f"{ROOT}/models/{m}.py:make" for m in ("mlp", "cnn1d", "resnet8", "dscnn", "mobilenet", "mobilenet_v1",
                                                  "autoencoder")] + [
    str(MLPERF / "kws_ref_model_float32.tflite"), str(MLPERF / "pretrainedResnet.tflite")]


RESULTS = ROOT / "bench" / "results.jsonl"  # every row a run produces, appended (not committed)


def _run_jobs(jobs, columns) -> list[str]:
    """Run each job into a row (appended to RESULTS as it finishes), print the table rendered
    from the rows, return the jobs whose results were wrong."""
    from mcuforge.results import ResultsFile, render_markdown, run_job

    results, rows = ResultsFile(RESULTS), []
    print(render_markdown([], columns), flush=True)  # the header
    for job in jobs:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(run_job(job, Path(tmp)))
        results.append(rows[-1])
        print(render_markdown(rows[-1:], columns).splitlines()[-1], flush=True)
    return [f"{r['job']['model']} {r['job']['target']} {r['job']['precision']}: {r['reason']}"
            for r in rows if r["status"] in ("wrong", "error")]


def models_table() -> list[str]:
    from mcuforge.results import Job
    from mcuforge.target import all_targets

    jobs = [Job(spec, t.name, precision, kernels="tvm") for spec in MODELS for t in all_targets()
            for precision in (("fp32", "fp16") if t.has("fp16") else ("fp32",))]

    def fig(key, fmt):
        return lambda r: fmt(r["figures"][key])

    def name(r):  # what the compiler calls the model; for a row that did not compile, the same from the spec
        path, _, factory = r["job"]["model"].partition(":")
        return r.get("model_name") or Path(path).stem + (f".{factory}" if factory else "")

    columns = [("model", name),
               ("target", lambda r: r["job"]["target"]), ("precision", lambda r: r["job"]["precision"]),
               ("compile s", fig("compile_seconds", lambda v: f"{v:.1f}")),
               ("instructions", fig("insns_per_inference", lambda v: f"{v:,}")),
               ("MAC/instr", fig("mac_per_insn", lambda v: f"{v:.3f}")),
               ("arena / naive B", lambda r: f"{r['figures']['arena']:,} / {r['figures']['naive']:,} "
                                             f"({100 * r['figures']['arena'] / r['figures']['naive']:.0f} %)"),
               ("flash B", fig("flash", lambda v: f"{v:,}")), ("RAM B", fig("ram", lambda v: f"{v:,}"))]
    return _run_jobs(jobs, columns)


INT8 = {"kws_ref_model.tflite": "kws_ref_model_float32.tflite", "pretrainedResnet_quant.tflite": "pretrainedResnet.tflite",
        "ad01_int8.tflite": None}


def int8_table() -> list[str]:
    """The MLPerf Tiny int8 models, checked against the integer reference, beside their float
    versions compiled for the same target in the same run."""
    from mcuforge.compiler import compile_model, random_inputs, run_model
    from mcuforge.frontend import load_model
    from mcuforge.integer.compiler import compile_int8, random_int8_inputs, run_int8
    from mcuforge.integer.tflite_int8 import read_int8_tflite
    from mcuforge.target import all_targets

    print("| model | target | instructions | MAC/instr | of peak | flash B | RAM B | arena B | fp32/int8 instr | fp32/int8 flash |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = []
    for name, float_name in INT8.items():
        graph = read_int8_tflite(MLPERF / name)
        float_model = load_model(str(MLPERF / float_name)) if float_name else None
        for target in all_targets():
            with tempfile.TemporaryDirectory() as tmp:
                c = compile_int8(graph, Path(name).stem, target, Path(tmp) / "out")
                r = run_int8(c, random_int8_inputs(graph, 1), Path(tmp) / "work")
                ratio = "| — | — |"
                if float_model is not None:
                    cf = compile_model(float_model, target, "fp32", Path(tmp) / "fout")
                    rf = run_model(cf, float_model, random_inputs(float_model, 1), Path(tmp) / "fwork", profile=False)
                    ratio = (f"| {rf.insns_per_inference[0] / r.insns_per_inference[0]:.2f} "
                             f"| {rf.program.sizes.flash / r.program.sizes.flash:.2f} |")
            failed += _int8_row(f"| {Path(name).stem} | {target.name} |", c, r, target, ratio)
    return failed


def _int8_row(head: str, c, r, target, tail: str = "|") -> list[str]:
    """Print one int8 run's row (instructions, MAC/instr, of peak, flash, RAM, arena); a wrong
    result is returned for the failure list."""
    insns, sizes = r.insns_per_inference[0], r.program.sizes
    mpi = c.macs / insns
    print(f"{head} {insns:,} | {mpi:.3f} | {100 * mpi / target.peak('int8'):.1f} % | {sizes.flash:,} "
          f"| {sizes.data + sizes.bss + r.stack_used:,} | {c.plan.arena_size:,} {tail}", flush=True)
    return [f"{c.name} {target.name}: differs from the integer reference"] if r.mismatches else []


ZOO_INT8 = ("mlp", "cnn1d", "resnet8", "dscnn", "mobilenet", "mobilenet_v1", "autoencoder")


def _zoo_int8_graph(name: str):
    """A zoo model's integer graph: quantized with the int8 preset after calibration on random
    inputs (instruction counts do not depend on what was learned)."""
    import torch

    from mcuforge.frontend.torch import call_factory
    from mcuforge.quant.export import export_model
    from mcuforge.quant.net import quantize_model
    from mcuforge.quant.presets import PRESETS
    from mcuforge.quant.qat import calibrate

    model, example = call_factory(ROOT / "models" / f"{name}.py", "make")
    torch.manual_seed(0)
    data = [(torch.randn(16, *example.shape[1:]), None) for _ in range(4)]
    return export_model(calibrate(quantize_model(model, PRESETS["int8"]), data), example)


KERNELS_FLOAT = [(f"{ROOT}/models/resnet8.py:make", "resnet8"), (f"{ROOT}/models/dscnn.py:make", "dscnn"),
                 (f"{ROOT}/models/mobilenet_v1.py:make", "mobilenet_v1"),
                 (str(MLPERF / "kws_ref_model_float32.tflite"), "kws float")]


def kernels_float_table() -> list[str]:
    """Hand-written kernels against TVM's code for the same model, target and precision, both
    measured in this run (`--kernels mcuforge` vs `--kernels tvm`)."""
    from mcuforge.compiler import TOLERANCE, compile_model, random_inputs, run_model
    from mcuforge.errors import DoesNotFit
    from mcuforge.frontend import load_model
    from mcuforge.target import all_targets

    print("| model | target | precision | `--kernels tvm` instr | mcuforge instr | tvm / mcuforge | MAC/instr | of peak |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    failed = []
    for spec, label in KERNELS_FLOAT:
        model = load_model(spec)
        for target in all_targets():
            for precision in ("fp32", "fp16") if target.has("fp16") else ("fp32",):
                if not target.has("fpu") and precision == "fp32":
                    continue  # soft float: neither side is a kernel comparison
                counts = {}
                with tempfile.TemporaryDirectory() as tmp:
                    try:
                        for kernels in ("tvm", "mcuforge"):
                            c = compile_model(model, target, precision, Path(tmp) / kernels, kernels=kernels)
                            r = run_model(c, model, random_inputs(model, 1), Path(tmp) / f"w{kernels}", profile=False)
                            if r.max_rel_error > TOLERANCE[precision]:
                                failed.append(f"{label} {target.name} {precision} {kernels}: {r.max_rel_error:.3g}")
                            counts[kernels] = r.insns_per_inference[0]
                    except DoesNotFit as exc:
                        print(f"| {label} | {target.name} | {precision} | does not fit: "
                              f"{exc.message.split(': ', 1)[-1]} | | | | |", flush=True)
                        continue
                mpi = c.macs / counts["mcuforge"]
                print(f"| {label} | {target.name} | {precision} | {counts['tvm']:,} | {counts['mcuforge']:,} "
                      f"| {counts['tvm'] / counts['mcuforge']:.2f} | {mpi:.3f} | {100 * mpi / target.peak(precision):.1f} % |",
                      flush=True)
    return failed


# The unified table: (label, float model spec or None, int8 source: a zoo model name to quantize,
# or an MLPerf int8 .tflite)
ALL = [(m, f"{ROOT}/models/{m}.py:make", m) for m in ZOO_INT8] + [
    ("MLPerf KWS (DS-CNN)", str(MLPERF / "kws_ref_model_float32.tflite"), MLPERF / "kws_ref_model.tflite"),
    ("MLPerf ResNet-8", str(MLPERF / "pretrainedResnet.tflite"), MLPERF / "pretrainedResnet_quant.tflite"),
    ("MLPerf AD (FC autoencoder)", None, MLPERF / "ad01_int8.tflite")]


def all_table(only: set[str] | None = None) -> list[str]:
    """Every zoo and MLPerf Tiny model x every target (or those in `only`) x {int8, fp16 where
    the target has fp16 arithmetic}: the ISA kernels against the baseline measured side by side
    in the same run: on the integer path the portable reference C (`--kernels ref`; the integer
    path has no TVM code), on fp16 TVM's code (`--kernels tvm`). Instructions LMUL-weighted on
    RVV; flash and RAM (data + bss + stack measured on target) of the kernels' program."""
    import dataclasses

    from mcuforge.compiler import TOLERANCE, compile_model, random_inputs, run_model
    from mcuforge.errors import DoesNotFit
    from mcuforge.frontend import load_model
    from mcuforge.integer.compiler import compile_int8, random_int8_inputs, run_int8
    from mcuforge.integer.tflite_int8 import read_int8_tflite
    from mcuforge.target import all_targets

    print("| model | target | precision | MACs | instructions | MAC/instr | of peak | flash B | RAM B "
          "| baseline | baseline instr | baseline / mcuforge |")
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    failed = []
    targets = [t for t in all_targets() if only is None or t.name in only]

    def row(label, target, precision, c, r, base, base_insns):
        insns, sizes = r.insns_per_inference[0], r.program.sizes
        mpi = c.macs / insns
        print(f"| {label} | {target.name} | {precision} | {c.macs:,} | {insns:,} | {mpi:.3f} "
              f"| {100 * mpi / target.peak(precision):.1f} % | {sizes.flash:,} | {sizes.data + sizes.bss + r.stack_used:,} "
              f"| {base} | {base_insns:,} | {base_insns / insns:.2f} |", flush=True)

    for label, float_spec, int8_source in ALL:
        graph = read_int8_tflite(int8_source) if isinstance(int8_source, Path) else _zoo_int8_graph(int8_source)
        model = load_model(float_spec) if float_spec else None
        for target in targets:
            runs = {}
            for variants in (("ref",), target.kernel_variants):
                with tempfile.TemporaryDirectory() as tmp:
                    c = compile_int8(graph, label, dataclasses.replace(target, kernel_variants=variants),
                                     Path(tmp) / "out")
                    runs[variants] = c, run_int8(c, random_int8_inputs(graph, 1), Path(tmp) / "work")
                if runs[variants][1].mismatches:
                    failed.append(f"{label} {target.name} {variants}: differs from the integer reference")
            c, r = runs[target.kernel_variants]
            row(label, target, "int8", c, r, "ref C", runs[("ref",)][1].insns_per_inference[0])
            if model is None or not target.has("fp16"):
                continue
            runs = {}
            try:
                for kernels in ("tvm", "mcuforge"):
                    with tempfile.TemporaryDirectory() as tmp:
                        c = compile_model(model, target, "fp16", Path(tmp) / "out", kernels=kernels)
                        r = run_model(c, model, random_inputs(model, 1), Path(tmp) / "work", profile=False,
                                      timeout=1800)
                    if r.max_rel_error > TOLERANCE["fp16"]:
                        failed.append(f"{label} {target.name} fp16 {kernels}: {r.max_rel_error:.3g}")
                    runs[kernels] = c, r
            except DoesNotFit as exc:
                print(f"| {label} | {target.name} | fp16 | — | does not fit: {exc.message.split(': ', 1)[-1]} "
                      f"| | | | | | | |", flush=True)
                continue
            c, r = runs["mcuforge"]
            row(label, target, "fp16", c, r, "`--kernels tvm`", runs["tvm"][1].insns_per_inference[0])
    return failed


def memory_table() -> list[str]:
    """RAM against the peer: TFLite Micro's arena (its recording allocator: total, and the
    activations part) beside mcuforge's whole RAM for the same model (data + bss, which hold the
    arena with kernel scratch, plus the stack measured on target); kernel code beside weights."""
    from mcuforge.build.elf import code_bytes
    from mcuforge.integer.compiler import compile_int8, random_int8_inputs, run_int8
    from mcuforge.integer.tflite_int8 import read_int8_tflite
    from mcuforge.integer.tflm import tflm_arena
    from mcuforge.target import all_targets

    print("| model | target | TFLM arena B (activations) | mcuforge arena B | data + bss B | stack B | RAM B "
          "| of TFLM total | kernel code B | weights B |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = []
    for name in INT8:
        graph = read_int8_tflite(MLPERF / name)
        total, head = tflm_arena(MLPERF / name)
        for target in all_targets():
            with tempfile.TemporaryDirectory() as tmp:
                c = compile_int8(graph, Path(name).stem, target, Path(tmp) / "out")
                r = run_int8(c, random_int8_inputs(graph, 1), Path(tmp) / "work")
                kernels = {p.stem for p in c.sources if p.name.startswith("mf_")}
                code = code_bytes(r.program.elf.with_suffix(".map"), kernels)
            if r.mismatches:
                failed.append(f"{name} {target.name}: differs from the integer reference")
            sizes = r.program.sizes
            ram = sizes.data + sizes.bss + r.stack_used
            print(f"| {Path(name).stem} | {target.name} | {total:,} ({head:,}) | {c.plan.arena_size:,} "
                  f"| {sizes.data + sizes.bss:,} | {r.stack_used:,} | {ram:,} | {100 * ram / total:.0f} % "
                  f"| {code:,} | {c.weight_bytes:,} |", flush=True)
    return failed


def isa_table() -> list[str]:
    from mcuforge.dotbench import run_dot
    from mcuforge.target import all_targets

    print("| target | n | int8 kernel | instr | MAC/instr | of peak | fp16 kernel | instr | MAC/instr | of peak |")
    print("|---|---:|---|---:|---:|---:|---|---:|---:|---:|")
    failed = []
    for t in all_targets():
        for n in (64, 1024):
            r = run_dot(t, n)
            if not r.int8_ok or r.fp16_ok is False:
                failed.append(f"{t.name} n={n}")
            f16 = "| — | — | — | — |"
            if r.fp16_kernel:
                f16 = (f"| {r.fp16_kernel} | {r.fp16_insns:,} | {r.fp16_mac_per_insn:.2f} "
                       f"| {100 * r.fp16_mac_per_insn / r.peak_fp16:.0f} % |")
            print(f"| {t.name} | {n} | {r.int8_kernel} | {r.int8_insns:,} | {r.int8_mac_per_insn:.2f} "
                  f"| {100 * r.int8_mac_per_insn / r.peak_int8:.0f} % {f16}", flush=True)
    return failed


def host_table(n: int = 100) -> list[str]:
    """Inferences per second: the host target's (median of `n`, between the benchmark markers)
    against QEMU's (the wall time of a run of 1 + n inputs less that of 1, over n: QEMU's
    start-up left out), in one run on this machine. Wall time varies with the machine and
    its load; the ratios are what to read."""
    import time

    import numpy as np

    from mcuforge.compiler import build_model_program, input_bytes
    from mcuforge.integer.compiler import compile_int8, random_int8_inputs, run_int8
    from mcuforge.integer.tflite_int8 import read_int8_tflite
    from mcuforge.integer.tflm import tflm_outputs
    from mcuforge.sim import run_program
    from mcuforge.target import load_target

    qemu = ["qemu-cortex-m4", "qemu-cortex-m55"]
    print("| model | host inferences/s | " + " | ".join(f"{t} inferences/s | host / {t}" for t in qemu) + " |")
    print("|---|---:|" + "---:|---:|" * len(qemu))
    failed = []
    for name in INT8:
        graph = read_int8_tflite(MLPERF / name)
        inputs = random_int8_inputs(graph, 1 + n, seed=9)
        with tempfile.TemporaryDirectory() as tmp:
            host = run_int8(compile_int8(graph, Path(name).stem, load_target("host"), Path(tmp) / "h"), inputs,
                            Path(tmp) / "hw")
            if not np.array_equal(host.outputs, tflm_outputs(MLPERF / name, inputs).reshape(host.outputs.shape)):
                failed.append(f"{name} host: differs from TFLite Micro")
            host_rate = 1 / float(np.median(host.seconds_per_inference))
            cells = []
            for t in qemu:
                c = compile_int8(graph, Path(name).stem, load_target(t), Path(tmp) / t)
                walls = []
                for count in (1, 1 + n):
                    program = build_model_program(c, inputs[:count], Path(tmp) / f"{t}-{count}")
                    start = time.perf_counter()
                    run_program(program, timeout=1200, stdin=input_bytes(c, inputs[:count])).check()
                    walls.append(time.perf_counter() - start)
                rate = n / (walls[1] - walls[0])
                cells.append(f"{rate:,.1f} | {host_rate / rate:,.0f}x")
        print(f"| {Path(name).stem} | {host_rate:,.0f} | " + " | ".join(cells) + " |", flush=True)
    return failed


def main(argv: list[str]) -> int:
    only = {a.split("=", 1)[1] for a in argv if a.startswith("--target=")} or None
    argv = [a for a in argv if not a.startswith("--target=")]
    tables = {"all": lambda: all_table(only), "models": models_table, "int8": int8_table, "memory": memory_table,
              "kernels-float": kernels_float_table, "isa": isa_table, "host": host_table}
    failed = []
    for name in argv or list(tables):
        print(f"\n### {name}\n")
        failed += tables[name]()
    if failed:
        print("wrong results: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
