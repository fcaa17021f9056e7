"""Streaming int8 models (mf_model_push): bit-identical to full-window inference over a long
signal, on the host and on three QEMU targets; and the refusals that say what to change."""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest

from mcuforge.core.flow import run as run_on_target
from mcuforge.integer.compiler import compile_int8
from mcuforge.paths import ROOT
from mcuforge.stream.analysis import StreamError, TimeLayer, valid_hops
from mcuforge.target import load_target

from ..test_cli import mcuforge

SIGNAL = 10_000  # samples of the long recording streamed


def _quantized(factory: str, calibration):
    import torch

    from mcuforge.frontend.torch import call_factory
    from mcuforge.quant.export import export_model
    from mcuforge.quant.net import quantize_model
    from mcuforge.quant.presets import PRESETS
    from mcuforge.quant.qat import calibrate

    torch.manual_seed(0)
    model, example = call_factory(ROOT / "models" / f"{factory.split(':')[0]}.py", factory.split(":")[1])
    return export_model(calibrate(quantize_model(model, PRESETS["int8"]), calibration(example)), example)


@functools.cache
def ppg():
    """The PPG heart-rate model, trained (seconds) and calibrated on PPG windows, and a long
    recording quantized with its input scale."""
    import torch

    sys.path.insert(0, str(ROOT / "models"))
    import ppg as recipe

    x, _ = recipe.windows(256)
    graph = _quantized("ppg:trained", lambda example: [(torch.from_numpy(x[i:i + 64]), None) for i in range(0, 256, 64)])
    signal, _ = recipe.record(SIGNAL, seed=7)
    q = np.clip(np.round(signal / graph.input.s()) + graph.input.zp(), -128, 127).astype(np.int8)
    return graph, q


