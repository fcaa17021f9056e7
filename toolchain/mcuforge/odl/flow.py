"""`mcuforge train`: a PyTorch model and a data recipe -> a training program on the target, run
for N steps beside PyTorch doing the same from the same start over the same samples in the same
order; accuracy on the held-out split before and after, instructions per phase, RAM by use."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelError
from ..frontend.torch import call_factory, import_user_function, split_data
from ..target import Target
from .compiler import CompiledTraining, Options, compile_training
from .graph import TrainGraph, read_model, select_trainable
from .reference import predictions
from .run import Comparison, compare, order_of, samples_that_fit


@dataclass
class TrainingReport:
    compiled: CompiledTraining
    comparison: Comparison
    samples: int
    accuracy_before: float | None
    accuracy_after: float | None  # with the parameters the target trained
    accuracy_after_reference: float | None  # with PyTorch's
    per_class: list[dict] | None = None  # class, name, samples, accuracy before / after / after_reference

    def as_dict(self) -> dict:
        c, r, d = self.compiled, self.comparison, self.comparison.device
        per_sample = c.options.batch
        fw = d.phases.get("forward", 0) / per_sample if d.phases else None
        bw = d.phases.get("backward", 0) / per_sample if d.phases else None
        return {
            "model": c.name, "target": c.target.name, "precision": c.precision, "accumulate": c.accumulate,
            "trainable": [n.name for n in c.graph.nodes if n.trainable], "trainable_elements": c.trainable_elements,
            "steps": len(d.losses), "batch": c.options.batch, "samples": self.samples, "lr": c.options.lr,
            "momentum": c.options.momentum,
            "loss": [float(v) for v in d.losses], "loss_reference": [float(v) for v in r.reference.losses],
            "max_loss_rel_error": r.loss_error, "max_param_error": r.param_error,
            "pytorch_float32_drift": {"loss": r.float32_loss_drift, "params": r.float32_param_drift},
            "loss_bound": r.loss_bound, "param_bound": r.param_bound, "ok": r.ok,
            "accuracy_before": self.accuracy_before, "accuracy_after": self.accuracy_after,
            "accuracy_after_reference": self.accuracy_after_reference, "per_class": self.per_class,
            "instructions_per_step": d.step_insns[0] if d.step_insns else None,
            "instructions": {"forward_per_sample": fw, "backward_per_sample": bw,
                             "update": d.phases.get("update") if d.phases else None},
            "macs": {"forward_per_sample": c.macs, "backward_per_sample": c.backward_macs()},
            "mac_per_instr": {"forward": c.macs / fw if fw else None,
                              "backward": c.backward_macs() / bw if bw else None},
            "ram": c.ram(), "flash": d.flash, "program_ram": d.ram, "stack_used": d.stack_used,
            "wall_seconds": d.wall_seconds,
        }


def load_graph(model_spec: str) -> tuple[TrainGraph, object]:
    if ".py:" not in model_spec:
        raise ModelError(f"{model_spec}: training takes a PyTorch model as file.py:factory",
                         hint="a factory returning (nn.Module, example input); .tflite, .onnx and .mfq "
                              "models cannot be trained yet")
    path, factory = model_spec.rsplit(":", 1)
    model, example = call_factory(Path(path), factory)
    return read_model(model, example, f"{Path(path).stem}.{factory}"), model


@functools.cache
def _data_fn(data_spec: str):
    """The recipe's function (imported once): function(split) yields (x, y) batches; an attribute
    `classes` on it names the classes."""
    dpath, dname = data_spec.rsplit(":", 1)
    return import_user_function(Path(dpath), dname)


def load_split(data_spec: str, split: str, graph: TrainGraph) -> tuple[np.ndarray, np.ndarray]:
    """A split of the data recipe as NHWC float32 samples and int labels."""
    if ".py:" not in data_spec:
        raise ModelError(f"--data {data_spec}: give file.py:function", hint="function(split) yields (x, y) batches")
    x, y = split_data(_data_fn(data_spec), split, data_spec)
    x = x.numpy() if hasattr(x, "numpy") else np.asarray(x)
    if tuple(x.shape[1:]) != graph.torch_input_shape:
        raise ModelError(f"--data {data_spec}: samples of shape {tuple(x.shape[1:])}, the model takes "
                         f"{graph.torch_input_shape}")
    return graph.to_nhwc(x), np.asarray(y).astype(np.int64)


def train(model_spec: str, data_spec: str, target: Target, precision: str, trainable: str, steps: int,
          options: Options, out_dir: Path, samples: int | None = None, seed: int = 0,
          timeout: float = 1800.0) -> TrainingReport:
    graph, _ = load_graph(model_spec)
    select_trainable(graph, trainable)
    x, y = load_split(data_spec, "train", graph)
    compiled = compile_training(graph, target, precision, out_dir, options)
    wanted = samples or min(len(x), steps * options.batch)
    n = min(wanted, len(x), samples_that_fit(compiled, wanted))
    if samples and n < samples:
        raise ModelError(f"--samples {samples}: only {n} fit in the flash of {target.name} beside the model "
                         f"(the recipe has {len(x)})", hint=f"use --samples {n} or fewer, or -t host")
    pick = np.random.default_rng(seed).permutation(len(x))[:n]
    order = order_of(n, steps, options.batch, seed)
    comparison = compare(compiled, x[pick], y[pick], order, out_dir / "train-run", timeout)
    try:
        xt, yt = load_split(data_spec, "test", graph)
    except ModelError:
        return TrainingReport(compiled, comparison, n, None, None, None)
    runs = {"before": predictions(graph, None, xt), "after": predictions(graph, comparison.device.params, xt),
            "after_reference": predictions(graph, comparison.reference.params, xt)}
    names = getattr(_data_fn(data_spec), "classes", None)
    per_class = [{"class": int(k), "name": names[k] if names is not None and k < len(names) else str(k),
                  "samples": int((yt == k).sum()),
                  **{f"accuracy_{run}": float((p[yt == k] == k).mean()) for run, p in runs.items()}}
                 for k in np.unique(yt)]
    return TrainingReport(compiled, comparison, n, *(float((p == yt).mean()) for p in runs.values()), per_class)


__all__ = ["TrainingReport", "train", "Options", "order_of"]
