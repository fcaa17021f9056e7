"""Spiking networks: snnTorch's semantics read exactly, the integer network equal to its QAT
forward, spike trains on every target equal to the integer reference for every neuron at every
step, digits accuracy float vs integer vs on-target, and the errors."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest
import snntorch as snn
import torch
from snntorch import utils
from torch import nn

from mcuforge.core.flow import compile as compile_model, run as run_on_target
from mcuforge.errors import McuforgeError
from mcuforge.paths import ROOT
from mcuforge.snn.flow import quantize_spiking
from mcuforge.snn.graph import read_snntorch
from mcuforge.snn.integer import run
from mcuforge.snn.quantize import quantize_snn
from mcuforge.snn.torchnet import SpikingModule
from mcuforge.target import load_target

from ..conftest import TARGETS
from ..test_cli import mcuforge

KINDS = ("leaky", "rleaky", "rleaky_v", "synaptic")


def _neuron(kind: str, n: int, reset: str = "subtract", delay: bool = True, output: bool = False):
    kw = dict(threshold=0.5, reset_mechanism=reset, reset_delay=delay, init_hidden=True, output=output)
    if kind == "leaky":
        return snn.Leaky(beta=0.8, **kw)
    if kind == "rleaky":
        return snn.RLeaky(beta=0.8, linear_features=n, **kw)
    if kind == "rleaky_v":
        return snn.RLeaky(beta=0.8, all_to_all=False, V=0.3, **kw)
    return snn.Synaptic(alpha=0.7, beta=0.8, **kw)


@pytest.mark.parametrize("delay", [True, False], ids=["reset_delay", "no_delay"])
@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
@pytest.mark.parametrize("kind", KINDS)
def test_float_recurrence_is_snntorchs(kind, reset, delay):
    """mcuforge's float recurrence against snnTorch running the same nn.Sequential: every
    membrane at every step, and the output spikes."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 30), _neuron(kind, 30, reset, delay), nn.Linear(30, 5),
                        _neuron(kind, 5, reset, delay, output=True))
    x = (torch.rand(4, 15, 20) < 0.3).float()
    with torch.no_grad():
        spikes, mems = SpikingModule(read_snntorch(net, (20,)))(x)
        utils.reset(net)
        want_mem, want_spk = [[], []], []
        for t in range(15):
            out_spk = net(x[:, t])[0]
            want_spk.append(out_spk)
            for k, layer in enumerate((net[1], net[3])):
                want_mem[k].append(layer.mem.clone())
    for k in range(2):
        np.testing.assert_allclose(mems[k].numpy(), torch.stack(want_mem[k], 1).numpy(), atol=2e-6)
    assert torch.equal(spikes[1], torch.stack(want_spk, 1))
    assert 0.02 < float(spikes[0].mean()) < 0.6  # the layers do fire, and not always


def _nets():
    torch.manual_seed(0)
    return {
        "feed-forward": (nn.Sequential(nn.Linear(20, 30), snn.Leaky(beta=0.9, init_hidden=True), nn.Linear(30, 5),
                                       snn.Leaky(beta=0.8, init_hidden=True, output=True)), (20,)),
        "recurrent": (nn.Sequential(nn.Linear(20, 30), snn.RLeaky(beta=0.9, linear_features=30, init_hidden=True,
                                                                  reset_mechanism="zero"),
                                    nn.Linear(30, 5), snn.Synaptic(alpha=0.6, beta=0.8, init_hidden=True, output=True,
                                                                   reset_delay=False)), (20,)),
        "convolutional": (nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.MaxPool2d(2), snn.Leaky(beta=0.9, init_hidden=True),
            nn.Conv2d(4, 6, 3, stride=2), snn.Synaptic(alpha=0.5, beta=0.9, init_hidden=True, reset_delay=False),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6, 12),
            snn.RLeaky(beta=0.8, linear_features=12, init_hidden=True, reset_mechanism="zero"), nn.Linear(12, 5),
            snn.RLeaky(beta=0.8, all_to_all=False, V=0.2, init_hidden=True, output=True)), (2, 10, 10)),
    }


@pytest.mark.parametrize("name", ["feed-forward", "recurrent", "convolutional"])
def test_integer_reference_is_the_quantized_pytorch_forward(name):
    """The integer host reference (NumPy int64) and the QAT model's forward (float64, straight
    through): the same spikes and membranes, bit for bit; and close to the float model."""
    net, shape = _nets()[name]
    g = read_snntorch(net, shape, name)
    x = (torch.rand(16, 12, *shape, generator=torch.Generator().manual_seed(1)) < 0.3).float()
    ig = quantize_snn(g, x.numpy())
    trace = run(ig, ig.quantize_input(x.numpy()))
    module = SpikingModule(g, quantized=True, input_scale=ig.input_scale,
                           membranes={layer.name: layer.params["membrane"] for layer in ig.neurons})
    with torch.no_grad():
        spikes, mems = module(x)
        float_spikes, _ = SpikingModule(g)(x)
    for k in range(len(spikes)):
        assert np.array_equal(spikes[k].numpy().astype(np.int8), trace.spikes[k])
        assert np.array_equal(mems[k].numpy().astype(np.int64), trace.membranes[k])
        assert float((float_spikes[k] == spikes[k].float()).float().mean()) > 0.97
    assert trace.spikes[0].mean() > 0.01


