"""The MLPerf Tiny int8 models on every target: bit-identical to TFLite Micro."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8, random_int8_inputs
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference
from mcuforge.integer.tflm import tflm_outputs
from mcuforge.target import load_target

from ..conftest import mlperf

MODELS = ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite"]
# the arena TFLite Micro's interpreter reports for the same models: total (docs/results.md, bench/run.py memory)
TFLM_TOTAL = {"kws_ref_model.tflite": 24272, "pretrainedResnet_quant.tflite": 55984, "ad01_int8.tflite": 3984}


@pytest.mark.parametrize("name", MODELS)
def test_bit_identical_to_tflite_micro_on_target(name, target, tmp_path):
    path = mlperf(name)
    graph = read_int8_tflite(path)
    compiled = compile_int8(graph, path.stem, target, tmp_path / "out")
    inputs = random_int8_inputs(graph, 20, seed=1)
    run = run_on_target(compiled, inputs, tmp_path / "work")
    want = tflm_outputs(path, inputs).reshape(run.outputs.shape)
    assert run.outputs.dtype == np.int8
    assert np.array_equal(run.outputs, want), f"{name} on {target.name} differs from TFLite Micro"
    assert run.mismatches == 0  # and from the integer host reference
    # the arena, kernel scratch and in-place layers included, within 70 % of TFLM's whole arena
    # (the stack comes on top: bench/run.py memory measures it on target)
    assert compiled.plan.arena_size <= 0.7 * TFLM_TOTAL[name], compiled.plan.render_ascii()


@pytest.mark.parametrize("name", MODELS)
def test_host_reference_matches_tflite_micro(name):
    path = mlperf(name)
    graph = read_int8_tflite(path)
    inputs = random_int8_inputs(graph, 20, seed=2)
    want = tflm_outputs(path, inputs)
    got = np.stack([run_reference(graph, x) for x in inputs])
    assert np.array_equal(got.reshape(want.shape), want)


@pytest.mark.parametrize("name", MODELS)
def test_host_target_is_bit_identical_to_tflite_micro_and_the_cortex_m4(name, tmp_path):
    """The same C on the host (-t host): 1,000 random inputs against TFLite Micro, and the first
    20 against the qemu-cortex-m4 program's outputs (as many as its flash holds for ResNet)."""
    path = mlperf(name)
    graph = read_int8_tflite(path)
    inputs = random_int8_inputs(graph, 1000, seed=3)
    host = run_on_target(compile_int8(graph, path.stem, load_target("host"), tmp_path / "host"), inputs, tmp_path / "h")
    assert len(host.seconds_per_inference) == 1000 and host.insns_per_inference == []
    assert np.array_equal(host.outputs, tflm_outputs(path, inputs).reshape(host.outputs.shape))
    m4 = run_on_target(compile_int8(graph, path.stem, load_target("qemu-cortex-m4"), tmp_path / "m4"), inputs[:20],
                  tmp_path / "m")
    assert np.array_equal(host.outputs[:20], m4.outputs)


SOFT_FLOAT = ("__addsf3", "__mulsf3", "__divsf3", "__floatsisf", "__fixsfsi", "__adddf3", "__muldf3",
              "__extendsfdf2", "__truncdfsf2")


def test_no_float_in_the_integer_program_on_a_core_without_fpu(tmp_path):
    """On rv32imac any float arithmetic would link libgcc's soft-float routines."""
    path = mlperf("kws_ref_model.tflite")
    graph = read_int8_tflite(path)
    compiled = compile_int8(graph, path.stem, load_target("qemu-rv32imac"), tmp_path / "out")
    run = run_on_target(compiled, random_int8_inputs(graph, 1), tmp_path / "work")
    linked = set(run.program.info.symbols)
    assert not linked & set(SOFT_FLOAT), sorted(linked & set(SOFT_FLOAT))
    assert "mf_conv2d_s8" in linked and "mf_softmax_s8" in linked
