"""The one flow: compile() and run() for either path; inputs split over several programs when
they do not fit in flash at once; the verdict and its readable diff."""

from __future__ import annotations

import numpy as np
import pytest

from mcuforge.core import program
from mcuforge.core.flow import compare, compile, run
from mcuforge.errors import McuforgeError
from mcuforge.target import load_target

from ..conftest import mlperf, repo_path


def test_inputs_that_do_not_fit_run_as_several_programs(tmp_path, monkeypatch):
    c = compile(str(mlperf("ad01_int8.tflite")), load_target("qemu-cortex-m4"), "auto", tmp_path / "c")
    xs = c.random_inputs(5, seed=3)
    whole = run(c, xs, tmp_path / "whole")
    monkeypatch.setattr(program, "MAX_INPUTS_PER_PROGRAM", 2)
    seen = []
    split = run(c, xs, tmp_path / "split", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]  # three programs
    assert np.array_equal(split.outputs, whole.outputs) and split.ok and split.mismatches == 0
    assert len(split.insns_per_inference) == 5  # one count per input, from each program


def test_a_model_with_state_is_not_split(tmp_path, monkeypatch):
    c = compile(f"{repo_path('models', 'stateful.py')}:make", load_target("qemu-cortex-m4"), "fp32", tmp_path)
    # a sequence is one program while it fits (MAX_INPUTS_PER_PROGRAM does not split it): leave
    # flash room for two inputs only
    room = c.target.memory.flash.length - c.weight_bytes - 2 * 2 * c.input.nbytes
    monkeypatch.setattr(program, "CODE_ROOM", room)
    assert program.inputs_per_program(c, 3) == 2
    with pytest.raises(McuforgeError, match="must run them as one sequence"):
        run(c, c.random_inputs(3), tmp_path / "work")


def test_the_verdict_names_what_differs(tmp_path):
    exact = compile(str(mlperf("ad01_int8.tflite")), load_target("host"), "auto", tmp_path / "i")
    want = np.zeros((1, 640), np.int8)
    got = want.copy()
    got[0, 7] = 3
    assert compare(exact, want, want) is None
    assert compare(exact, got, want).startswith("1 of 640 int8 outputs differ:\n  [7] device 3, reference 0")
    close = compile(f"{repo_path('models', 'mlp.py')}:make", load_target("host"), "fp32", tmp_path / "f")
    ref = np.linspace(0, 1, 10)
    assert compare(close, ref * (1 + 1e-7), ref) is None
    assert "max relative error 0.1 > 1e-05 (fp32); worst [9]: device 1.1, reference 1" in compare(close, ref * 1.1, ref)