def _dense_values_net():
    """Real-valued inputs (the event kernel's multiply path), a hidden layer of 300 that fires
    at a high rate (more than 255 spikes a step: the int16 sums widen in chunks), 37 outputs
    (the vector blocks' tails)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(20, 300), snn.Leaky(beta=0.9, threshold=0.05, init_hidden=True),
                        nn.Linear(300, 37), snn.Leaky(beta=0.8, init_hidden=True, output=True))
    with torch.no_grad():
        net[0].bias.fill_(0.3)
    return net, (20,)


def _conv_values_net():
    """Real-valued image inputs into a strided, padded convolution (the scatter kernel's
    multiply path and its stride arithmetic), a 3x3 max pooling of stride 1 (the general loop)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(3, 6, 3, stride=2, padding=1), nn.MaxPool2d(3, stride=1),
                        snn.Leaky(beta=0.9, threshold=0.2, init_hidden=True),
                        nn.Conv2d(6, 4, 2, stride=2), snn.Leaky(beta=0.9, threshold=0.2, init_hidden=True),
                        nn.Flatten(), nn.Linear(4 * 2 * 2, 7), snn.Leaky(beta=0.8, threshold=0.2, init_hidden=True))
    return net, (3, 11, 11)


def _saturating_net():
    """Strong positive currents into slowly leaking membranes with a low threshold: calibrated
    on two steps (int16 chosen), then run for 12, the membranes climb to int16's limit (a wrap
    instead of saturation would stop the spikes)."""
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(16, 8), snn.Leaky(beta=0.999, threshold=0.05, init_hidden=True),
                        nn.Linear(8, 5), snn.Leaky(beta=0.9, init_hidden=True))
    with torch.no_grad():
        net[0].weight.abs_()
        net[0].bias.fill_(8.0)
    return net, (16,)


@functools.cache
def _trace_mfq(tmp: str, name: str) -> str:
    """A net quantized, as an .mfq: the convolutional one above (every layer kind, reset and
    delay; spike inputs) or the dense one with values."""
    from pathlib import Path

    from mcuforge.snn.serialize import save_snn

    net, shape = {"mixed": lambda: _nets()["convolutional"], "values": _dense_values_net,
                  "conv-values": _conv_values_net, "saturating": _saturating_net}[name]()
    gen = torch.Generator().manual_seed(1)
    x = (torch.rand(8, 12, *shape, generator=gen) < 0.3).float() if name in ("mixed", "saturating") else \
        torch.rand(8, 12, *shape, generator=gen) * 2 - 1
    if name == "saturating":
        x = x[:, :2]
    path = Path(tmp) / f"{name}.mfq"
    save_snn(quantize_snn(read_snntorch(net, shape, name), x.numpy()), path, {"timesteps": 12})
    return str(path)


@pytest.mark.parametrize("events", ["dense", "events"])
@pytest.mark.parametrize("target", ["host", *TARGETS])
@pytest.mark.parametrize("name", ["mixed", "values", "conv-values", "saturating"])
def test_every_spike_on_target_is_the_reference(name, target, events, tmp_path_factory):
    """Every neuron layer's spikes at every step (--trace), 3 samples of 12 steps, on every
    target, with the dense and the event-driven synapses (spike lists, scattered taps)."""
    mfq = _trace_mfq(str(tmp_path_factory.getbasetemp()), name)
    tmp = tmp_path_factory.mktemp(f"{name}-{target}-{events}")
    c = compile_model(mfq, load_target(target), out_dir=tmp / "out", trace=True, events=events)
    kernels = set(c.layer_names)
    assert ({"mf_snn_events_s8", "mf_snn_conv2d_events_s8"} & kernels) if events == "events" else \
        not ({"mf_snn_events_s8", "mf_snn_conv2d_events_s8"} & kernels)
    inputs = c.random_inputs(36)
    r = run_on_target(c, inputs, tmp / "work")
    assert r.checked and r.ok, r.diff()
    assert r.outputs[:, -5:].any() and 0.02 < r.outputs.mean() < 0.9  # the output layer fires too
    if name == "saturating":  # the membranes reach int16's limit and keep firing
        assert c.graph.neurons[0].params["membrane"] == "int16"
        assert run(c.graph, inputs.reshape(3, 12, -1)).membranes[0].max() == 32767
    if name == "values":  # the hidden layer fires more than 255 times in some steps
        hidden = r.outputs[:, :300].astype(int).sum(1)
        assert hidden.max() > 255 and c.graph.input_scale != 1.0


