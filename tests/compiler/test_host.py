"""The host target (-t host): the zoo's float models, fp32 and fp16, built with the host's
compiler and run as a process, within the same bounds as on the simulated cores."""

from __future__ import annotations

import pytest

from mcuforge.codegen.compiler import compile_model, random_inputs
from mcuforge.core.flow import run as run_on_target
from mcuforge.core.precision import TOLERANCE
from mcuforge.target import load_target

from .conftest import ZOO, imported


@pytest.mark.parametrize("precision", ["fp32", "fp16"])
@pytest.mark.parametrize("name", ZOO)
def test_zoo_model_on_the_host(name, precision, tmp_path):
    model = imported(f"models/{name}.py:make")
    compiled = compile_model(model, load_target("host"), precision, tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 4, seed=11), tmp_path / "work")
    assert run.max_rel_error <= TOLERANCE[precision], f"{name} {precision} on the host: {run.max_rel_error:.3g}"
    assert run.insns_per_inference == [] and run.layer_insns is None  # no simulator: no instruction counts
    assert len(run.seconds_per_inference) == 4 and all(s > 0 for s in run.seconds_per_inference)
