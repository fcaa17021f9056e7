"""The quantized spiking network in an .mfq file (format mcuforge-snn-1): the same checksummed
archive as the integer graph's (integer/serialize.py), holding the layers of integer.py."""

from __future__ import annotations

from pathlib import Path

from ..errors import ModelError
from ..integer.serialize import HINT, load_archive, save_archive, split_params
from .integer import IntLayer, IntSpikingGraph

FORMAT = "mcuforge-snn-1"


def save_snn(graph: IntSpikingGraph, path: Path, extra: dict | None = None) -> Path:
    """`extra`: JSON-able facts to keep beside the network (e.g. its time steps, accuracies)."""
    arrays, layers = {}, []
    for n, layer in enumerate(graph.layers):
        scalars = split_params(layer.params, f"l{n}.", arrays)
        layers.append({"kind": layer.kind, "name": layer.name, "in_shape": list(layer.in_shape),
                       "out_shape": list(layer.out_shape), "params": scalars})
    meta = {"format": FORMAT, "name": graph.name, "input_shape": list(graph.input_shape),
            "input_scale": graph.input_scale, "layers": layers, "extra": extra or {}}
    return save_archive(path, meta, arrays)


def load_snn(path: Path) -> tuple[IntSpikingGraph, dict]:
    """The network in `path` and its extra facts; a ModelError for another or a damaged file."""
    meta, arrays = load_archive(path, (FORMAT,))
    try:
        layers = []
        for n, spec in enumerate(meta["layers"]):
            params = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["params"].items()}
            params.update({k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(f"l{n}.")})
            layers.append(IntLayer(spec["kind"], spec["name"], tuple(spec["in_shape"]), tuple(spec["out_shape"]),
                                   params))
        graph = IntSpikingGraph(meta["name"], tuple(meta["input_shape"]), float(meta["input_scale"]), layers)
        if not graph.neurons:
            raise ValueError("no neuron layer")
        return graph, dict(meta.get("extra", {}))
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}: damaged .mfq file: its description does not hold together "
                         f"({type(exc).__name__}: {exc})", hint=HINT) from None