@functools.cache
def _digits(factory: str, data: str, module: str = "snn_digits"):
    return quantize_spiking(f"{ROOT}/models/{module}.py:{factory}", f"{ROOT}/models/{module}.py:{data}",
                            qat_epochs=2, ptq=False, float_epochs=12)


@pytest.mark.parametrize("factory,data,module", [("make", "batches", "snn_digits"),
                                                 ("make_recurrent", "batches", "snn_digits"),
                                                 ("make_conv", "image_batches", "snn_digits"),
                                                 ("make", "batches", "snn_events")])
def test_integer_accuracy_within_two_points_of_float(factory, data, module):
    """Rate-coded digits (360 test samples, 20 steps) and the synthetic event streams (400, 20
    steps): float training with surrogate gradients, then QAT; the integer network within 2
    points of float (measured: see docs/spiking.md)."""
    result = _digits(factory, data, module)
    print(factory, result.float_accuracy, result.integer_accuracy, result.rates)
    assert result.float_accuracy > 0.85
    assert result.integer_accuracy >= result.float_accuracy - 0.02
    assert all(0.005 < rate < 0.6 for rate in result.rates)


@pytest.mark.parametrize("target,module", [("host", "snn_digits"), ("qemu-cortex-m4", "snn_digits"),
                                           ("qemu-rv32-zve32f-zvfh", "snn_digits"), ("host", "snn_events"),
                                           ("qemu-cortex-m55", "snn_events"), ("qemu-rv32imac", "snn_events")])
def test_whole_test_split_on_target_is_the_reference(target, module, tmp_path):
    """On-target spike counts equal the integer reference's for 100 % of the test split (digits:
    a dense net; events: a convolutional one with scattered taps), and so does the accuracy."""
    from mcuforge.snn.compiler import compile_snn

    result = _digits("make", "batches", module)
    x, y = result.test
    c = compile_snn(result.integer, "digits_snn", load_target(target), tmp_path / "out", timesteps=result.timesteps,
                    events="auto")
    r = run_on_target(c, result.integer.quantize_input(x).reshape(len(x) * result.timesteps, -1), tmp_path / "w")
    assert r.ok, r.diff()
    counts = r.outputs.reshape(len(x), result.timesteps, -1).astype(np.int64).sum(1)
    assert np.mean(np.argmax(counts, 1) == y) == pytest.approx(result.integer_accuracy)


def test_cli_quantize_then_run(tmp_path):
    mfq = tmp_path / "digits_snn.mfq"
    proc = mcuforge("quantize", f"{ROOT}/models/snn_digits.py:make", "--data", f"{ROOT}/models/snn_digits.py:batches",
                    "--float-epochs", "3", "--ptq", "-o", str(mfq), "-t", "host", "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["on_target_mismatches"] == 0 and figures["timesteps"] == 20
    assert figures["on_target_accuracy"] == figures["integer_accuracy"]
    proc = mcuforge("run", str(mfq), "-t", "qemu-cortex-m55", "-n", "2", "--trace", "--json", "-o", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr
    run_json = json.loads(proc.stdout)
    assert run_json["ok"] and run_json["mismatches_vs_reference"] == 0 and run_json["inputs"] == 40
    proc = mcuforge("compile", str(mfq), "-t", "host", "--hop", "4", "--stream", "-o", str(tmp_path / "s"))
    assert proc.returncode != 0 and "already runs one step a call" in proc.stderr


def test_errors_name_the_layer_and_the_option(tmp_path):
    with pytest.raises(McuforgeError, match=r"layer 1 is ReLU.*\n.*supported: nn.Linear"):
        read_snntorch(nn.Sequential(nn.Linear(4, 4), nn.ReLU(), snn.Leaky(0.9, init_hidden=True)), (4,))
    with pytest.raises(McuforgeError, match="layer 1 \\(Leaky\\): inhibition=True has no integer version"):
        read_snntorch(nn.Sequential(nn.Linear(4, 4), snn.Leaky(0.9, init_hidden=True, inhibition=True)), (4,))
    with pytest.raises(McuforgeError, match="graded spikes"):
        read_snntorch(nn.Sequential(nn.Linear(4, 4), snn.Leaky(0.9, init_hidden=True, graded_spikes_factor=2.0)),
                      (4,))
    # a membrane that int16 cannot hold: a long, strong input with no reset
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 4), snn.Leaky(beta=1.0, threshold=0.01, reset_mechanism="none",
                                                   init_hidden=True))
    g = read_snntorch(net, (8,), "integrator")
    x = np.ones((4, 200, 8), np.float32)
    with pytest.raises(McuforgeError, match=r"layer 1 \(leaky\) cannot keep an int16 membrane: its membrane reaches"):
        quantize_snn(g, x, membrane="int16")
    assert quantize_snn(g, x).neurons[0].params["membrane"] == "int32"
    with pytest.raises(McuforgeError, match="--timesteps is for spiking models"):
        compile_model(str(ROOT / "models" / "digits.py") + ":make", load_target("host"), out_dir=tmp_path,
                      timesteps=4)
    bad = tmp_path / "bad.mfq"
    bad.write_bytes(b"PK\x03\x04 not an archive")
    proc = mcuforge("compile", str(bad), "-t", "host")
    assert proc.returncode != 0 and "not a quantized model" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize("target_name", ["qemu-cortex-m4", "qemu-rv32imac"])
