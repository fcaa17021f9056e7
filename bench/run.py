"""`make bench`: the benchmarks as lists of jobs. Each job (model, target, precision, options;
or a dot product) runs into a result row appended to bench/results.jsonl (keyed by the job and
the code's commit, not committed); the tables are rendered from the rows into docs/results.md
and README.md, between their `<!-- bench:NAME -->` markers. A job that does not fit its target
is a row with the reason, shown in its table; a wrong result fails the run.

Figures are instruction counts from QEMU (LMUL-weighted on vector targets), deterministic, never
time, except where a table says wall time (the host target, QEMU's wall time beside it).

Tables (`python bench/run.py TABLE...`; all of them without arguments):
  models         every zoo and float MLPerf Tiny model x every target, fp32 (and fp16), with TVM's
                 code for every layer (`--kernels tvm`, the float kernels' baseline)
  int8           the MLPerf Tiny int8 models x every target, bit-exact with TFLite Micro, beside
                 their float versions (fp32/int8 ratios)
  memory         the same runs: RAM against TFLite Micro's arena, kernel code beside weights
  kernels-float  hand-written float kernels against TVM's code, fp32 and fp16
  all            every zoo and MLPerf Tiny model x target x {int8, fp16}, against the baseline
                 (int8: the portable `--kernels ref`; fp16: `--kernels tvm`)
  isa            int8 and fp16 dot products with each target's ISA kernels
  host           the MLPerf Tiny int8 models on the host target beside QEMU (wall time)
  exact          the MLPerf Tiny int8 models on 1,000 random inputs each: the host target and
                 qemu-cortex-m4 against TFLite Micro and against each other
  headline       README's headline figures (KWS int8, ResNet-8 fp16 against TVM's code)
  training       training steps (on-device learning): one conv layer, ResNet-8 and DS-CNN, fp32 and
                 fp16: instructions per phase, MAC/instr forward and backward, training RAM
  stream         streaming int8 inference (the PPG model): instructions per call against full-window
                 inference at window/hop 2, 4, 8, 16, RAM of the buffers
  eval           the batched integer evaluator's samples/s (wall time) on the MLPerf Tiny int8 models
                 beside the NumPy reference, TFLite Micro and LiteRT, all checked bit for bit
  snn            spiking networks: instructions per time step with dense and event-driven synapses
                 at input sparsities of 50-98 %, the digits SNN, an N-MNIST-sized recurrent SNN
Options: --target=NAME (repeatable) limits the targets; --render re-renders the tables from the
rows already in bench/results.jsonl without running anything.
"""

from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "toolchain"))

from mcuforge.results import (DotJob, EvalJob, Job, ResultsFile, SnnJob, StreamJob, TrainJob,  # noqa: E402
                              render_markdown)

MLPERF = ROOT.parent / "shared" / "models" / "mlperf-tiny"
RESULTS = ROOT / "bench" / "results.jsonl"
DOCS = [ROOT / "docs" / "results.md", ROOT / "README.md"]
ZOO = ("mlp", "cnn1d", "resnet8", "dscnn", "mobilenet", "mobilenet_v1", "autoencoder")
FLOAT_MODELS = [f"{ROOT}/models/{m}.py:make" for m in ZOO] + [
    str(MLPERF / "kws_ref_model_float32.tflite"), str(MLPERF / "pretrainedResnet.tflite")]
# The MLPerf Tiny int8 models and their float versions
INT8 = {"kws_ref_model.tflite": "kws_ref_model_float32.tflite",
        "pretrainedResnet_quant.tflite": "pretrainedResnet.tflite", "ad01_int8.tflite": None}
KERNELS_FLOAT = [f"{ROOT}/models/resnet8.py:make", f"{ROOT}/models/dscnn.py:make",
                 f"{ROOT}/models/mobilenet_v1.py:make", str(MLPERF / "kws_ref_model_float32.tflite")]
QEMU_WALL = ("qemu-cortex-m4", "qemu-cortex-m55")  # the host table's QEMU targets
EVAL_INPUTS = 4096  # the eval table's random inputs (the evaluator's; the slower paths time fewer)
HOST_INPUTS = 100  # the host table's inferences (QEMU: a run of 1 + n less a run of 1)
EXACT_INPUTS = 1000


def _targets(only: set[str] | None):
    from mcuforge.target import all_targets

    return [t for t in all_targets() if only is None or t.name in only]


