"""`mcuforge eval`: a model over a whole split of the user's data, as the device computes it.

int8 models (.tflite, .mfq) run through the batched integer evaluator (bit-identical with every
target); float models through their framework in batches: PyTorch factories in float32 or, for
fp16, in PyTorch's half precision, other files through the reference `mcuforge run` checks
against. Optionally the same split through a second model (`--versus`, e.g. the float model an
int8 one came from), and K samples through a target (`--verify-on`), which must agree."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..errors import McuforgeError, ModelError
from . import metrics
from .data import float32, in_layout, load_split, quantized
from .integer import DEFAULT_BATCH, IntegerEvaluator, ieee_float32, torch_device


@dataclass
class Subject:
    """A model ready to evaluate: run(inputs as the data yields them, progress) -> (float outputs,
    the outputs as the device holds them, the inputs as the device takes them)."""

    spec: str
    precision: str
    run: Callable
    names: list[str] | None = None
    notes: list[str] = field(default_factory=list)


def is_int8(spec: str) -> bool:
    from ..integer.tflm import is_int8_tflite

    path = Path(spec.rsplit(":", 1)[0] if ".py:" in spec else spec)
    if not path.exists():
        raise ModelError(f"model file not found: {path}",
                         hint="give file.py:factory, file.pt2, file.onnx, file.tflite or file.mfq")
    return path.suffix == ".mfq" or (path.suffix == ".tflite" and is_int8_tflite(path))


def int8_subject(spec: str, device: str, batch: int, data: str) -> Subject:
    from ..integer.serialize import load_qgraph
    from ..integer.tflite_int8 import read_int8_tflite

    path = Path(spec)
    graph = load_qgraph(path) if path.suffix == ".mfq" else read_int8_tflite(path)
    evaluator = IntegerEvaluator(graph, device=device, batch=batch)
    (s_in, z_in), (s_out, z_out) = ((t.s(), t.zp()) for t in (graph.input, graph.output))

    def run(x, progress):
        ints = quantized(in_layout(x, graph.input.shape, data, path.name), s_in, z_in, data)
        raw = evaluator(ints, progress)
        return (raw.astype(np.float64) - z_out) * s_out, raw, ints

    notes = [f"sums in {', '.join(sorted(set(evaluator.float_dtypes.values())))} (exact), "
             f"requantization {'native C' if evaluator.requant == 'native' else 'in int64 tensors'} "
             f"on {evaluator.device}"]
    return Subject(spec, "int8", run, notes=notes)


def float_subject(spec: str, precision: str, device: str, batch: int, data: str) -> Subject:
    """PyTorch factories run batched in float32 or float16 on the device; other float files
    through the framework reference of `mcuforge run`, sample by sample, in float32."""
    import torch

    if ".py:" in spec:
        from ..frontend.torch import call_factory

        path, factory = spec.rsplit(":", 1)
        model, example = call_factory(Path(path), factory)
        dev = torch_device(device)
        dtype = torch.float16 if precision == "fp16" else torch.float32
        model = model.to(dev, dtype)

        def run(x, progress):
            x = float32(in_layout(x, tuple(example.shape), data, spec), data)
            outs = []
            with torch.inference_mode(), ieee_float32():
                for start in range(0, len(x), batch):
                    part = torch.from_numpy(x[start:start + batch]).to(dev, dtype)
                    try:
                        outs.append(model(part).float().cpu().numpy())
                    except Exception as exc:
                        raise ModelError(f"{spec} in {precision} on {dev}: {type(exc).__name__}: {exc}") from None
                    if progress:
                        progress(min(start + batch, len(x)), len(x))
            out = np.concatenate(outs)
            return out.astype(np.float64), out, x
        return Subject(spec, precision, run, names=getattr(model, "classes", None),
                       notes=[f"PyTorch {precision} on {dev}"])
    if precision != "fp32":
        raise McuforgeError(f"{spec}: fp16 evaluation runs PyTorch models (file.py:factory)",
                            hint="evaluate this file with -p fp32, or give its PyTorch factory")
    from ..frontend.model import load_model

    model = load_model(spec)
    if model.reference is None:
        raise McuforgeError(f"{spec}: no framework here runs this model ({model.reference_note})")

    def run_file(x, progress):
        x = float32(in_layout(x, model.input.shape, data, spec), data)
        outs = []
        for i, sample in enumerate(x):
            outs.append(np.asarray(model.reference(sample[None]), np.float32).reshape(model.output.shape))
            if progress and ((i + 1) % 64 == 0 or i + 1 == len(x)):
                progress(i + 1, len(x))
        out = np.stack(outs)
        return out.astype(np.float64), out, x
    return Subject(spec, "fp32", run_file, notes=[model.reference_note or "the framework's float32, per sample"])


def subject(spec: str, precision: str, device: str, batch: int, data: str) -> Subject:
    if precision not in ("auto", "int8", "fp32", "fp16"):
        raise McuforgeError(f"unknown precision {precision!r}", hint="auto, int8, fp32 or fp16")
    int8 = is_int8(spec)
    if precision == "int8" and not int8:
        raise McuforgeError(f"{spec} is a float model", hint="quantize it first: `mcuforge quantize`")
    if precision in ("fp32", "fp16") and int8:
        raise McuforgeError(f"{spec} is an int8 model; it evaluates as int8", hint="-p auto or -p int8")
    if int8:
        return int8_subject(spec, device, batch, data)
    return float_subject(spec, "fp32" if precision == "auto" else precision, device, batch, data)


def evaluate(model: str, data: str, split: str = "test", precision: str = "auto", device: str = "cpu",
             batch: int = DEFAULT_BATCH, versus: list[str] = (), limit: int | None = None,
             progress=None) -> dict:
    """The report of `model` over `split` (the first `limit` samples when given). progress(label)
    returns a (done, total) callback for each model run."""
    x, y = load_split(data, split)
    if limit:
        x, y = x[:limit], None if y is None else y[:limit]
    main = subject(model, precision, device, batch, data)
    start = time.perf_counter()
    outputs, raw, device_inputs = main.run(x, progress(main.spec) if progress else None)
    seconds = time.perf_counter() - start
    task = metrics.task_of(x, outputs, y)
    report = {"model": model, "precision": main.precision, "device": device, "split": split, "samples": len(x),
              "task": task, "seconds": seconds, "samples_per_s": len(x) / seconds, "notes": main.notes}
    if task == "classify":
        classes = outputs.reshape(len(x), -1).shape[1]
        report.update(metrics.classification(outputs, y, classes))
        report["class_names"] = main.names or [str(c) for c in range(classes)]
    else:
        report.update(metrics.anomaly(x, outputs, y))
    report["versus"] = []
    for other_spec in versus:
        other = subject(other_spec, "auto", device, batch, data)
        other_out, _, _ = other.run(x, progress(other.spec) if progress else None)
        if other_out.reshape(len(x), -1).shape != outputs.reshape(len(x), -1).shape:
            raise McuforgeError(f"{other_spec} gives {other_out.shape[1:]} outputs per sample, {model} "
                                f"{outputs.shape[1:]}: they are not the same model")
        row = {"model": other_spec, "precision": other.precision, **metrics.versus(outputs, other_out, y, task)}
        if task == "classify" and y is not None:
            row["accuracy"] = metrics.classification(other_out, y, outputs.reshape(len(x), -1).shape[1])["accuracy"]
        elif task == "anomaly" and y is not None:
            row["auc"] = metrics.anomaly(x, other_out, y)["auc"]
        report["versus"].append(row)
    report["_raw"], report["_device_inputs"] = raw, device_inputs
    return report


def verify_on(report: dict, model: str, target_name: str, n: int, work: Path, progress=None) -> dict:
    """Run the first n samples of the report through `target_name` and compare each output with
    the evaluator's: bit for bit for int8, within the precision's bound for float."""
    from ..core.flow import compare, compile as compile_model, run
    from ..target import load_target

    target = load_target(target_name)
    inputs, expected = report["_device_inputs"][:n], report["_raw"][:n]
    compiled = compile_model(model, target, report["precision"], work / "model")
    r = run(compiled, inputs, work / "build", progress=progress)
    got = r.outputs.reshape(len(inputs), -1)
    want = expected.reshape(len(inputs), -1)
    differ = [i for i in range(len(inputs)) if (not np.array_equal(got[i], want[i]) if report["precision"] == "int8"
                                                else compare(compiled, got[i], want[i]) is not None)]
    return {"target": target.name, "samples": len(inputs), "differ": len(differ), "first_differing": differ[:10],
            "exact": report["precision"] == "int8"}


def public(report: dict) -> dict:
    """The report as JSON: arrays as lists, private fields dropped, per-sample arrays omitted."""
    out = {}
    for k, v in report.items():
        if k.startswith("_") or k in ("predictions", "scores"):
            continue
        out[k] = v.tolist() if isinstance(v, np.ndarray) else v
    return out
