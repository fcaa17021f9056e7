"""Bad models give clear errors: what was wrong, where, and what to do."""

from __future__ import annotations

import pytest

from mcuforge.errors import ModelError, UnsupportedOp
from mcuforge.frontend import load_model

from ..conftest import mlperf


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_factory_that_raises_names_the_line(tmp_path):
    path = write(tmp_path, "bad.py", "def make():\n    x = 1\n    raise ValueError('no weights here')\n")
    with pytest.raises(ModelError) as exc:
        load_model(f"{path}:make")
    assert "make() raised ValueError: no weights here (at bad.py:3 in make)" in exc.value.message


def test_missing_factory_lists_the_functions(tmp_path):
    path = write(tmp_path, "m.py", "def build():\n    pass\n")
    with pytest.raises(ModelError, match="no function 'make'") as exc:
        load_model(f"{path}:make")
    assert "build" in exc.value.hint


def test_factory_must_return_module_and_input(tmp_path):
    path = write(tmp_path, "m.py", "def make():\n    return 3\n")
    with pytest.raises(ModelError, match=r"must return \(torch.nn.Module, example_input_tensor\), got int"):
        load_model(f"{path}:make")


def test_unsupported_operator_names_op_and_source_line(tmp_path):
    path = write(tmp_path, "fft.py", """
import torch
class M(torch.nn.Module):
    def forward(self, x):
        return torch.fft.rfft(x).abs()
def make():
    return M(), torch.zeros(1, 16)
""")
    with pytest.raises(UnsupportedOp) as exc:
        load_model(f"{path}:make")
    msg = exc.value.message
    assert "cannot lower the operator" in msg and "fft" in msg
    assert "fft.py" in msg and "line 5" in msg
    assert exc.value.hint


@pytest.mark.parametrize("name,content,message", [
    ("bad.tflite", b"\x00" * 64, "not a TFLite flatbuffer"),
    ("bad.onnx", b"this is not protobuf", "not a valid ONNX model"),
    ("bad.pt2", b"PK\x03\x04garbage", "not a readable torch.export program"),
    ("model.h5", b"x", "unsupported model file type .h5"),
])
def test_corrupt_or_unsupported_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        load_model(str(path))


def test_missing_file():
    with pytest.raises(ModelError, match="model file not found: nowhere.onnx"):
        load_model("nowhere.onnx")


def test_int8_tflite_points_to_the_integer_path():
    with pytest.raises(ModelError, match="quantized model") as exc:
        load_model(str(mlperf("kws_ref_model.tflite")))
    assert "--precision int8" in exc.value.hint

