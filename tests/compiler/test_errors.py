"""Models that do not fit, precisions a target cannot run: errors with the numbers."""

from __future__ import annotations

import pytest

from mcuforge.codegen.compiler import compile_model
from mcuforge.errors import DoesNotFit, McuforgeError
from mcuforge.frontend import load_model
from mcuforge.target import load_target


def _model(tmp_path, body: str, shape: str):
    path = tmp_path / "m.py"
    path.write_text(f"import torch\nfrom torch import nn\ndef make():\n    return {body}.eval(), torch.zeros({shape})\n")
    return load_model(f"{path}:make")


def test_weights_larger_than_flash(tmp_path):
    model = _model(tmp_path, "nn.Sequential(nn.Linear(1024, 1024), nn.ReLU())", "1, 1024")
    with pytest.raises(DoesNotFit) as exc:
        compile_model(model, load_target("qemu-cortex-m4"), "fp32", tmp_path / "out")
    assert exc.value.region == "FLASH"
    assert "the weights take 4,198,400 B, more than the 2,097,152 B of flash of qemu-cortex-m4" in exc.value.message
    assert exc.value.overflow == 4198400 - 2097152


def test_activations_larger_than_ram(tmp_path):
    model = _model(tmp_path, "nn.Conv2d(3, 16, 3, padding=1)", "1, 3, 128, 128")
    with pytest.raises(DoesNotFit) as exc:
        compile_model(model, load_target("qemu-rv32imac"), "fp32", tmp_path / "out")
    assert exc.value.region == "RAM"
    assert "activation arena takes" in exc.value.message and "of RAM qemu-rv32imac has" in exc.value.message


def test_fp16_needs_an_fpu(tmp_path):
    model = _model(tmp_path, "nn.Linear(8, 4)", "1, 8")
    with pytest.raises(McuforgeError, match="qemu-rv32imac has no floating-point unit"):
        compile_model(model, load_target("qemu-rv32imac"), "fp16", tmp_path / "out")


def test_unknown_precision(tmp_path):
    model = _model(tmp_path, "nn.Linear(8, 4)", "1, 8")
    with pytest.raises(McuforgeError, match="unknown precision 'int4'"):
        compile_model(model, load_target("qemu-cortex-m4"), "int4", tmp_path / "out")