def _int8(name: str) -> str:
    return str(MLPERF / name)


def zoo_int8(name: str) -> str:
    """A zoo model quantized with the int8 preset after calibration on random inputs (the
    instruction counts do not depend on what was learned), saved once as an .mfq file."""
    from mcuforge.paths import cache_dir

    path = cache_dir() / "bench" / f"{name}.mfq"
    if not path.is_file():
        import torch

        from mcuforge.frontend.torch import call_factory
        from mcuforge.integer.serialize import save_qgraph
        from mcuforge.quant.export import export_model
        from mcuforge.quant.net import quantize_model
        from mcuforge.quant.presets import PRESETS
        from mcuforge.quant.qat import calibrate

        model, example = call_factory(ROOT / "models" / f"{name}.py", "make")
        torch.manual_seed(0)
        data = [(torch.randn(16, *example.shape[1:]), None) for _ in range(4)]
        path.parent.mkdir(parents=True, exist_ok=True)
        save_qgraph(export_model(calibrate(quantize_model(model, PRESETS["int8"]), data), example), path)
    return str(path)


def ppg_int8() -> str:
    """The PPG heart-rate model (models/ppg.py), trained (seconds) and calibrated on PPG windows,
    saved once as an .mfq file: the streaming table's model."""
    from mcuforge.paths import cache_dir

    path = cache_dir() / "bench" / "ppg.mfq"
    if not path.is_file():
        import torch

        from mcuforge.frontend.torch import call_factory
        from mcuforge.integer.serialize import save_qgraph
        from mcuforge.quant.export import export_model
        from mcuforge.quant.net import quantize_model
        from mcuforge.quant.presets import PRESETS
        from mcuforge.quant.qat import calibrate

        sys.path.insert(0, str(ROOT / "models"))
        import ppg

        torch.manual_seed(0)
        model, example = call_factory(ROOT / "models" / "ppg.py", "trained")
        x, _ = ppg.windows(256)
        data = [(torch.from_numpy(x[i:i + 64]), None) for i in range(0, 256, 64)]
        path.parent.mkdir(parents=True, exist_ok=True)
        save_qgraph(export_model(calibrate(quantize_model(model, PRESETS["int8"]), data), example), path)
    return str(path)


# ---------------------------------------------------------------------------------------------
# Cells


def label(job) -> str:
    """What the compiler calls the model (file stem, or stem.factory)."""
    path, _, factory = job["model"].partition(":")
    return Path(path).stem + (f".{factory}" if factory else "")


def fig(key: str, fmt: Callable = lambda v: f"{v:,}") -> Callable[[dict], str]:
    return lambda r: fmt(r["figures"][key])


def ratio(a: dict | None, b: dict | None, key: str) -> str:
    """a's figure over b's, or — where either did not run."""
    if not a or not b or a["status"] != "ok" or b["status"] != "ok":
        return "—"
    return f"{a['figures'][key] / b['figures'][key]:.2f}"


def of_peak(r: dict) -> str:
    f = r["figures"]
    return f"{100 * f['mac_per_insn'] / f['peak_mac_per_insn']:.1f} %" if f["peak_mac_per_insn"] else "—"


def exactness(r: dict, oracle: str | None = None) -> str:
    f = r["figures"]
    bad = f["oracles"][oracle] if oracle else f["mismatches_vs_reference"]
    n = r["job"]["inputs"]
    return f"{n - bad:,} of {n:,}"


COMMON = [("model", lambda r: label(r["job"])), ("target", lambda r: r["job"]["target"])]


# ---------------------------------------------------------------------------------------------
# Tables: their jobs, and how their rows render


@dataclass
class Table:
    jobs: Callable[[set[str] | None], list]
    render: Callable[[list, dict], str]  # (its jobs, rows by key) -> Markdown


def models_jobs(only):
    return [Job(m, t.name, p, kernels="tvm") for m in FLOAT_MODELS for t in _targets(only)
            for p in (("fp32", "fp16") if t.has("fp16") else ("fp32",))]


def models_render(jobs, rows):
    columns = [*COMMON, ("precision", lambda r: r["job"]["precision"]),
               ("compile s", fig("compile_seconds", lambda v: f"{v:.1f}")),
               ("instructions", fig("insns_per_inference")), ("MAC/instr", fig("mac_per_insn", lambda v: f"{v:.3f}")),
               ("arena / naive B", lambda r: f"{r['figures']['arena']:,} / {r['figures']['naive']:,} "
                                             f"({100 * r['figures']['arena'] / r['figures']['naive']:.0f} %)"),
               ("flash B", fig("flash")), ("RAM B", fig("ram"))]
    return render_markdown(_rows(jobs, rows), columns)


