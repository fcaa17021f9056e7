"""The quantized-model file (.mfq) `mcuforge quantize` writes and the integer compiler reads:
a NumPy .npz archive holding the integer graph (tensors with their quantization, ops with their
integer parameters) as arrays plus one JSON description."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .graph import QGraph, QOp, QTensor

FORMAT = "mcuforge-qgraph-1"


def save_qgraph(graph: QGraph, path: Path) -> Path:
    arrays: dict[str, np.ndarray] = {}
    tensors = []
    for t in graph.tensors:
        tensors.append({"id": t.id, "name": t.name, "shape": list(t.shape), "dtype": t.dtype})
        for key in ("scale", "zero_point", "data"):
            value = getattr(t, key)
            if value is not None:
                arrays[f"t{t.id}.{key}"] = value
    ops = []
    for n, op in enumerate(graph.ops):
        scalars = {}
        for key, value in op.params.items():
            if isinstance(value, np.ndarray):
                arrays[f"op{n}.{key}"] = value
            else:
                scalars[key] = list(value) if isinstance(value, tuple) else value
        ops.append({"index": op.index, "kind": op.kind, "inputs": [t.id for t in op.inputs],
                    "output": op.output.id, "params": scalars})
    meta = {"format": FORMAT, "tensors": tensors, "ops": ops, "input": graph.input.id, "output": graph.output.id}
    path = Path(path)
    with path.open("wb") as f:
        np.savez(f, __meta__=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    return path


def load_qgraph(path: Path) -> QGraph:
    try:
        archive = np.load(path, allow_pickle=False)
        meta = json.loads(archive["__meta__"].tobytes().decode())
    except Exception as exc:
        raise ModelError(f"{path}: not a quantized model written by `mcuforge quantize` ({type(exc).__name__})") from None
    if meta.get("format") != FORMAT:
        raise ModelError(f"{path}: format {meta.get('format')!r}, expected {FORMAT}")
    by_id = {}
    for t in meta["tensors"]:
        get = lambda key: archive[f"t{t['id']}.{key}"] if f"t{t['id']}.{key}" in archive else None  # noqa: E731
        by_id[t["id"]] = QTensor(t["id"], t["name"], tuple(t["shape"]), t["dtype"], get("scale"), get("zero_point"), get("data"))
    ops = []
    for n, o in enumerate(meta["ops"]):
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in o["params"].items()}
        params.update({k.split(".", 1)[1]: archive[k] for k in archive.files if k.startswith(f"op{n}.")})
        ops.append(QOp(o["index"], o["kind"], [by_id[i] for i in o["inputs"]], by_id[o["output"]], params))
    return QGraph(sorted(by_id.values(), key=lambda t: t.id), ops, by_id[meta["input"]], by_id[meta["output"]])
