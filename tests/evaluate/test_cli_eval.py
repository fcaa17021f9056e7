"""`mcuforge eval`: reports, --versus, --verify-on, and its errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mcuforge.errors import UnsupportedOp
from mcuforge.evaluate.integer import IntegerEvaluator
from mcuforge.evaluate.metrics import roc_auc
from mcuforge.integer.tflite_int8 import read_int8_tflite

from ..conftest import mlperf
from ..integer.test_ops_vs_tflm import CASES
from ..test_cli import mcuforge

DATA = '''
import numpy as np, torch

def features(split):
    """Random KWS-shaped features in the int8 model's input range, random labels."""
    rng = np.random.default_rng(0 if split == "test" else 1)
    x = rng.uniform(-120, 120, (300, 49, 10, 1)).astype(np.float32) * 0.6
    y = rng.integers(0, 12, 300)
    return [(torch.from_numpy(x[i:i + 64]), torch.from_numpy(y[i:i + 64])) for i in range(0, 300, 64)]

def wrong_shape(split):
    return [(torch.zeros(8, 49, 11), torch.zeros(8, dtype=torch.int64))]

def wrong_type(split):
    return [(torch.zeros(8, 49, 10, 1, dtype=torch.int64), torch.zeros(8, dtype=torch.int64))]
'''


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "data.py"
    path.write_text(DATA)
    return str(path)


def test_kws_int8_against_its_float_model_and_a_target(data, tmp_path):
    proc = mcuforge("eval", str(mlperf("kws_ref_model.tflite")), "--data", f"{data}:features",
                    "--versus", str(mlperf("kws_ref_model_float32.tflite")), "--verify-on", "host", "-n", "40",
                    "-o", str(tmp_path / "report"), "--json")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["samples"] == 300 and r["precision"] == "int8" and r["task"] == "classify"
    assert np.array(r["confusion"]).sum() == 300 and len(r["per_class"]) == 12
    assert r["verify"] == {"target": "host", "samples": 40, "differ": 0, "first_differing": [], "exact": True}
    versus = r["versus"][0]
    # random features are far from speech: the two models agree on 59.3 % of them (measured);
    # the outputs are softmax probabilities
    assert versus["precision"] == "fp32" and 0.5 <= versus["top1_agreement"] < 1
    assert 0 < versus["max_abs_difference"] <= 1
    assert (tmp_path / "report" / "confusion.png").stat().st_size > 10_000
    assert json.loads((tmp_path / "report" / "report.json").read_text())["accuracy"] == r["accuracy"]


def test_fp16_beside_fp32(tmp_path):
    proc = mcuforge("eval", "models/digits.py:make_cnn", "--data", "models/digits.py:image_batches", "-p", "fp16",
                    "--versus", "models/digits.py:make_cnn", "--json")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["precision"] == "fp16" and r["versus"][0]["precision"] == "fp32"
    # measured: 1.3e-4 and 100 % (random weights, 360 samples)
    assert 0 < r["versus"][0]["max_abs_difference"] < 0.01 and r["versus"][0]["top1_agreement"] >= 0.99


def test_autoencoder_is_scored_by_reconstruction_error():
    proc = mcuforge("eval", "models/autoencoder.py:make", "--data", "models/autoencoder.py:batches", "--json")
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    assert r["task"] == "anomaly" and r["samples"] == 600 and 0 <= r["auc"] <= 1 and r["mse"] > 0


def test_roc_auc_counts_ties_half():
    import sys

    sys.path.insert(0, "models")
    from autoencoder import auc

    rng = np.random.default_rng(3)
    scores = rng.integers(0, 20, 500).astype(float)  # many ties
    labels = rng.random(500) < 0.3
    assert roc_auc(scores, labels) == pytest.approx(auc(scores[~labels], scores[labels]), abs=1e-12)


def test_wrong_shape_is_named_with_what_the_model_takes(data):
    proc = mcuforge("eval", str(mlperf("kws_ref_model.tflite")), "--data", f"{data}:wrong_shape")
    message = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "Traceback" not in message
    assert "yields inputs of shape (49, 11) per sample; kws_ref_model.tflite takes (49, 10, 1)" in message


def test_wrong_type_is_named(data):
    proc = mcuforge("eval", str(mlperf("kws_ref_model.tflite")), "--data", f"{data}:wrong_type")
    message = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "yields int64 inputs; an int8 model takes float32 inputs" in message


def test_cuda_without_a_gpu_says_how_to_fall_back(data):
    import torch

    proc = mcuforge("eval", str(mlperf("kws_ref_model.tflite")), "--data", f"{data}:wrong_type", "--device", "cuda")
    message = " ".join(proc.stderr.split())
    if torch.cuda.is_available():  # with a GPU the device is taken and the next error is the data's
        assert proc.returncode == 2 and "yields int64 inputs" in message
    else:
        assert proc.returncode == 2 and "--device cuda: " in message and "use --device cpu" in message


def test_an_op_the_evaluator_lacks_is_named(tmp_path):
    path = tmp_path / "op.tflite"
    path.write_bytes(CASES["softmax 23 wide"]())
    graph = read_int8_tflite(path)
    graph.ops[0].kind = "gather"
    with pytest.raises(UnsupportedOp, match="operator 0 is gather, which the batched evaluator lacks"):
        IntegerEvaluator(graph)



def test_the_first_sample_guards_the_libraries(tmp_path):
    """A sum rounded by a library underneath would show on the first sample, checked against the
    integer reference: an error, not a wrong accuracy."""
    from mcuforge.errors import McuforgeError

    path = tmp_path / "op.tflite"
    path.write_bytes(CASES["fully connected per-channel"]())
    graph = read_int8_tflite(path)
    ev = IntegerEvaluator(graph)
    good = ev.steps[0].run
    ev.steps[0].run = lambda x: good(x) ^ 1  # one bit off, as a rounded sum would be
    with pytest.raises(McuforgeError, match="differs from the integer reference on its first sample"):
        ev(np.zeros((4, *graph.input.shape[1:]), np.int8))
