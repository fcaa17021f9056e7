"""The integer host reference computes a batch at once (each op over the samples as its leading
dimension): the same int8 outputs as one sample at a time, and as TFLite Micro."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.integer import tflite_int8
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference_batch
from mcuforge.integer.tflm import tflm_outputs

from ..conftest import mlperf


@pytest.mark.parametrize("name", ["kws_ref_model.tflite", "pretrainedResnet_quant.tflite", "ad01_int8.tflite"])
def test_a_batch_is_each_sample_and_tflite_micro(name):
    graph = read_int8_tflite(mlperf(name))
    xs = np.random.default_rng(5).integers(-128, 128, (2 * tflite_int8.REFERENCE_BATCH + 3, *graph.input.shape),
                                           dtype=np.int8)  # two whole passes and a partial one
    batch = run_reference_batch(graph, xs)
    one_by_one = np.stack([run_reference_batch(graph, x[None])[0] for x in xs])
    assert batch.shape == (len(xs), *graph.output.shape) and batch.dtype == np.int8
    np.testing.assert_array_equal(batch, one_by_one)
    np.testing.assert_array_equal(batch, tflm_outputs(mlperf(name), xs).reshape(batch.shape))
