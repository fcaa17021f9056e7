"""The peer's RAM figure: TFLite Micro's arena as its recording allocator reports it."""

from __future__ import annotations

import pytest

from mcuforge.integer.tflm import tflm_arena

from ..conftest import mlperf


@pytest.mark.parametrize("name,total,activations", [("kws_ref_model.tflite", 24_272, 16_000),
                                                    ("pretrainedResnet_quant.tflite", 55_984, 49_152)])
def test_tflm_arena_figures(name, total, activations):
    assert tflm_arena(mlperf(name)) == (total, activations)
