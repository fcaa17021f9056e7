"""Surrogate-gradient training: SLTT's memory flat in the number of steps and far below BPTT's,
its accuracy within 2 points of BPTT's; `mcuforge snn train` to NIR, then quantize from NIR."""

from __future__ import annotations

import json

import pytest
import torch

from mcuforge.frontend.torch import call_factory
from mcuforge.paths import ROOT
from mcuforge.snn.graph import read_snntorch
from mcuforge.snn.torchnet import SpikingModule
from mcuforge.snn.train import accuracy, float_counts, train, training_memory

from ..test_cli import mcuforge

MODELS = ROOT / "models" / "snn_digits.py"


def _graph():
    model, _ = call_factory(MODELS, "make")
    return read_snntorch(model, (64,))


def test_sltt_memory_is_flat_in_steps_and_half_of_bptt_or_less():
    module = SpikingModule(_graph())
    y = torch.arange(64) % 10
    peaks = {}
    for steps in (10, 25, 50):
        x = (torch.rand(64, steps, 64, generator=torch.Generator().manual_seed(steps)) < 0.3).float()
        peaks[steps] = {m: training_memory(module, x, y, m) for m in ("bptt", "sltt")}
    assert peaks[10]["sltt"] == peaks[25]["sltt"] == peaks[50]["sltt"]
    assert peaks[25]["sltt"] <= 0.5 * peaks[25]["bptt"]
    assert peaks[50]["bptt"] > 4 * peaks[10]["bptt"]  # BPTT grows with the steps


def test_sltt_accuracy_within_two_points_of_bptt():
    import sys

    sys.path.insert(0, str(ROOT / "models"))
    import snn_digits

    torch.set_num_threads(1)
    loader = snn_digits.batches("train")
    (x, y), = snn_digits.batches("test")
    acc = {}
    for method in ("bptt", "sltt"):
        graph = _graph()
        train(SpikingModule(graph), loader, 12, method=method)
        acc[method] = accuracy(float_counts(graph, x.numpy()), y.numpy())
    assert acc["bptt"] > 0.9
    assert acc["sltt"] >= acc["bptt"] - 0.02, acc


def test_cli_snn_train_to_nir_then_quantize(tmp_path):
    nir_file = tmp_path / "digits.nir"
    proc = mcuforge("snn", "train", f"{MODELS}:make", "--data", f"{MODELS}:batches", "--epochs", "3", "--method",
                    "sltt", "-o", str(nir_file), "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["test_accuracy"] > 0.8 and figures["peak_saved_bytes"] > 0 and nir_file.is_file()
    proc = mcuforge("quantize", str(nir_file), "--data", f"{MODELS}:batches", "--ptq", "-o", str(tmp_path / "d.mfq"),
                    "-t", "host", "--json")
    assert proc.returncode == 0, proc.stderr
    q = json.loads(proc.stdout)
    assert q["on_target_mismatches"] == 0
    assert q["float_accuracy"] == pytest.approx(figures["test_accuracy"])
    proc = mcuforge("snn", "train", f"{MODELS}:make", "--data", f"{MODELS}:batches", "--method", "adam")
    assert proc.returncode != 0 and "unknown --method 'adam'" in proc.stderr


def test_direct_coding_with_timesteps_and_an_int32_membrane(tmp_path):
    """Data without a time axis (the plain digits) fed --timesteps times: real values into the
    first synapse, whose membrane then needs int32; quantized from NIR and run on the M4."""
    nir_file = tmp_path / "direct.nir"
    data = f"{ROOT}/models/digits.py:batches"
    proc = mcuforge("snn", "train", f"{MODELS}:make", "--data", data, "--timesteps", "10", "--epochs", "4", "-o",
                    str(nir_file), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["timesteps"] == 10
    proc = mcuforge("quantize", str(nir_file), "--data", data, "--timesteps", "10", "--ptq", "-o",
                    str(tmp_path / "direct.mfq"), "-t", "qemu-cortex-m4", "--json")
    assert proc.returncode == 0, proc.stderr
    q = json.loads(proc.stdout)
    assert q["on_target_mismatches"] == 0 and q["timesteps"] == 10 and "int32" in q["membranes"].values()
    assert q["integer_accuracy"] >= q["float_accuracy"] - 0.02
    proc = mcuforge("snn", "train", f"{MODELS}:make", "--data", data, "-o", str(nir_file))
    assert proc.returncode != 0 and "give --timesteps T to feed each input T times" in proc.stderr


def test_data_and_factories_that_misbehave_get_one_clean_error(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import torch, snntorch as snn\n"
        "from torch import nn\n"
        "def nan(split):\n"
        "    x = torch.zeros(4, 5, 64)\n"
        "    x[0, 0, 0] = float('nan')\n"
        "    return [(x, torch.zeros(4, dtype=torch.long))]\n"
        "def plain():\n"
        "    return nn.Linear(64, 10), torch.zeros(1, 64)\n")
    proc = mcuforge("snn", "train", f"{MODELS}:make", "--data", f"{bad}:nan", "-o", str(tmp_path / "x.nir"))
    assert proc.returncode != 0 and "not finite (NaN or infinity)" in proc.stderr and "Traceback" not in proc.stderr
    proc = mcuforge("snn", "export", f"{bad}:plain", "-o", str(tmp_path / "x.nir"))
    assert proc.returncode != 0 and "read from an nn.Sequential" in proc.stderr and "Traceback" not in proc.stderr


def test_a_float_spiking_factory_is_sent_to_quantize(tmp_path):
    proc = mcuforge("run", f"{MODELS}:make", "-t", "host", "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "is a spiking network (snnTorch); it compiles once quantized" in proc.stderr
    assert "Traceback" not in proc.stderr
