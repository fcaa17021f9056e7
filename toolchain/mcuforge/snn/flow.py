"""`mcuforge quantize` on a spiking network: the snnTorch factory read (graph.py), trained in
float if asked, calibrated into integers (quantize.py), fine-tuned with the integer recurrence in
the forward pass (QAT), saved as .mfq (format mcuforge-snn-1), and scored on the test split:
float, and the integer network as the device computes it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import ModelError
from ..frontend.torch import call_factory, import_user_function, split_data
from .graph import SpikingGraph, read_snntorch
from .integer import IntSpikingGraph
from .quantize import quantize_snn
from .serialize import save_snn
from .torchnet import SpikingModule
from .train import accuracy, float_counts, integer_counts, train

CALIBRATION_SAMPLES = 512


def is_spiking(model: torch.nn.Module) -> bool:
    import snntorch as snn

    return any(isinstance(m, snn.SpikingNeuron) for m in model.modules())


@dataclass
class SpikingResult:
    graph: SpikingGraph
    integer: IntSpikingGraph
    timesteps: int
    test: tuple[np.ndarray, np.ndarray]
    float_accuracy: float
    integer_accuracy: float
    rates: list[float]  # each neuron layer's spike rate on the whole test split (integer network)

    def save(self, path: Path) -> Path:
        return save_snn(self.integer, path, {"timesteps": self.timesteps, "float_accuracy": self.float_accuracy,
                                             "integer_accuracy": self.integer_accuracy})


def _sequences(batches, spec: str, shape: tuple[int, ...], timesteps: int | None = None):
    """The batches as (x (B, T, *shape), y) tensors. Inputs without a time axis (B, *shape) are
    fed the same at every one of `timesteps` steps (direct coding); with one, `timesteps` (if
    given) must be its length."""
    out = []
    for x, y in batches:
        x = torch.as_tensor(x).float()
        if timesteps is not None and tuple(x.shape[1:]) == shape:  # direct coding
            x = x.unsqueeze(1).expand(-1, timesteps, *shape).contiguous()
        if x.ndim < 3 or tuple(x.shape[2:]) != shape:
            raise ModelError(f"{spec} yields inputs of shape {tuple(x.shape)}; the spiking model takes "
                             f"(batch, time steps, {', '.join(map(str, shape))})",
                             hint="encode each sample as a sequence of steps (e.g. snntorch.spikegen.rate), or "
                                  "give --timesteps T to feed each input T times")
        if timesteps is not None and x.shape[1] != timesteps:
            raise ModelError(f"{spec} yields sequences of {x.shape[1]} steps; --timesteps says {timesteps}",
                             hint="leave --timesteps out for data that are already sequences")
        if not torch.isfinite(x).all():
            raise ModelError(f"{spec} yields inputs that are not finite (NaN or infinity)")
        out.append((x, torch.as_tensor(y)))
    return out


def load_sequences(data_spec: str, shape: tuple[int, ...], timesteps: int | None = None):
    """(training batches, (test inputs, test labels) as arrays) of a --data function, checked
    (timesteps: see _sequences)."""
    if ".py:" not in data_spec:
        raise ModelError(f"--data {data_spec!r}: give file.py:function")
    dpath, dname = data_spec.rsplit(":", 1)
    data_fn = import_user_function(Path(dpath), dname)
    loader = _sequences(data_fn("train"), f"{data_spec}('train')", shape, timesteps)
    x_test, y_test = split_data(data_fn, "test", data_spec)
    x_test, y_test = _sequences([(x_test, y_test)], f"{data_spec}('test')", shape, timesteps)[0]
    return loader, (x_test.numpy(), y_test.numpy())


def quantize_spiking(model_spec: str, data_spec: str, qat_epochs: int, ptq: bool, float_epochs: int = 0,
                     membrane: str = "auto", on_epoch=None, method: str = "bptt",
                     timesteps: int | None = None) -> SpikingResult:
    if model_spec.lower().endswith(".nir"):  # NIR, by the discretisation of nir.py
        from .nir import read_nir

        model, shape = read_nir(Path(model_spec))
        graph = read_snntorch(model, shape, Path(model_spec).stem)
    else:
        path, factory = model_spec.rsplit(":", 1)
        model, example = call_factory(Path(path), factory)
        graph = read_snntorch(model, tuple(example.shape[1:]), Path(path).stem)
    loader, (x_test, y_test) = load_sequences(data_spec, graph.input_shape, timesteps)
    report = (lambda stage: None) if on_epoch is None else (lambda stage: lambda e, n, l: on_epoch(stage, e, n, l))
    torch.set_num_threads(1)  # the same sums in the same order on every machine
    if float_epochs:
        train(SpikingModule(graph), loader, float_epochs, on_epoch=report("float"), method=method)
    float_accuracy = accuracy(float_counts(graph, x_test), y_test)
    calibration = torch.cat([x for x, _ in loader])[:CALIBRATION_SAMPLES].numpy()
    integer = quantize_snn(graph, calibration, membrane)
    if not ptq and qat_epochs:
        module = SpikingModule(graph, quantized=True, input_scale=integer.input_scale,
                               membranes={layer.name: layer.params["membrane"] for layer in integer.neurons})
        train(module, loader, qat_epochs, lr=5e-4, on_epoch=report("QAT"), method=method)
        integer = quantize_snn(graph, calibration, membrane, integer.input_scale)
    counts, rates = integer_counts(integer, x_test)
    return SpikingResult(graph, integer, int(x_test.shape[1]), (x_test, y_test), float_accuracy,
                         accuracy(counts, y_test), rates)
