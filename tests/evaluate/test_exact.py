"""The batched integer evaluator is bit-identical with the integer reference, with TFLite Micro
and with the targets: the MLPerf Tiny int8 models and the zoo's quantized models on 10,000
random inputs each (the extremes among them), every op case of the op tests, and the CUDA code
path (matrix-product convolutions, int64 tensor requantization) run on the CPU."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from mcuforge.core.flow import run as run_on_target
from mcuforge.evaluate.integer import IntegerEvaluator
from mcuforge.integer.compiler import compile_int8
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference_batch
from mcuforge.integer.tflm import tflm_outputs
from mcuforge.target import load_target

from ..conftest import mlperf
from ..integer.test_ops_vs_tflm import CASES, SAME, _conv

MLPERF = ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite"]
ZOO = [("mlp", "int8"), ("mlp", "w4a8"), ("mlp", "binary"), ("cnn1d", "int8"), ("dscnn", "int8"),
       ("resnet8", "int8"), ("mobilenet", "int8"), ("autoencoder", "int8"), ("mobilenet_v1", "int8")]
SAMPLES = 10_000


def inputs(shape, n: int, seed: int) -> np.ndarray:
    """n int8 inputs: every element -128, every element 127, alternating -128/127, then uniform."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (n, *shape[1:]), dtype=np.int8)
    x[0], x[1] = -128, 127
    x[2] = rng.choice(np.array([-128, 127], np.int8), shape[1:])
    return x


@functools.cache
def mlperf_case(name: str):
    graph = read_int8_tflite(mlperf(name))
    x = inputs(graph.input.shape, SAMPLES, seed=11)
    return graph, x, run_reference_batch(graph, x).reshape(SAMPLES, -1)


@functools.cache
def zoo_graph(name: str, preset: str):
    """A zoo model quantized with `preset` after calibration on random inputs."""
    import torch

    from mcuforge.frontend.torch import call_factory
    from mcuforge.paths import ROOT
    from mcuforge.quant.export import export_model
    from mcuforge.quant.net import quantize_model
    from mcuforge.quant.presets import PRESETS
    from mcuforge.quant.qat import calibrate

    model, example = call_factory(ROOT / "models" / f"{name}.py", "make")
    torch.manual_seed(0)
    data = [(torch.randn(16, *example.shape[1:]), None) for _ in range(4)]
    return export_model(calibrate(quantize_model(model, PRESETS[preset]), data), example)


@pytest.mark.parametrize("name", MLPERF)
def test_mlperf_equals_the_reference(name):
    graph, x, want = mlperf_case(name)
    got = IntegerEvaluator(graph)(x)
    assert got.dtype == np.int8 and got.shape == (SAMPLES, *graph.output.shape[1:])
    bad = np.flatnonzero(np.any(got.reshape(SAMPLES, -1) != want, axis=1))
    assert len(bad) == 0, f"{name}: {len(bad)} of {SAMPLES} samples differ, first {bad[:5]}"


@pytest.mark.parametrize("name", MLPERF)
def test_cuda_path_on_the_cpu_equals_the_reference(name):
    """The path --device cuda takes (unfold + matrix products, int64 tensor arithmetic), on the CPU."""
    graph, x, want = mlperf_case(name)
    got = IntegerEvaluator(graph, macs="gemm", requant="torch", batch=100)(x[:1000])
    assert np.array_equal(got.reshape(1000, -1), want[:1000])


@pytest.mark.parametrize("name", MLPERF)
def test_mlperf_equals_tflite_micro(name):
    graph, x, _ = mlperf_case(name)
    want = tflm_outputs(mlperf(name), x[:1000].reshape(1000, *graph.input.shape))
    assert np.array_equal(IntegerEvaluator(graph)(x[:1000]).reshape(want.shape), want)


@pytest.mark.parametrize("target_name", ["qemu-cortex-m4", "qemu-rv32-zve32f-zvfh"])
@pytest.mark.parametrize("name", MLPERF)
def test_mlperf_equals_the_target(name, target_name, tmp_path):
    graph, x, _ = mlperf_case(name)
    compiled = compile_int8(graph, "m", load_target(target_name), tmp_path / "out")
    run = run_on_target(compiled, x[:100].reshape(100, *graph.input.shape), tmp_path / "work")
    assert np.array_equal(IntegerEvaluator(graph)(x[:100]).reshape(run.outputs.shape), run.outputs)


@pytest.mark.parametrize("name,preset", ZOO, ids=[f"{n}-{p}" for n, p in ZOO])
def test_zoo_equals_the_reference(name, preset):
    graph = zoo_graph(name, preset)
    x = inputs(graph.input.shape, SAMPLES, seed=5)
    want = run_reference_batch(graph, x).reshape(SAMPLES, -1)
    got = IntegerEvaluator(graph)(x).reshape(SAMPLES, -1)
    assert np.array_equal(got, want), f"{name} {preset}: {np.sum(np.any(got != want, axis=1))} samples differ"
    torch_path = IntegerEvaluator(graph, macs="gemm", requant="torch")(x[:300]).reshape(300, -1)
    assert np.array_equal(torch_path, want[:300])


OP_CASES = {**CASES,
            # 3x3x300 taps of +-127 from an input zero point of 127: sums past 2^24, so float64
            "conv 3x3 of 300 channels, sums past float32's integers": lambda: _conv(
                False, 5, 4, 300, 3, 3, 3, (1, 1), (1, 1), SAME, 0, extreme=True)}


@pytest.mark.parametrize("macs,requant", [("direct", "native"), ("gemm", "torch"), ("direct", "torch"),
                                          ("gemm", "native")])
@pytest.mark.parametrize("case", list(OP_CASES))
def test_every_op_case(case, macs, requant, tmp_path):
    path = tmp_path / "op.tflite"
    path.write_bytes(OP_CASES[case]())
    graph = read_int8_tflite(path)
    x = inputs(graph.input.shape, 500, seed=3)
    want = run_reference_batch(graph, x)
    ev = IntegerEvaluator(graph, macs=macs, requant=requant, batch=128)
    assert np.array_equal(ev(x).reshape(want.shape), want), case
    if "past float32" in case:
        assert set(ev.float_dtypes.values()) == {"float64"}