def int8_jobs(only):
    jobs = []
    for name, float_name in INT8.items():
        for t in _targets(only):
            jobs.append(Job(_int8(name), t.name, "int8", check="tflite-micro"))
            if float_name:
                jobs.append(Job(_int8(float_name), t.name, "fp32"))
    return jobs


def _float_partner(row, rows, jobs):
    """The fp32 row of the int8 row's float version on the same target."""
    float_name = INT8.get(Path(row["job"]["model"]).name)
    if not float_name:
        return None
    return rows.get(Job(_int8(float_name), row["job"]["target"], "fp32").key)


def int8_render(jobs, rows):
    int8 = [j for j in jobs if j.precision == "int8"]
    columns = [*COMMON, ("instructions", fig("insns_per_inference")),
               ("MAC/instr", fig("mac_per_insn", lambda v: f"{v:.3f}")), ("of peak", of_peak),
               ("vs TFLite Micro", lambda r: exactness(r, "tflite-micro")), ("flash B", fig("flash")),
               ("RAM B", fig("ram")), ("arena B", fig("arena")),
               ("fp32/int8 instr", lambda r: ratio(_float_partner(r, rows, jobs), r, "insns_per_inference")),
               ("fp32/int8 flash", lambda r: ratio(_float_partner(r, rows, jobs), r, "flash"))]
    return render_markdown(_rows(int8, rows), columns, first=2)


def memory_render(jobs, rows):
    from mcuforge.integer.tflm import tflm_arena

    arenas = {}

    def tflm(r):
        path = Path(r["job"]["model"])
        if path not in arenas:
            arenas[path] = tflm_arena(path)
        return arenas[path]

    def ram_share(r):
        return f"{100 * r['figures']['ram'] / tflm(r)[0]:.0f} %"

    columns = [*COMMON, ("TFLM arena B (activations)", lambda r: f"{tflm(r)[0]:,} ({tflm(r)[1]:,})"),
               ("mcuforge arena B", fig("arena")),
               ("data + bss B", lambda r: f"{r['figures']['ram'] - r['figures']['stack_used']:,}"),
               ("stack B", fig("stack_used")), ("RAM B", fig("ram")),
               ("of TFLM total", ram_share), ("kernel code B", fig("kernel_code_bytes")),
               ("weights B", fig("weights"))]
    return render_markdown(_rows([j for j in jobs if j.precision == "int8"], rows), columns, first=2)


def kernels_float_jobs(only):
    jobs = []
    for m in KERNELS_FLOAT:
        for t in _targets(only):
            for p in [p for p in ("fp32", "fp16") if (p == "fp32" and t.has("fpu")) or (p == "fp16" and t.has("fp16"))]:
                jobs += [Job(m, t.name, p, kernels="tvm"), Job(m, t.name, p)]
    return jobs


def _baseline(row, rows, kernels):
    job = Job(**{**{k: v for k, v in row["job"].items() if k in Job.__dataclass_fields__}, "kernels": kernels})
    return rows.get(job.key)


def kernels_float_render(jobs, rows):
    columns = [*COMMON, ("precision", lambda r: r["job"]["precision"]),
               ("`--kernels tvm` instr", lambda r: _cell(_baseline(r, rows, "tvm"), "insns_per_inference")),
               ("mcuforge instr", fig("insns_per_inference")),
               ("tvm / mcuforge", lambda r: ratio(_baseline(r, rows, "tvm"), r, "insns_per_inference")),
               ("MAC/instr", fig("mac_per_insn", lambda v: f"{v:.3f}")), ("of peak", of_peak)]
    return render_markdown(_rows([j for j in jobs if j.kernels == "mcuforge"], rows), columns)


def _cell(row, key):
    return "—" if not row or row["status"] != "ok" else f"{row['figures'][key]:,}"


