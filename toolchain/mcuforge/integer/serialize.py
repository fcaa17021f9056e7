"""The quantized-model file (.mfq) `mcuforge quantize` writes and the integer compiler reads:
a NumPy .npz archive holding the integer graph (tensors with their quantization, ops with their
integer parameters) as arrays plus one JSON description.

The description carries a SHA-256 of the whole content (itself, and every array's name, dtype,
shape and bytes), checked on load, so that a damaged file is refused instead of compiled with
other weights. Version 1 files, written before the checksum, are read without it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .graph import QGraph, QOp, QTensor

FORMAT = "mcuforge-qgraph-2"
UNCHECKED_FORMAT = "mcuforge-qgraph-1"  # no checksum
HINT = "quantize the model again with `mcuforge quantize`"


def _digest(meta: dict, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the description (less its checksum) and of every array's name, dtype, shape
    and bytes, in name order."""
    h = hashlib.sha256(json.dumps({k: v for k, v in meta.items() if k != "sha256"}, sort_keys=True).encode())
    for name in sorted(arrays):
        a = arrays[name]
        h.update(json.dumps([name, a.dtype.str, list(a.shape)]).encode())
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


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
        scalars = split_params(op.params, f"op{n}.", arrays)
        ops.append({"index": op.index, "kind": op.kind, "inputs": [t.id for t in op.inputs],
                    "output": op.output.id, "params": scalars})
    meta = {"format": FORMAT, "tensors": tensors, "ops": ops, "input": graph.input.id, "output": graph.output.id}
    return save_archive(path, meta, arrays)


def split_params(params: dict, prefix: str, arrays: dict[str, np.ndarray]) -> dict:
    """A layer's parameters: its arrays into `arrays` (as prefix + name), the rest returned as
    JSON values (tuples as lists)."""
    scalars = {}
    for key, value in params.items():
        if isinstance(value, np.ndarray):
            arrays[prefix + key] = value
        else:
            scalars[key] = list(value) if isinstance(value, tuple) else value
    return scalars


def save_archive(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    """An .mfq archive: the arrays and the description (its "format" set by the caller), with
    the SHA-256 of both in the description."""
    meta = {**meta, "sha256": _digest(meta, arrays)}
    path = Path(path)
    with path.open("wb") as f:
        np.savez(f, __meta__=np.frombuffer(json.dumps(meta).encode(), np.uint8), **arrays)
    return path


def load_archive(path: Path, formats: tuple[str, ...]) -> tuple[dict, dict[str, np.ndarray]]:
    """The description and arrays of an .mfq archive of one of `formats` (the first is current
    and checksummed); a ModelError for another file or a damaged one."""
    try:
        with np.load(path, allow_pickle=False) as archive:  # zip checks each array's CRC-32
            arrays = {name: archive[name] for name in archive.files}
        meta = json.loads(arrays.pop("__meta__").tobytes().decode())
    except Exception as exc:  # whatever zipfile, NumPy or json raise on bytes that are not an .mfq
        raise ModelError(f"{path}: not a quantized model written by `mcuforge quantize`, or a damaged one "
                         f"({type(exc).__name__})", hint=HINT) from None
    version = meta.get("format") if isinstance(meta, dict) else None
    if version not in formats:
        raise ModelError(f"{path}: format {version!r}, expected {formats[0]}", hint=HINT)
    if version == formats[0] and meta.get("sha256") != _digest(meta, arrays):
        raise ModelError(f"{path}: damaged .mfq file: its content does not match its SHA-256 checksum", hint=HINT)
    return meta, arrays


def archive_format(path: Path) -> str | None:
    """The format an .mfq file says it holds (None when it cannot be read: load says why)."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            return json.loads(archive["__meta__"].tobytes().decode()).get("format")
    except Exception:  # noqa: BLE001 - unreadable: the loader reports it
        return None


def load_qgraph(path: Path) -> QGraph:
    """The integer graph in `path`; a ModelError if it is not an .mfq file or is damaged."""
    meta, arrays = load_archive(path, (FORMAT, UNCHECKED_FORMAT))
    try:
        return _graph(meta, arrays)
    except (LookupError, TypeError, ValueError, AttributeError) as exc:
        raise ModelError(f"{path}: damaged .mfq file: its description does not hold together "
                         f"({type(exc).__name__}: {exc})", hint=HINT) from None


def _graph(meta: dict, arrays: dict[str, np.ndarray]) -> QGraph:
    """The graph the description and arrays hold; KeyError for a missing key or a tensor id
    nothing defines, TypeError or ValueError for a field of the wrong kind."""
    by_id = {}
    for t in meta["tensors"]:
        shape = tuple(t["shape"])
        data = arrays.get(f"t{t['id']}.data")
        if not all(isinstance(d, int) and d >= 0 for d in shape) or (data is not None and data.shape != shape):
            raise ValueError(f"tensor {t['id']} has shape {t['shape']} and data of shape "
                             f"{None if data is None else list(data.shape)}")
        by_id[t["id"]] = QTensor(t["id"], t["name"], shape, t["dtype"], arrays.get(f"t{t['id']}.scale"),
                                 arrays.get(f"t{t['id']}.zero_point"), data)
    ops = []
    for n, o in enumerate(meta["ops"]):
        params = {k: tuple(v) if isinstance(v, list) else v for k, v in o["params"].items()}
        params.update({k.split(".", 1)[1]: a for k, a in arrays.items() if k.startswith(f"op{n}.")})
        ops.append(QOp(o["index"], o["kind"], [by_id[i] for i in o["inputs"]], by_id[o["output"]], params))
    return QGraph(sorted(by_id.values(), key=lambda t: t.id), ops, by_id[meta["input"]], by_id[meta["output"]])
