"""ONNX models whose framework reference cannot run: ONNX Runtime refuses operators of old
opsets, so mcuforge checks against ONNX's own reference evaluator, or says the outputs are
unchecked; and the errors of models mcuforge cannot take name what was wrong in the user's
terms."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn
from onnx import TensorProto, helper, numpy_helper

from mcuforge.codegen.compiler import compile_model, random_inputs
from mcuforge.core.flow import run as run_on_target
from mcuforge.core.precision import TOLERANCE
from mcuforge.errors import ModelError
from mcuforge.frontend import load_model
from mcuforge.target import load_target


def _opset6(path, nodes, inits: dict, x_shape, y_shape):
    """An ONNX file of opset 6, as older exporters wrote them."""
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 6)], ir_version=4), str(path))
    return path


def _batch_norm_average_pool(tmp_path):
    rng = np.random.default_rng(0)
    return _opset6(tmp_path / "bn_pool.onnx",
                   [helper.make_node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], ["h"], is_test=1),
                    helper.make_node("AveragePool", ["h"], ["y"], kernel_shape=[2, 2], strides=[2, 2])],
                   {"scale": rng.uniform(0.5, 1.5, 3), "bias": rng.normal(size=3), "mean": rng.normal(size=3),
                    "var": rng.uniform(0.5, 2, 3)}, [1, 3, 6, 6], [1, 3, 3, 3])


def _gemm_prelu_softsign(tmp_path, broadcast: int):
    rng = np.random.default_rng(1)
    gemm = helper.make_node("Gemm", ["x", "w", "b"], ["h"], transB=1, **({"broadcast": 1} if broadcast else {}))
    return _opset6(tmp_path / f"gemm{broadcast}.onnx",
                   [gemm, helper.make_node("PRelu", ["h", "slope"], ["p"]), helper.make_node("Softsign", ["p"], ["y"])],
                   {"w": rng.normal(size=(5, 8)), "b": rng.normal(size=5), "slope": np.full(5, 0.2)}, [1, 8], [1, 5])


def test_old_opset_is_checked_with_the_onnx_reference_evaluator(tmp_path):
    model = load_model(str(_batch_norm_average_pool(tmp_path)))
    assert "ONNX Runtime cannot run the model" in model.reference_note
    assert "NOT_IMPLEMENTED" in model.reference_note and "BatchNormalization(6)" in model.reference_note
    assert "onnx.reference.ReferenceEvaluator" in model.reference_note
    x = random_inputs(model, 1)[0]
    init = {t.name: numpy_helper.to_array(t) for t in onnx.load(str(tmp_path / "bn_pool.onnx")).graph.initializer}
    c = lambda name: init[name].reshape(1, 3, 1, 1)  # noqa: E731
    h = (x - c("mean")) / np.sqrt(c("var") + 1e-5) * c("scale") + c("bias")
    expected = h.reshape(1, 3, 3, 2, 3, 2).mean(axis=(3, 5))
    assert np.allclose(model.reference(x), expected, rtol=1e-5, atol=1e-6)  # the evaluator really computes it
    compiled = compile_model(model, load_target("qemu-cortex-m4"), "fp32", tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.checked and run.max_rel_error <= TOLERANCE["fp32"]


def test_gemm_prelu_softsign_of_opset_6_run_checked(tmp_path):
    model = load_model(str(_gemm_prelu_softsign(tmp_path, broadcast=1)))
    assert "Gemm(6)" in model.reference_note and "ReferenceEvaluator instead" in model.reference_note
    compiled = compile_model(model, load_target("qemu-rv32-zve32f-zvfh"), "fp32", tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp32"]


def test_a_model_no_reference_runs_is_run_unchecked_and_says_so(tmp_path):
    """Gemm-6 with a bias of its own shape and no broadcast flag: TVM imports it, ONNX Runtime
    lacks the operator version and the reference evaluator refuses the bias."""
    path = _gemm_prelu_softsign(tmp_path, broadcast=0)
    proc = subprocess.run([sys.executable, "-m", "mcuforge.cli", "run", str(path), "-t", "qemu-cortex-m4",
                           "--no-profile", "-n", "1", "-o", str(tmp_path / "out"), "--json"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    note = " ".join(proc.stderr.split())
    assert "neither ONNX Runtime" in note and "outputs are not checked" in note
    figures = json.loads(proc.stdout)
    assert figures["checked"] is False and figures["max_rel_error"] is None


def _export(module, example, path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module.eval(), (example,), str(path), dynamo=False, opset_version=17)
    return path


class _Embedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.table, self.head = nn.Embedding(10, 4), nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.table(x))


def test_integer_indices_are_not_taken_for_an_int8_model(tmp_path):
    path = _export(_Embedding(), torch.tensor([[1, 2, 3]]), tmp_path / "embedding.onnx")
    with pytest.raises(ModelError) as info:
        load_model(str(path))
    assert "int64: integer indices (an embedding lookup" in str(info.value)
    assert "int8" not in str(info.value)


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
def test_onnx_softplus_compiles_and_matches(precision, tmp_path):
    """TVM's C target had no fabs (ONNX's Softplus) and no fp16 exp: both call the C library."""
    torch.manual_seed(0)
    path = _export(nn.Sequential(nn.Linear(6, 6), nn.Softplus()), torch.randn(2, 6), tmp_path / "softplus.onnx")
    model = load_model(str(path))
    compiled = compile_model(model, load_target("qemu-cortex-m55"), precision, tmp_path / "out")
    assert "fabs" in (tmp_path / "out" / "kernels.c").read_text()
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE[precision]


def test_an_operator_tvm_cannot_import_is_named_with_its_node(tmp_path):
    nodes = [helper.make_node("Relu", ["x"], ["h"], name="relu0"), helper.make_node("DFT", ["h"], ["d"], name="spectrum"),
             helper.make_node("Det", ["d"], ["y"], name="det0")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 4, 1])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])])
    path = tmp_path / "dft.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    with pytest.raises(ModelError) as info:
        load_model(str(path))
    assert "the operator DFT (node 'spectrum') has no conversion in TVM's ONNX importer; also unsupported: Det" \
        in str(info.value)