def test_time_steps_over_the_hil_link(target_name, tmp_path):
    """Samples sent step by step over the HIL link to a QEMU board's firmware, the state reset
    between samples by the protocol's RESET_STATE: every step's spikes are the reference's."""
    from mcuforge.hil.dut import Dut
    from mcuforge.hil.firmware import build_hil_firmware
    from mcuforge.hil.qemu_board import QemuBoard
    from mcuforge.snn.compiler import compile_snn

    result = _digits("make", "batches")
    x, _ = result.test
    steps = result.integer.quantize_input(x[:3]).reshape(3, result.timesteps, -1)
    compiled = compile_snn(result.integer, "digits_snn", load_target(target_name), tmp_path / "out",
                           timesteps=result.timesteps)
    firmware = build_hil_firmware(compiled, tmp_path / "firmware").program
    got = []
    with QemuBoard(firmware) as board:
        dut = Dut(board.link)
        dut.connect()
        for sample in steps:
            dut.reset_state()
            got += [np.frombuffer(dut.infer(step.tobytes()).output, np.int8) for step in sample]
    want = compiled.reference(steps.reshape(3 * result.timesteps, -1))
    assert np.array_equal(np.stack(got), want)
    assert want.any()


def test_auto_takes_events_where_sparse_and_dense_where_not():
    from mcuforge.snn.compiler import choose_events

    m55 = load_target("qemu-cortex-m55")
    assert choose_events("auto", m55, 0.05, 512, 256)
    assert not choose_events("auto", m55, 0.9, 512, 256)
    assert not choose_events("auto", m55, 0.2, 96, 10)  # measured: 928 instructions with events, 526 dense
    assert choose_events("events", m55, 0.9, 96, 10) and not choose_events("dense", m55, 0.01, 512, 256)


@pytest.mark.parametrize("target", ["qemu-cortex-m4", "qemu-cortex-m55", "qemu-rv32-zve32f-zvfh"])
def test_auto_is_never_slower_than_dense_on_real_spikes(target, tmp_path):
    """The digits SNN on 3 test samples: --events auto at most the dense network's instructions
    per step (and within 2 % of the all-event-driven one)."""
    from mcuforge.snn.compiler import compile_snn

    result = _digits("make", "batches")
    x = result.integer.quantize_input(result.test[0][:3]).reshape(3 * result.timesteps, -1)
    steps = {}
    for events in ("dense", "events", "auto"):
        c = compile_snn(result.integer, "d", load_target(target), tmp_path / events, timesteps=result.timesteps,
                        events=events)
        r = run_on_target(c, x, tmp_path / events / "w")
        assert r.ok, r.diff()
        steps[events] = sum(r.insns_per_inference)
    assert steps["auto"] <= steps["dense"] and steps["auto"] <= 1.02 * steps["events"], steps


def test_the_same_network_compiles_to_the_same_bytes(tmp_path_factory):
    mfq = _trace_mfq(str(tmp_path_factory.getbasetemp()), "mixed")
    outs = [tmp_path_factory.mktemp(f"same{n}") for n in range(2)]
    for out in outs:
        compile_model(mfq, load_target("qemu-cortex-m55"), out_dir=out, events="auto")
    for name in ("model.c", "model.h", "weights.c", "plan.txt"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_a_current_beyond_int32_is_refused_with_the_layer():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(8, 4), snn.Leaky(beta=0.9, init_hidden=True))
    g = read_snntorch(net, (8,), "big")
    ig = quantize_snn(g, np.ones((2, 3, 8), np.float32))
    from mcuforge.snn.quantize import choose_membranes

    ig.neurons[0].params["drive_bound"] = 1 << 31  # as 2^24 int8 inputs at full weight would give
    with pytest.raises(McuforgeError, match=r"layer 1 \(leaky\): its current can reach 2,147,483,648 units"):
        choose_membranes(ig, np.ones((2, 3, 8), np.float32))
