"""The emitter core both paths share: one compile.json schema, one model.h layout with the
entry points and their sizes, state reported apart from the arena."""

from __future__ import annotations

import json

import pytest

from mcuforge.core.flow import compile
from mcuforge.core.library import COMPILE_JSON_KEYS
from mcuforge.target import load_target

from ..conftest import mlperf, repo_path

MODELS = {"fp32": f"{repo_path('models', 'mlp.py')}:make", "int8": str(mlperf("ad01_int8.tflite")),
          "state": f"{repo_path('models', 'stateful.py')}:make"}


@pytest.mark.parametrize("kind", list(MODELS))
def test_both_paths_write_one_schema_and_one_header(kind, tmp_path):
    c = compile(MODELS[kind], load_target("host"), "auto", tmp_path)
    info = json.loads((tmp_path / "compile.json").read_text())
    assert tuple(info) == COMPILE_JSON_KEYS
    assert info["precision"] == ("int8" if kind == "int8" else "fp32") and info["layers"] == c.layer_names
    assert info["input"] == {"shape": list(c.input.shape), "dtype": c.input.dtype}
    assert info["entry_points"] == [{"name": "run", "in_bytes": c.input.nbytes, "out_bytes": c.output.nbytes}]
    assert info["arena_bytes"] == c.plan.arena_size and info["state_bytes"] == c.state.size
    assert (info["state_bytes"] > 0) == (kind == "state")
    header = (tmp_path / "model.h").read_text()
    for line in ("#define MF_MODEL_ENTRY_POINTS 1", f"#define MF_MODEL_MAX_IN_BYTES {c.input.nbytes}",
                 f"#define MF_MODEL_STATE_SIZE {c.state.size}", f"#define MF_MODEL_ARENA_SIZE {c.plan.arena_size}",
                 "int mf_model_run(const mf_model_input_t *in, mf_model_output_t *out);", "void mf_model_reset(void);"):
        assert line in header, line
    assert f'{{"run", mf_entry_run, {c.input.nbytes}, {c.output.nbytes}}},' in (tmp_path / "model.c").read_text()
    plan = (tmp_path / "plan.txt").read_text()
    assert ("state" in plan) == (kind == "state")