def all_jobs(only):
    sources = [(zoo_int8(m), f"{ROOT}/models/{m}.py:make") for m in ZOO] + [
        (_int8(n), _int8(f) if f else None) for n, f in INT8.items()]
    jobs = []
    for int8, float_spec in sources:
        for t in _targets(only):
            jobs += [Job(int8, t.name, "int8", kernels="ref"), Job(int8, t.name, "int8")]
            if float_spec and t.has("fp16"):
                jobs += [Job(float_spec, t.name, "fp16", kernels="tvm"), Job(float_spec, t.name, "fp16")]
    return jobs


def all_render(jobs, rows):
    def base(r):
        return _baseline(r, rows, "ref" if r["job"]["precision"] == "int8" else "tvm")

    columns = [("model", lambda r: label(r["job"]).removesuffix(".make")), ("target", lambda r: r["job"]["target"]),
               ("precision", lambda r: r["job"]["precision"]), ("MACs", fig("macs")),
               ("instructions", fig("insns_per_inference")), ("MAC/instr", fig("mac_per_insn", lambda v: f"{v:.3f}")),
               ("of peak", of_peak), ("flash B", fig("flash")), ("RAM B", fig("ram")),
               ("baseline", lambda r: "ref C" if r["job"]["precision"] == "int8" else "`--kernels tvm`"),
               ("baseline instr", lambda r: _cell(base(r), "insns_per_inference")),
               ("baseline / mcuforge", lambda r: ratio(base(r), r, "insns_per_inference"))]
    return render_markdown(_rows([j for j in jobs if j.kernels == "mcuforge"], rows), columns)


def isa_jobs(only):
    return [DotJob(t.name, n) for t in _targets(only) for n in (64, 1024)]


def isa_render(jobs, rows):
    def f16(key, fmt):
        return lambda r: fmt(r["figures"][key]) if r["figures"]["fp16_kernel"] else "—"

    def peak(kind):
        def cell(r):
            f = r["figures"]
            if f[f"{kind}_insns"] is None:
                return "—"
            return f"{100 * (f['n'] / f[f'{kind}_insns']) / f[f'peak_{kind}']:.0f} %"
        return cell

    columns = [("target", lambda r: r["job"]["target"]), ("n", lambda r: str(r["job"]["n"])),
               ("int8 kernel", fig("int8_kernel", str)), ("instr", fig("int8_insns")),
               ("MAC/instr", lambda r: f"{r['figures']['n'] / r['figures']['int8_insns']:.2f}"),
               ("of peak", peak("int8")), ("fp16 kernel", f16("fp16_kernel", str)),
               ("fp16 instr", f16("fp16_insns", lambda v: f"{v:,}")),
               ("fp16 MAC/instr", lambda r: f"{r['figures']['n'] / r['figures']['fp16_insns']:.2f}"
                if r["figures"]["fp16_insns"] else "—"), ("fp16 of peak", peak("fp16"))]
    return render_markdown(_rows(jobs, rows), columns, first=2)


def host_jobs(only):
    jobs = []
    for name in INT8:
        jobs.append(Job(_int8(name), "host", "int8", inputs=1 + HOST_INPUTS, check="tflite-micro", seed=9))
        for t in QEMU_WALL:
            if only is None or t in only:
                jobs += [Job(_int8(name), t, "int8", inputs=1, seed=9), Job(_int8(name), t, "int8",
                                                                               inputs=1 + HOST_INPUTS, seed=9)]
    return jobs


def host_render(jobs, rows):
    def host_rate(r):
        return 1 / r["figures"]["seconds_per_inference"]

    def qemu_rate(r, t):
        one = rows.get(Job(r["job"]["model"], t, "int8", inputs=1, seed=9).key)
        many = rows.get(Job(r["job"]["model"], t, "int8", inputs=1 + HOST_INPUTS, seed=9).key)
        if not one or not many or "ok" != one["status"] or "ok" != many["status"]:
            return None
        return HOST_INPUTS / (many["figures"]["run_wall_seconds"] - one["figures"]["run_wall_seconds"])

    columns = [("model", lambda r: label(r["job"])), ("host inferences/s", lambda r: f"{host_rate(r):,.0f}"),
               ("host vs TFLite Micro", lambda r: exactness(r, "tflite-micro"))]
    for t in QEMU_WALL:
        columns += [(f"{t} inferences/s", lambda r, t=t: "—" if qemu_rate(r, t) is None else f"{qemu_rate(r, t):,.1f}"),
                    (f"host / {t}", lambda r, t=t: "—" if qemu_rate(r, t) is None
                     else f"{host_rate(r) / qemu_rate(r, t):,.0f}x")]
    return render_markdown(_rows([j for j in jobs if j.target == "host"], rows), columns, first=1)


