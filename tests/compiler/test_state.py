"""Models that keep state between calls (buffers their forward pass updates): the state lives in
the C library's state storage, outside the reused arena, set by mf_model_reset(); a sequence of
calls on a target gives what PyTorch gives on the same sequence, and a reset starts over."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from mcuforge.codegen.compiler import compile_model, random_inputs
from mcuforge.core.flow import run as run_on_target
from mcuforge.core.precision import TOLERANCE
from mcuforge.target import load_target

from .conftest import imported

STATEFUL = "models/stateful.py:make"
# the delay line (1 x 4 x 8 fp32) and the integrator (1 x 16 fp32)
STATE_BYTES = 4 * 4 * 8 + 4 * 16


@pytest.mark.parametrize("name", ["qemu-cortex-m4", "qemu-rv32imac", "host"])
def test_a_sequence_of_calls_matches_pytorch_and_reset_starts_over(name, tmp_path):
    model, target = imported(STATEFUL), load_target(name)
    assert [s.name for s in model.state] == ["evidence", "history"]
    compiled = compile_model(model, target, "fp32", tmp_path / "out")
    sequence = random_inputs(model, 12, seed=5)
    inputs = np.concatenate([sequence, sequence[:3]])  # 12 calls, a reset, the first 3 again
    run = run_on_target(compiled, inputs, tmp_path / "work", profile=False, reset_before=12)
    assert run.max_rel_error <= TOLERANCE["fp32"], run.max_rel_error
    assert np.array_equal(run.outputs[12:], run.outputs[:3])  # the reset restores the first calls
    # the state does carry: the same input later in the sequence gives another output
    later = run_on_target(compiled, np.concatenate([sequence[:3], sequence[:3]]), tmp_path / "again",
                      profile=False)
    assert not np.allclose(later.outputs[3:], later.outputs[:3])
    assert later.max_rel_error <= TOLERANCE["fp32"]


def test_state_is_planned_outside_the_arena_and_reported(tmp_path):
    compiled = compile_model(imported(STATEFUL), load_target("qemu-cortex-m4"), "fp32", tmp_path)
    assert compiled.state.size == STATE_BYTES
    model_h, model_c = (tmp_path / "model.h").read_text(), (tmp_path / "model.c").read_text()
    assert f"#define MF_MODEL_STATE_SIZE {STATE_BYTES}" in model_h and "void mf_model_reset(void);" in model_h
    assert f"static uint8_t mf_state[{STATE_BYTES}]" in model_c
    # after the last layer, each state's next value is copied into the state
    copies = re.findall(r"__builtin_memcpy\(mf_state \+ \d+, mf_t\d+\.data, (\d+)\);", model_c)
    assert sorted(int(n) for n in copies) == [64, 128]
    assert "if (!mf_state_set) mf_model_reset();" in model_c
    assert "mf_s1_reset" in (tmp_path / "weights.c").read_text()  # the value at reset, in flash
    info = json.loads((tmp_path / "compile.json").read_text())
    assert info["state_bytes"] == STATE_BYTES and info["arena_bytes"] == compiled.plan.arena_size
    assert "state: 192 B, kept between calls" in (tmp_path / "plan.txt").read_text()
    compiled.plan.check()


def test_a_model_without_state_has_an_empty_reset(tmp_path):
    compile_model(imported("models/mlp.py:make"), load_target("qemu-cortex-m4"), "fp32", tmp_path)
    assert "#define MF_MODEL_STATE_SIZE 0" in (tmp_path / "model.h").read_text()
    model_c = (tmp_path / "model.c").read_text()
    assert "void mf_model_reset(void) {\n    /* no state: each call stands alone */\n}" in model_c
    assert "mf_state" not in model_c
