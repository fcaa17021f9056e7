"""int8 .tflite files the integer path cannot take: the op name and its index."""

from __future__ import annotations

import pytest

from mcuforge.errors import ModelError, UnsupportedOp
from mcuforge.integer.tflite_int8 import read_int8_tflite

from ..conftest import mlperf

TANH = 28


def _with_opcode(src, dst, opcode_index: int, builtin: int):
    """Copy a .tflite file with one operator code changed in place (both code fields)."""
    import tflite

    blob = bytearray(src.read_bytes())
    code = tflite.Model.GetRootAsModel(blob, 0).OperatorCodes(opcode_index)
    tab = code._tab
    for slot, width in ((4, 1), (10, 4)):  # deprecated_builtin_code (int8), builtin_code (int32)
        offset = tab.Offset(slot)
        if offset:
            blob[tab.Pos + offset: tab.Pos + offset + width] = builtin.to_bytes(width, "little", signed=True)
    dst.write_bytes(bytes(blob))
    return dst


def test_an_operator_we_lack_is_named_with_its_index(tmp_path):
    path = _with_opcode(mlperf("ad01_int8.tflite"), tmp_path / "tanh.tflite", 0, TANH)
    with pytest.raises(UnsupportedOp) as exc:
        read_int8_tflite(path)
    assert "operator 0 is TANH, which the integer path does not support" in exc.value.message
    assert "FULLY_CONNECTED" in exc.value.hint


def test_a_float_model_is_not_an_int8_model():
    with pytest.raises(UnsupportedOp, match="operator 0 .CONV_2D. uses a float32 tensor"):
        read_int8_tflite(mlperf("kws_ref_model_float32.tflite"))


def test_not_a_tflite_file(tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"\x00" * 32)
    with pytest.raises(ModelError, match="not a TFLite flatbuffer"):
        read_int8_tflite(bad)