def exact_jobs(only):
    return [Job(_int8(name), t, "int8", inputs=EXACT_INPUTS, check="tflite-micro", seed=1)
            for name in INT8 for t in ("host", "qemu-cortex-m4")]


def exact_render(jobs, rows):
    def partner(r):
        return rows.get(Job(r["job"]["model"], "qemu-cortex-m4", "int8", inputs=EXACT_INPUTS, check="tflite-micro",
                            seed=1).key)

    def same(r):
        m4 = partner(r)
        if not m4 or m4["status"] != "ok":
            return "—"
        return "identical" if m4["figures"]["outputs_sha256"] == r["figures"]["outputs_sha256"] else "DIFFERENT"

    columns = [("model", lambda r: label(r["job"])), ("inputs", lambda r: f"{r['job']['inputs']:,}"),
               ("host vs TFLite Micro", lambda r: exactness(r, "tflite-micro")),
               ("host vs integer reference", exactness),
               ("qemu-cortex-m4 vs TFLite Micro", lambda r: exactness(partner(r), "tflite-micro") if partner(r) else "—"),
               ("host outputs vs qemu-cortex-m4's", same),
               ("qemu-cortex-m4 instructions (slowest input)", lambda r: _cell(partner(r), "insns_per_inference"))]
    return render_markdown(_rows([j for j in jobs if j.target == "host"], rows), columns, first=1)


HEADLINE_KWS = ("qemu-cortex-m4", "qemu-rv32imac")
HEADLINE_RESNET = ("qemu-cortex-m55", "qemu-rv32-zve32f-zvfh")


def headline_jobs(only):
    """README's headline figures: KWS int8 (rows of the int8 table), ResNet-8 fp16 against TVM's
    code (rows of the all table)."""
    resnet = f"{ROOT}/models/resnet8.py:make"
    return [Job(_int8("kws_ref_model.tflite"), t, "int8", check="tflite-micro") for t in HEADLINE_KWS] + [
        Job(resnet, t, "fp16", kernels=k) for t in HEADLINE_RESNET for k in ("mcuforge", "tvm")]


def headline_render(jobs, rows):
    kws = {t: rows.get(Job(_int8("kws_ref_model.tflite"), t, "int8", check="tflite-micro").key)
           for t in HEADLINE_KWS}
    resnet = {t: (rows.get(Job(f"{ROOT}/models/resnet8.py:make", t, "fp16").key),
                  rows.get(Job(f"{ROOT}/models/resnet8.py:make", t, "fp16", kernels="tvm").key))
              for t in HEADLINE_RESNET}
    if not all(r and r["status"] == "ok" for r in kws.values()) or \
            not all(a and b and a["status"] == b["status"] == "ok" for a, b in resnet.values()):
        return ""
    m4, rv = kws["qemu-cortex-m4"]["figures"], kws["qemu-rv32imac"]["figures"]
    lines = [f"- MLPerf Tiny KWS (DS-CNN) int8, bit-identical to TFLite Micro: {m4['insns_per_inference']:,} "
             f"instructions per inference on `qemu-cortex-m4` ({m4['mac_per_insn']:.3f} MAC/instruction), "
             f"{rv['insns_per_inference']:,} on `qemu-rv32imac`."]
    cells = [f"{a['figures']['mac_per_insn']:.2f} on `{t}` (TVM's own code: {b['figures']['mac_per_insn']:.2f})"
             for t, (a, b) in resnet.items()]
    lines.append("- ResNet-8 fp16 MAC/instruction: " + ", ".join(cells) + ".")
    return "\n".join(lines)


TRAIN_TARGETS = ("qemu-cortex-m55", "qemu-rv32-zve32f-zvfh", "qemu-cortex-m4")
TRAIN_MODELS = [(f"{ROOT}/models/odl_layers.py:conv3x3", "all"), (f"{ROOT}/models/resnet8.py:make", "all"),
                (f"{ROOT}/models/dscnn.py:make", "all"), (f"{ROOT}/models/dscnn.py:make", "last:2")]


