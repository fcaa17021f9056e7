"""Every model compiles for every simulated target and matches its framework on the target."""

from __future__ import annotations

import re

import pytest

from mcuforge.build.program import disassemble
from mcuforge.codegen.compiler import compile_model, random_inputs
from mcuforge.core.flow import run as run_on_target
from mcuforge.core.precision import TOLERANCE
from mcuforge.frontend import load_model
from mcuforge.target import load_target

from ..conftest import repo_path, zoo
from .conftest import MODELS, imported, short


@pytest.mark.parametrize("spec", MODELS, ids=[short(m) for m in MODELS])
def test_fp32_matches_the_reference(spec, target, tmp_path):
    model = imported(spec)
    compiled = compile_model(model, target, "fp32", tmp_path / "out")
    compiled.plan.check()
    run = run_on_target(compiled, random_inputs(model, 2, seed=7), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp32"], f"{short(spec)} on {target.name}: {run.max_rel_error:.3g}"
    assert run.top1_agreement == 1.0
    assert len(run.insns_per_inference) == 2 and run.insns_per_inference[0] > compiled.macs / 50


FP16_TARGETS = ["qemu-cortex-m55", "qemu-rv32imafc-zfh", "qemu-rv32-zve32f-zvfh"]
# What real fp16 arithmetic looks like in each target's disassembly.
FP16_INSNS = {
    "qemu-cortex-m55": r"\bv(fma|mul|add)\.f16\b",
    "qemu-rv32imafc-zfh": r"\bf(madd|mul|add)\.h\b",
    "qemu-rv32-zve32f-zvfh": r"\bvsetvli\s+\w+,\s*\w+,\s*e16\b",
}


@pytest.mark.parametrize("spec", ["models/mlp.py:make", "models/dscnn.py:make", MODELS[-1]],
                         ids=["mlp", "dscnn", "pretrainedResnet"])
@pytest.mark.parametrize("name", FP16_TARGETS)
def test_fp16_within_bound_with_fp16_instructions(spec, name, tmp_path):
    target, model = load_target(name), imported(spec)
    compiled = compile_model(model, target, "fp16", tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 2, seed=3), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp16"], f"{short(spec)} fp16 on {name}: {run.max_rel_error:.3g}"
    assert run.max_rel_error > 1e-6  # it really computed in fp16
    text = disassemble(run.program)
    assert re.search(FP16_INSNS[name], text), f"no fp16 arithmetic in {name}'s code"
    if name == "qemu-rv32-zve32f-zvfh":
        assert re.search(r"\bvf(madd|macc|add|mul)\.v[vf]\b", text)


def test_fp16_with_fp32_accumulation_on_cortex_m4(tmp_path):
    target, model = load_target("qemu-cortex-m4"), imported("models/mlp.py:make")
    compiled = compile_model(model, target, "fp16", tmp_path / "out")
    assert compiled.graph.tensors[1].dtype == "float16"  # weights are stored in fp16
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp16"]
    assert re.search(r"\bvcvt[bt]\.f32\.f16\b", disassemble(run.program))


@pytest.mark.parametrize("spec", ["models/resnet8.py:make", "models/dscnn.py:make", MODELS[-2], MODELS[-1]],
                         ids=["resnet8", "dscnn", "kws-tflite", "resnet-tflite"])
def test_planned_arena_is_at_most_60_percent_of_naive(spec, tmp_path):
    compiled = compile_model(imported(spec), load_target("qemu-cortex-m4"), "fp32", tmp_path)
    assert compiled.plan.arena_size <= 0.6 * compiled.plan.naive_size
    assert "arena" in (tmp_path / "plan.txt").read_text()


def test_same_model_gives_byte_identical_c(tmp_path):
    model, target = imported("models/dscnn.py:make"), load_target("qemu-cortex-m55")
    a = compile_model(model, target, "fp32", tmp_path / "a")
    again = load_model(f"{repo_path('models', 'dscnn.py')}:make")  # a fresh import, not the cached one
    b = compile_model(again, target, "fp32", tmp_path / "b")
    for name in ("model.h", "model.c", "weights.c", "kernels.c", "mf_tvm_abi.h"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert a.plan == b.plan


def test_profile_gives_one_count_per_layer(tmp_path):
    model, target = imported("models/cnn1d.py:make"), load_target("qemu-cortex-m4")
    compiled = compile_model(model, target, "fp32", tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 1), tmp_path / "work", profile=True)
    assert len(run.layer_insns) == len(compiled.graph.steps)
    # the layers are all of the inference but the call glue between them
    assert 0.9 * run.insns_per_inference[0] < sum(run.layer_insns) < run.insns_per_inference[0]


def test_saved_export_program_compiles(tmp_path):
    import torch

    module, example = zoo("cnn1d")
    path = tmp_path / "cnn1d.pt2"
    torch.export.save(torch.export.export(module, (example,)), str(path))
    model = load_model(str(path))
    assert model.input.shape == (1, 1, 256) and model.output.shape == (1, 4)
    compiled = compile_model(model, load_target("qemu-rv32imafc-zfh"), "fp32", tmp_path / "out")
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp32"]


@pytest.mark.parametrize("body,shape", [
    ("nn.Sequential(nn.Flatten(), nn.Linear(48, 5))", "1, 3, 4, 4"),  # a view of the input
    ("nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU(), nn.Flatten())", "1, 3, 6, 6"),  # the output is a view
])
def test_reshapes_are_views_without_kernels(body, shape, tmp_path):
    (tmp_path / "m.py").write_text(f"import torch\nfrom torch import nn\ndef make():\n"
                                   f"    torch.manual_seed(0)\n    return {body}.eval(), torch.zeros({shape})\n")
    model = load_model(f"{tmp_path / 'm.py'}:make")
    # TVM's code: with bound kernels the convolution runs in NHWC, and the flatten after it is
    # a transpose back to NCHW, a real kernel
    compiled = compile_model(model, load_target("qemu-cortex-m4"), "fp32", tmp_path / "out", kernels="tvm")
    assert any(t.kind == "view" for t in compiled.graph.tensors)
    assert all(t.storage.kind != "view" for t in compiled.graph.tensors)
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp32"]
