"""Training over the HIL link (`mcuforge deploy --train`): the HIL firmware with a training
library on QEMU boards; each step's samples and labels sent with CALL train_step and its loss
read back, then the trained parameters, READ_PARAMS_MAX at a time. The same C on the same core
as the harness's run, so the losses and parameters are the same bits; both against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.hil.dut import Dut
from mcuforge.hil.firmware import build_hil_firmware
from mcuforge.hil.qemu_board import QemuBoard
from mcuforge.odl.compiler import Options, compile_training
from mcuforge.odl.graph import read_model, select_trainable
from mcuforge.odl.run import TrainingFailed, order_of, run_training, run_training_over_hil
from mcuforge.odl.reference import train_reference
from mcuforge.target import load_target

from ..conftest import zoo_module


@pytest.mark.parametrize("target", ["qemu-cortex-m4", "qemu-cortex-m55"])
def test_training_steps_over_the_link_are_the_harness_steps(target, tmp_path):
    graph = read_model(*zoo_module("cnn1d").make(), "cnn1d")
    select_trainable(graph, "last:2")  # more than READ_PARAMS_MAX parameters: several reads
    compiled = compile_training(graph, load_target(target), "fp32", tmp_path / "lib",
                                Options(lr=0.05, momentum=0.9, batch=2))
    assert compiled.trainable_elements > 256
    rng = np.random.default_rng(1)
    x = graph.to_nhwc(rng.uniform(-1, 1, (8, *graph.torch_input_shape)).astype(np.float32))
    y = rng.integers(0, graph.output.size, 8)
    order = order_of(8, 6, 2)
    harness = run_training(compiled, x, y, order, tmp_path / "harness")
    firmware = build_hil_firmware(compiled, tmp_path / "firmware").program
    with QemuBoard(firmware) as board:
        dut = Dut(board.link, run_timeout=30.0)
        dut.connect()
        assert [e.name for e in dut.entry_points()] == ["run", "train_step", "read_params"]
        linked = run_training_over_hil(dut, compiled, x, y, order)
        assert np.array_equal(linked.losses, harness.losses)
        assert np.array_equal(linked.params, harness.params)
        reference = train_reference(graph, x, y, order, 0.05, 0.9)
        assert np.max(np.abs(linked.losses - reference.losses) / reference.losses) <= 1e-4
        bad = y.copy()
        bad[3] = 99
        with pytest.raises(TrainingFailed, match=r"step 0: label 99 is outside the model's \d+ classes"):
            run_training_over_hil(dut, compiled, x, bad, np.array([[2, 3]]))