def training_jobs(only):
    """Each training run, and an inference run of the same model, target and precision (the
    bound mcuforge kernels) for the backward-over-inference ratio."""
    runs = [(m, trainable, t.name, p) for m, trainable in TRAIN_MODELS for t in _targets(only)
            if t.name in TRAIN_TARGETS for p in (("fp32", "fp16") if t.has("fp16") else ("fp32",))]
    inference = {Job(m, t, p): None for m, _, t, p in runs}
    return [TrainJob(m, t, p, trainable) for m, trainable, t, p in runs] + list(inference)


def training_render(jobs, rows):
    def per(key, phase):
        return lambda r: f"{r['figures']['instructions'][f'{phase}_per_sample']:,.0f}"

    def mpi(phase):
        return lambda r: f"{r['figures']['mac_per_instr'][phase]:.3f}"

    def speedup(r):
        if r["job"]["precision"] != "fp16":
            return ""
        other = rows.get(TrainJob(r["job"]["model"], r["job"]["target"], "fp32", r["job"]["trainable"]).key)
        if not other or other["status"] != "ok":
            return ""
        return f"{other['figures']['instructions_per_step'] / r['figures']['instructions_per_step']:.2f}x"

    def inference(r):
        row = rows.get(Job(r["job"]["model"], r["job"]["target"], r["job"]["precision"]).key)
        return row["figures"]["mac_per_insn"] if row and row["status"] == "ok" else None

    def of_inference(r):
        mpi, backward = inference(r), r["figures"]["mac_per_instr"]["backward"]
        return f"{100 * backward / mpi:.0f} %" if mpi and backward else ""

    columns = [("model", lambda r: label(r["job"]).removesuffix(".make")), ("trains", lambda r: r["job"]["trainable"]),
               ("target", lambda r: r["job"]["target"]), ("precision", lambda r: r["job"]["precision"]),
               ("instructions / step", fig("instructions_per_step")),
               ("forward", per("instructions", "forward")), ("forward MAC/instr", mpi("forward")),
               ("backward", per("instructions", "backward")), ("backward MAC/instr", mpi("backward")),
               ("inference MAC/instr", lambda r: f"{inference(r):.3f}" if inference(r) else ""),
               ("backward / inference", of_inference), ("fp16 speed-up", speedup),
               ("training RAM B", lambda r: f"{r['figures']['ram']['arena'] + r['figures']['ram']['state']:,}")]
    return render_markdown(_rows([j for j in jobs if isinstance(j, TrainJob)], rows), columns, first=4)


EVAL_PATHS = {"per_sample": "per-sample NumPy", "numpy_batched": "batched NumPy", "evaluator": "evaluator",
              "evaluator_torch": "evaluator, torch requant + GEMM", "tflite_micro": "TFLite Micro",
              "litert_builtin_ref": "LiteRT BUILTIN_REF"}


def eval_jobs(only):
    return [EvalJob(_int8(name), EVAL_INPUTS, seed=5) for name in INT8]


def eval_render(jobs, rows):
    def rate(path):
        return lambda r: f"{r['figures']['samples_per_s'][path]:,.0f}"

    def over(path):
        return lambda r: f"{r['figures']['evaluator_over'][path]:,.1f}x"

    def exact_cell(r):
        f = r["figures"]
        cell = "yes" if all(v for k, v in f["exact"].items() if k != "litert_builtin_ref") else "no"
        lite = f.get("differ", {}).get("litert_builtin_ref", 0)
        return cell + (f" (LiteRT: {lite} of {f['samples']['litert_builtin_ref']} differ)" if lite else "")

    columns = [("model", lambda r: label(r["job"]))]
    columns += [(f"{title} samples/s", rate(path)) for path, title in EVAL_PATHS.items()]
    columns += [("evaluator vs per-sample NumPy", over("per_sample")), ("vs TFLite Micro", over("tflite_micro")),
                ("vs LiteRT BUILTIN_REF", over("litert_builtin_ref")),
                ("bit-identical", exact_cell)]
    return render_markdown(_rows(jobs, rows), columns, first=1)


STREAM_TARGETS = ("qemu-cortex-m4", "qemu-cortex-m55", "qemu-rv32-zve32f-zvfh")
STREAM_WINDOW, STREAM_CALLS = 256, 20


