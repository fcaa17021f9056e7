"""The .mfq file keeps the integer graph exactly."""

from __future__ import annotations

import numpy as np

from mcuforge.integer.serialize import load_qgraph, save_qgraph
from mcuforge.integer.tflite_int8 import read_int8_tflite, run_reference

from ..conftest import mlperf


def test_round_trip_gives_the_same_outputs(tmp_path):
    graph = read_int8_tflite(mlperf("kws_ref_model.tflite"))
    again = load_qgraph(save_qgraph(graph, tmp_path / "kws.mfq"))
    assert [op.kind for op in again.ops] == [op.kind for op in graph.ops]
    x = np.random.default_rng(0).integers(-128, 128, graph.input.shape, dtype=np.int8)
    assert np.array_equal(run_reference(again, x), run_reference(graph, x))


def test_not_an_mfq_file(tmp_path):
    import pytest

    from mcuforge.errors import ModelError

    bad = tmp_path / "x.mfq"
    bad.write_bytes(b"nope")
    with pytest.raises(ModelError, match="not a quantized model written by `mcuforge quantize`"):
        load_qgraph(bad)
