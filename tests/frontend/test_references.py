"""The references models are checked against: the NumPy TFLite interpreter agrees with LiteRT,
and ONNX import agrees with ONNX Runtime."""

from __future__ import annotations

import numpy as np

from mcuforge.frontend import load_model

from ..conftest import mlperf, zoo


def _litert(path, x):
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_path=str(path))
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"])


def test_numpy_tflite_interpreter_matches_litert_on_a_float_model():
    path = mlperf("pretrainedResnet.tflite")
    model = load_model(str(path))
    assert model.input.shape == (1, 32, 32, 3) and model.output.shape == (1, 10)
    rng = np.random.default_rng(0)
    for _ in range(3):
        x = rng.uniform(-1, 1, model.input.shape).astype(np.float32)
        ref, lite = model.reference(x), _litert(path, x)
        assert np.max(np.abs(ref - lite)) <= 1e-5 * np.max(np.abs(lite))


def test_int8_weight_layers_are_dequantized_not_hybrid():
    """kws_ref_model_float32 keeps its conv weights in int8; LiteRT's hybrid kernels quantize
    activations on the fly, so it differs from the float model by about 1e-4, not 1e-7."""
    path = mlperf("kws_ref_model_float32.tflite")
    model = load_model(str(path))
    x = np.random.default_rng(1).uniform(-1, 1, model.input.shape).astype(np.float32)
    diff = np.max(np.abs(model.reference(x) - _litert(path, x)))
    assert 1e-6 < diff < 1e-2


def test_onnx_import_matches_onnxruntime(tmp_path):
    import torch

    module, example = zoo("cnn1d")
    path = tmp_path / "cnn1d.onnx"
    torch.onnx.export(module, (example,), str(path), dynamo=False)
    model = load_model(str(path))
    x = np.random.default_rng(2).uniform(-1, 1, model.input.shape).astype(np.float32)
    with torch.no_grad():
        want = module(torch.from_numpy(x)).numpy()
    assert np.max(np.abs(model.reference(x) - want)) < 1e-5