def stream_jobs(only):
    model = ppg_int8()
    jobs = []
    for t in STREAM_TARGETS:
        if only is None or t in only:
            jobs.append(Job(model, t, "int8", inputs=3))
            jobs += [StreamJob(model, t, "int8", inputs=STREAM_CALLS, hop=STREAM_WINDOW // r) for r in (2, 4, 8, 16)]
    return jobs


def stream_render(jobs, rows):
    def full(r):
        row = rows.get(Job(r["job"]["model"], r["job"]["target"], "int8", inputs=3).key)
        return row["figures"] if row and row["status"] == "ok" else None

    def speedup(r):
        f = full(r)
        return f"{f['insns_per_inference'] / r['figures']['insns_median']:.2f}x" if f else ""

    def mac_ratio(r):
        f = full(r)
        return f"{f['macs'] / r['figures']['macs']:.2f}x" if f else ""

    def ram(r):
        f = full(r)
        return f"{r['figures']['state'] + r['figures']['arena']:,} / {f['arena']:,}" if f else ""

    columns = [("target", lambda r: r["job"]["target"]), ("window / hop", lambda r: str(STREAM_WINDOW // r["job"]["hop"])),
               ("hop", lambda r: str(r["job"]["hop"])),
               ("full window: instructions", lambda r: f"{full(r)['insns_per_inference']:,}" if full(r) else ""),
               ("stream: instructions / call", fig("insns_median")),
               ("first call (with the reset)", fig("insns_per_inference")), ("speed-up", speedup),
               ("MACs full / stream", mac_ratio), ("bit-identical", lambda r: exactness(r)),
               ("RAM B: stream (state + arena) / full arena", ram)]
    return render_markdown(_rows([j for j in jobs if isinstance(j, StreamJob)], rows), columns, first=3)


SNN_TARGETS = ("qemu-cortex-m4", "qemu-cortex-m55", "qemu-rv32-zve32f-zvfh")
SNN_RATES = (0.02, 0.05, 0.1, 0.2, 0.5)
SNN_STEPS = 20
SNN_DIGITS_RATE = 0.31  # rate-coded digits: the mean pixel intensity, the input's measured spike rate


def snn_mfq(name: str) -> str:
    """The snn table's networks, quantized once into the cache: "wide" (512 -> 256 Leaky -> 10,
    random weights, calibrated on 10 % spikes), "nmnist" (2 x 34 x 34 -> 128 RLeaky -> 10, the
    size of published N-MNIST recurrent SNNs on Cortex-M4, calibrated on 2 % spikes) and
    "digits" (models/snn_digits.py:make trained, rate-coded digits: its real sparsity)."""
    from mcuforge.paths import cache_dir

    path = cache_dir() / "bench" / f"snn-{name}.mfq"
    if path.is_file():
        return str(path)
    import numpy as np
    import snntorch as snn
    import torch
    from torch import nn

    from mcuforge.snn.graph import read_snntorch
    from mcuforge.snn.quantize import quantize_snn
    from mcuforge.snn.serialize import save_snn

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    if name == "digits":
        from mcuforge.snn.flow import quantize_spiking

        quantize_spiking(f"{ROOT}/models/snn_digits.py:make", f"{ROOT}/models/snn_digits.py:batches", 2, False,
                         12).save(path)
        return str(path)
    n_in, hidden, rate = (512, 256, 0.1) if name == "wide" else (2 * 34 * 34, 128, 0.02)
    rec = snn.Leaky(beta=0.9, threshold=0.5, init_hidden=True) if name == "wide" else \
        snn.RLeaky(beta=0.9, threshold=0.5, linear_features=hidden, init_hidden=True)
    net = nn.Sequential(nn.Linear(n_in, hidden), rec, nn.Linear(hidden, 10),
                        snn.Leaky(beta=0.9, threshold=0.5, init_hidden=True, output=True))
    with torch.no_grad():
        net[0].weight.mul_(4)
    x = (np.random.default_rng(0).random((16, SNN_STEPS, n_in)) < rate).astype(np.float32)
    save_snn(quantize_snn(read_snntorch(net, (n_in,), name), x), path, {"timesteps": SNN_STEPS})
    return str(path)


def snn_jobs(only):
    jobs = []
    for t in SNN_TARGETS:
        if only is not None and t not in only:
            continue
        for rate in SNN_RATES:
            jobs += [SnnJob(snn_mfq("wide"), t, "snn", inputs=SNN_STEPS, events=e, rate=rate)
                     for e in ("dense", "events", "auto")]
        jobs += [SnnJob(snn_mfq("nmnist"), t, "snn", inputs=SNN_STEPS, events=e, rate=0.02)
                 for e in ("dense", "events", "auto")]
        jobs += [SnnJob(snn_mfq("digits"), t, "snn", inputs=SNN_STEPS, events=e, rate=SNN_DIGITS_RATE)
                 for e in ("dense", "events", "auto")]
    return jobs


def snn_render(jobs, rows):
    def twin(r, events):
        j = r["job"]
        row = rows.get(SnnJob(j["model"], j["target"], "snn", inputs=j["inputs"], events=events, rate=j["rate"]).key)
        return row["figures"] if row and row["status"] == "ok" else None

    def cell(r, events):
        f = twin(r, events)
        return f"{f['insns_median']:,}" if f else ""

    def speedup(r):
        d, e = twin(r, "dense"), twin(r, "events")
        return f"{d['insns_median'] / e['insns_median']:.2f}x" if d and e else ""

    def auto(r):
        a, d, e = twin(r, "auto"), twin(r, "dense"), twin(r, "events")
        if not (a and d and e):
            return ""
        over = a["insns_median"] / min(d["insns_median"], e["insns_median"]) - 1
        return (f"{a['insns_median']:,} ({d['insns_median'] / a['insns_median']:.2f}x below dense"
                + (f"; {100 * over:.0f} % above the better" if over > 0.02 else "") + ")")

    columns = [("network", lambda r: Path(r["job"]["model"]).stem.removeprefix("snn-")),
               ("target", lambda r: r["job"]["target"]),
               ("input sparsity", lambda r: f"{100 * (1 - r['job']['rate']):.0f} %"),
               ("dense: instructions / step", lambda r: cell(r, "dense")),
               ("events", lambda r: cell(r, "events")), ("dense / events", speedup), ("auto", auto),
               ("state B", fig("state")), ("bit-identical steps", lambda r: exactness(r))]
    return render_markdown(_rows([j for j in jobs if j.events == "dense"], rows), columns, first=3)


TABLES = {"models": Table(models_jobs, models_render), "int8": Table(int8_jobs, int8_render),
          "memory": Table(int8_jobs, memory_render), "kernels-float": Table(kernels_float_jobs, kernels_float_render),
          "all": Table(all_jobs, all_render), "isa": Table(isa_jobs, isa_render),
          "host": Table(host_jobs, host_render), "exact": Table(exact_jobs, exact_render),
          "headline": Table(headline_jobs, headline_render), "training": Table(training_jobs, training_render),
          "eval": Table(eval_jobs, eval_render), "stream": Table(stream_jobs, stream_render),
          "snn": Table(snn_jobs, snn_render)}


def _rows(jobs, rows) -> list[dict]:
    return [rows[j.key] for j in jobs if j.key in rows]


def write_section(name: str, text: str) -> list[Path]:
    """Replace what stands between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in the docs."""
    pattern = re.compile(rf"(<!-- bench:{re.escape(name)} -->\n).*?(<!-- /bench:{re.escape(name)} -->)", re.S)
    written = []
    for doc in DOCS:
        old = doc.read_text()
        new = pattern.sub(lambda m: m.group(1) + text.rstrip("\n") + "\n" + m.group(2), old)
        if new != old:
            doc.write_text(new)
        if pattern.search(old):
            written.append(doc)
    return written


def main(argv: list[str]) -> int:
    only = {a.split("=", 1)[1] for a in argv if a.startswith("--target=")} or None
    render_only = "--render" in argv
    names = [a for a in argv if not a.startswith("--")] or list(TABLES)
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        print(f"unknown table(s) {', '.join(unknown)}; tables: {', '.join(TABLES)}", file=sys.stderr)
        return 2
    results = ResultsFile(RESULTS)
    rows = results.latest()
    ran: set[str] = set()
    failed = []
    for name in names:
        table = TABLES[name]
        jobs = table.jobs(only)
        if not render_only:
            for n, job in enumerate(jobs, 1):
                if job.key in ran:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    row = job.run(Path(tmp))
                results.append(row)
                rows[job.key], _ = row, ran.add(job.key)
                print(f"[{name} {n}/{len(jobs)}] {row['status']}: {row['job']}", file=sys.stderr, flush=True)
                if row["status"] in ("wrong", "error"):
                    failed.append(f"{row['job']}: {row['reason']}")
        text = table.render(jobs, rows)
        print(f"\n{name}\n{text}", flush=True)
        if only is None and text:  # the docs hold the tables of every target
            write_section(name, text)
    for f in failed:
        print(f"WRONG: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
