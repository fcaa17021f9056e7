"""Damaged model files (bytes changed anywhere, cut short at any length) end either in a model or
in one ModelError naming the file: never another exception, a hang or a huge allocation.

Each file is cut at a spread of lengths and has bytes replaced at seeded positions: a third in
its first 256 bytes (the flatbuffer's root tables, the protobuf's graph, the zip's first
header), a third anywhere, a third in its last 2 KiB (where TFLite keeps its metadata and
tables, and zip its central directory). A changed byte inside weight data may well give a
loadable model with other weights; that is fine."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from mcuforge.errors import ModelError
from mcuforge.frontend import load_model
from mcuforge.integer.serialize import load_qgraph, save_qgraph
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference

from ..conftest import mlperf, zoo


def _int8(path: Path) -> None:
    graph = read_int8_tflite(path)
    run_reference(graph, np.zeros(graph.input.shape, np.int8))


def _mfq(path: Path) -> None:
    graph = load_qgraph(path)
    run_reference(graph, np.zeros(graph.input.shape, np.int8))


def _imported(path: Path) -> None:
    load_model(str(path))


def _mlperf(name: str):
    return lambda tmp_path: mlperf(name).read_bytes()


def _saved_mfq(tmp_path: Path) -> bytes:
    return save_qgraph(read_int8_tflite(mlperf("kws_ref_model.tflite")), tmp_path / "kws.mfq").read_bytes()


def _exported_onnx(tmp_path: Path) -> bytes:
    import torch

    module, example = zoo("cnn1d")
    path = tmp_path / "cnn1d.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(module, (example,), str(path), dynamo=False)
    return path.read_bytes()


# file name, its bytes, how it is loaded, how many byte changes (a TVM import takes ~0.1 s)
CASES = {
    "int8 KWS": ("kws_ref_model.tflite", _mlperf("kws_ref_model.tflite"), _int8, 150),
    "int8 anomaly detection": ("ad01_int8.tflite", _mlperf("ad01_int8.tflite"), _int8, 150),
    "int8 ResNet": ("pretrainedResnet_quant.tflite", _mlperf("pretrainedResnet_quant.tflite"), _int8, 150),
    "float KWS": ("kws_ref_model_float32.tflite", _mlperf("kws_ref_model_float32.tflite"), _imported, 60),
    "float ResNet": ("pretrainedResnet.tflite", _mlperf("pretrainedResnet.tflite"), _imported, 45),
    "onnx": ("cnn1d.onnx", _exported_onnx, _imported, 90),
    "mfq": ("kws.mfq", _saved_mfq, _mfq, 150),
}


def damaged_copies(blob: bytes, changes: int, seed: int = 0):
    """(what was done, the damaged bytes): cuts, then 1 to 4 bytes replaced at seeded positions."""
    rng = np.random.default_rng(seed)
    n = len(blob)
    for cut in sorted({0, 1, 7, 8, *np.linspace(9, n - 2, 12).astype(int).tolist(), n - 1}):
        yield f"cut to {cut} bytes", blob[:cut]
    third = changes // 3
    starts = np.concatenate([rng.integers(0, min(256, n), third), rng.integers(0, n, third),
                             rng.integers(max(0, n - 2048), n, changes - 2 * third)])
    for i, start in enumerate(starts):
        damaged = bytearray(blob)
        end = min(start + 1 + i % 4, n)
        damaged[start:end] = rng.integers(0, 256, end - start, dtype=np.uint8).tobytes()
        yield f"bytes {start}..{end - 1} replaced", bytes(damaged)


@pytest.mark.parametrize("case", list(CASES))
def test_damage_gives_a_model_or_one_model_error(case, tmp_path):
    name, source, load, changes = CASES[case]
    path = tmp_path / "damaged" / name
    path.parent.mkdir()
    blob = source(tmp_path)
    path.write_bytes(blob)
    load(path)  # the whole file loads
    escaped = []
    for what, data in damaged_copies(blob, changes):
        path.write_bytes(data)
        try:
            load(path)
        except ModelError as exc:
            if name not in exc.message:
                escaped.append(f"{what}: the message does not name the file: {exc.message}")
        except Exception as exc:  # noqa: BLE001 - any other exception is the failure under test
            escaped.append(f"{what}: {type(exc).__name__}: {exc}")
    assert not escaped, "\n".join(escaped)


def test_a_changed_array_fails_the_mfq_checksum(tmp_path):
    """One byte of one array changed and the archive written again (so its zip CRCs hold): the
    SHA-256 in the description no longer matches."""
    path = save_qgraph(read_int8_tflite(mlperf("kws_ref_model.tflite")), tmp_path / "kws.mfq")
    with np.load(path) as archive:
        arrays = {name: archive[name].copy() for name in archive.files}
    weights = next(name for name in sorted(arrays) if name.endswith(".data"))
    arrays[weights].view(np.uint8).flat[7] ^= 0x10
    with path.open("wb") as f:  # np.savez would add .npz to a name
        np.savez(f, **arrays)
    with pytest.raises(ModelError, match="kws.mfq: damaged .mfq file: its content does not match its SHA-256") as exc:
        load_qgraph(path)
    assert "mcuforge quantize" in exc.value.hint


def _saved_as_version_1(tmp_path: Path, change=lambda meta: None) -> Path:
    """KWS as an .mfq file of version 1 (no checksum), its description changed by `change`."""
    path = save_qgraph(read_int8_tflite(mlperf("kws_ref_model.tflite")), tmp_path / "kws.mfq")
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays["__meta__"].tobytes())
    del meta["sha256"]
    meta["format"] = "mcuforge-qgraph-1"
    change(meta)
    with path.open("wb") as f:
        np.savez(f, **{**arrays, "__meta__": np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    return path


def test_a_version_1_mfq_is_read_without_a_checksum(tmp_path):
    assert [op.kind for op in load_qgraph(_saved_as_version_1(tmp_path)).ops] == \
        [op.kind for op in read_int8_tflite(mlperf("kws_ref_model.tflite")).ops]


def test_a_version_1_mfq_with_a_dangling_tensor_is_damaged(tmp_path):
    path = _saved_as_version_1(tmp_path, lambda meta: meta["ops"][0].update(inputs=[999]))
    with pytest.raises(ModelError, match="kws.mfq: damaged .mfq file: its description does not hold together"):
        load_qgraph(path)