@pytest.mark.parametrize("hop", [16, 64])
@pytest.mark.parametrize("target_name", ["host", "qemu-cortex-m4", "qemu-cortex-m55", "qemu-rv32-zve32f-zvfh"])
def test_stream_equals_full_window_inference(target_name, hop, tmp_path):
    graph, signal = ppg()
    compiled = compile_int8(graph, "ppg", load_target(target_name), tmp_path / "out", hop=hop)
    pushes = signal[:SIGNAL // hop * hop].reshape(-1, *compiled.input.shape[1:])
    run = run_on_target(compiled, pushes, tmp_path / "work")
    assert run.mismatches == 0, run.diff()
    assert len(np.unique(run.outputs)) > 10  # the heart rate moves: a comparison that can fail
    full = compile_int8(graph, "ppg", load_target(target_name), tmp_path / "full")
    # the buffers and the per-call activations take less than the full window's activations
    assert 0 < compiled.state.size and compiled.state.size + compiled.plan.arena_size < full.plan.arena_size


def test_a_stream_restarts_at_reset(tmp_path):
    graph, signal = ppg()
    compiled = compile_int8(graph, "ppg", load_target("host"), tmp_path / "out", hop=32)
    pushes = signal[:40 * 32].reshape(40, *compiled.input.shape[1:])
    run = run_on_target(compiled, pushes, tmp_path / "work", reset_before=17)
    assert run.mismatches == 0, run.diff()


def test_each_layer_computes_only_its_new_frames():
    from mcuforge.stream.integer import stream_int8

    graph, _ = ppg()
    s = stream_int8(graph, 64, "ppg")
    # conv 9 taps, pool 4, conv 3 dilation 2, pool 2, conv 4, pool 2, conv 3 dilation 2, global pool
    assert [(x.new_in, x.new_out, x.reads) for x in s.layers] == [
        (64, 64, 72), (64, 16, 64), (16, 16, 20), (16, 8, 16), (8, 8, 11), (8, 4, 8), (4, 4, 8), (4, 1, 9)]
    # a quarter of the window is new; the deepest layers keep more of their shorter windows: 3.3x
    assert s.graph.macs() * 3 < graph.macs()


def test_valid_hops_are_the_multiples_of_the_strides():
    layers = [TimeLayer(0, "conv2d", 256, 248, kernel=9), TimeLayer(1, "avg_pool2d", 248, 62, 4, 4),
              TimeLayer(2, "avg_pool2d", 62, 31, 2, 2), TimeLayer(3, "avg_pool2d", 31, 1, 31, 31)]
    assert layers[3].collapses and valid_hops(layers, 64) == [8, 16, 24, 32, 40, 48, 56, 64]


def _mfq(tmp_path, graph) -> str:
    from mcuforge.integer.serialize import save_qgraph

    path = tmp_path / "m.mfq"
    save_qgraph(graph, path)
    return str(path)


def test_a_misaligned_hop_lists_the_valid_ones(tmp_path):
    graph, _ = ppg()
    proc = mcuforge("compile", _mfq(tmp_path, graph), "-t", "host", "--stream", "--hop", "24", "-o", str(tmp_path / "o"))
    message = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "hop 24 does not align with the strides and pooling" in message
    assert "valid hops: 16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256" in message


def test_a_padded_layer_is_named(tmp_path):
    import torch

    graph = _quantized("cnn1d:make", lambda example: [(torch.randn(16, 1, 256), None)])
    with pytest.raises(StreamError, match=r"layer 1 \(conv2d\) pads the time axis \(3 frame\(s\) before"):
        compile_int8(graph, "cnn1d", load_target("host"), tmp_path / "o", hop=32)


def test_a_model_without_a_time_axis_is_refused(tmp_path):
    import torch

    graph = _quantized("mlp:make", lambda example: [(torch.randn(16, *example.shape[1:]), None)])
    with pytest.raises(StreamError, match="has no time axis"):
        compile_int8(graph, "mlp", load_target("host"), tmp_path / "o", hop=4)


def test_float_streams_are_not_built_yet(tmp_path):
    proc = mcuforge("compile", "models/ppg.py:make", "-t", "host", "--stream", "--hop", "64", "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "streaming fp32 models is not built yet" in proc.stderr
    proc = mcuforge("compile", "models/ppg.py:make", "-t", "host", "--hop", "64", "-o", str(tmp_path / "o"))
    assert proc.returncode == 2 and "--stream and --hop go together" in proc.stderr


@pytest.mark.parametrize("target_name", ["qemu-cortex-m4", "qemu-rv32imac"])
def test_pushed_over_the_hil_link(target_name, tmp_path):
    """Samples pushed hop by hop over the HIL link to a QEMU board's firmware; each answer is
    full-window inference, bit for bit."""
    from mcuforge.hil.dut import Dut
    from mcuforge.hil.firmware import build_hil_firmware
    from mcuforge.hil.qemu_board import QemuBoard
    from mcuforge.hil.session import HilModel

    graph, signal = ppg()
    compiled = compile_int8(graph, "ppg", load_target(target_name), tmp_path / "out", hop=64)
    model = HilModel("ppg.mfq", compiled)
    pushes = signal[:40 * 64].reshape(40, *compiled.input.shape[1:])
    firmware = build_hil_firmware(compiled, tmp_path / "firmware").program
    with QemuBoard(firmware) as board:
        dut = Dut(board.link)
        dut.connect()
        got = np.stack([model.decode(dut.infer(x.tobytes()).output) for x in pushes])
    assert np.array_equal(got.reshape(40, -1), compiled.reference(pushes).reshape(40, -1))


@pytest.mark.parametrize("target_name,hop", [("qemu-cortex-m55", 1), ("host", 7)])
def test_keyword_spotter_streams_frame_by_frame(target_name, hop, tmp_path):
    """The DS-CNN unpadded along time (models/dscnn.py:make_causal), its 49 MFCC frames along H:
    pushed one frame (or seven) at a time, each answer is the window's, bit for bit."""
    import torch

    graph = _quantized("dscnn:make_causal", lambda example: [(torch.randn(16, 1, 49, 10), None) for _ in range(2)])
    compiled = compile_int8(graph, "dscnn", load_target(target_name), tmp_path / "out", hop=hop)
    assert compiled.input.shape == (1, hop, 10, 1)
    run = run_on_target(compiled, compiled.random_inputs(60, seed=4), tmp_path / "work", profile=False)
    assert run.mismatches == 0, run.diff()
    assert len(np.unique(run.outputs)) > 10
