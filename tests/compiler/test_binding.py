"""Kernel binding on the float path: where the patterns match, model.c calls mcuforge's kernels
through const parameter structs instead of TVM's; --kernels tvm keeps TVM's code throughout.
(That the bound models still match their framework on every target is test_models.py's job:
binding is on by default.)"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from mcuforge.build.tools import tool
from mcuforge.codegen.compiler import compile_model
from mcuforge.errors import McuforgeError
from mcuforge.paths import KERNELS_DIR
from mcuforge.target import load_target

from .conftest import imported

RESNET8 = "models/resnet8.py:make"


def _tvm_calls(model_c: str) -> int:
    return len(re.findall(r"^\s+MF_STEP\(", model_c, re.M))


@pytest.fixture(scope="module")
def resnet8_m55_fp16(tmp_path_factory):
    model, target = imported(RESNET8), load_target("qemu-cortex-m55")
    out = tmp_path_factory.mktemp("bind")
    return (compile_model(model, target, "fp16", out / "mcuforge"),
            compile_model(model, target, "fp16", out / "tvm", kernels="tvm"))


def test_convolutions_dense_and_adds_call_mcuforge_kernels(resnet8_m55_fp16):
    bound, tvm = resnet8_m55_fp16
    model_c = (bound.out_dir / "model.c").read_text()
    assert len(re.findall(r"MF_CALL\(\d+, mf_conv2d_f16\(&mf_params\d+, ", model_c)) == 9  # every conv
    assert re.search(r"MF_CALL\(\d+, mf_dense_f16\(&mf_params\d+, ", model_c)
    # the three residual adds (+ relu): two activations in, one out
    adds = re.findall(r"MF_CALL\(\d+, mf_add_f16\(&mf_params\d+, mf_t\d+\.data, mf_t\d+\.data, mf_t\d+\.data\)\)", model_c)
    assert len(adds) == 3
    assert all(s.bound.fields["act_min"] == 0.0 for s in bound.graph.steps if s.kernel == "mf_add_f16")
    assert "static const mf_conv_params_f mf_params" in model_c and "static const mf_add_params_f mf_params" in model_c
    assert _tvm_calls(model_c) == 5  # of 14: input cast + transpose, the mean and its casts, output cast
    assert {p.name for p in bound.files.bound_c} == {"mf_conv2d_f16.c", "mf_dense_f16.c", "mf_add_f16.c"}
    assert "vfmaq_n_f16" in (bound.out_dir / "mf_float_mve.h").read_text()  # the M55's Helium variant
    info = json.loads((bound.out_dir / "compile.json").read_text())
    assert info["kernels"] == "mcuforge" and info["bound_layers"] == 13
    # the padding pixel of each conv is planned scratch, alive during its own layer only
    assert all(p.buffer.first == p.buffer.last for p in bound.plan.placements if p.buffer.name.startswith("ws"))


def test_kernels_tvm_binds_nothing(resnet8_m55_fp16):
    _, tvm = resnet8_m55_fp16
    model_c = (tvm.out_dir / "model.c").read_text()
    assert "mf_kernels_float.h" not in model_c and "MF_CALL" not in model_c
    assert tvm.files.bound_c == () and not any(s.bound for s in tvm.graph.steps)
    assert json.loads((tvm.out_dir / "compile.json").read_text())["kernels"] == "tvm"


@pytest.mark.parametrize("name,depthwise", [("dscnn", 4), ("mobilenet", None)])
def test_depthwise_convolutions_call_mcuforge_kernels(name, depthwise, tmp_path):
    """Every depthwise conv (depth multiplier 1) of the zoo's DS-CNN and MobileNet binds, with
    its bias and activation; --kernels tvm binds none."""
    model, target = imported(f"models/{name}.py:make"), load_target("qemu-rv32-zve32f-zvfh")
    compiled = compile_model(model, target, "fp16", tmp_path / "m")
    kernels = [s.kernel for s in compiled.graph.steps if s.bound]
    groups = [s for s in model.mod["main"].body.blocks[0].bindings
              if getattr(s.value, "op", None) is not None and getattr(s.value.op, "name", "") == "relax.nn.conv2d"
              and int(s.value.attrs.groups) > 1]
    assert kernels.count("mf_depthwise_conv2d_f16") == (depthwise or len(groups)) > 0
    assert all(s.bound.scratch == 0 for s in compiled.graph.steps if s.kernel == "mf_depthwise_conv2d_f16")
    assert not any(s.bound for s in compile_model(model, target, "fp16", tmp_path / "t", kernels="tvm").graph.steps)


@pytest.mark.parametrize("target,precision", [("qemu-cortex-m55", "fp16"), ("qemu-rv32-zve32f-zvfh", "fp32")])
def test_conv1d_runs_on_the_conv2d_kernels(target, precision, tmp_path):
    """The 1-D CNN's three conv1d (+ bias + relu) bind to the conv2d kernel as maps one pixel
    high, its max pool stays TVM's (NHWC), and the model still matches PyTorch."""
    from mcuforge.codegen.compiler import random_inputs
    from mcuforge.core.flow import run as run_on_target
    from mcuforge.core.precision import TOLERANCE

    model = imported("models/cnn1d.py:make")
    compiled = compile_model(model, load_target(target), precision, tmp_path / "out")
    dtype = {"fp16": "f16", "fp32": "f32"}[precision]
    convs = [s.bound for s in compiled.graph.steps if s.kernel == f"mf_conv2d_{dtype}"]
    assert [(b.fields["in_h"], b.fields["k_h"], b.fields["act_min"]) for b in convs] == [(1, 1, 0.0)] * 3
    assert [b.fields["stride_w"] for b in convs] == [2, 2, 1]
    assert not any("transpose" in s.kernel for s in compiled.graph.steps[1:-3])  # NHWC throughout
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE[precision]
    assert not any(s.bound for s in compile_model(model, load_target(target), precision, tmp_path / "t",
                                                  kernels="tvm").graph.steps)


def test_average_pooling_calls_mcuforge_kernel(tmp_path):
    """The MLPerf KWS model's 25x5 average pool binds (its depthwise convs too), matches
    TFLite's float model; --kernels tvm binds none."""
    from mcuforge.codegen.compiler import random_inputs
    from mcuforge.core.flow import run as run_on_target
    from mcuforge.core.precision import TOLERANCE

    model, target = imported("mlperf:kws_ref_model_float32.tflite"), load_target("qemu-cortex-m55")
    compiled = compile_model(model, target, "fp16", tmp_path / "out")
    pools = [s.bound for s in compiled.graph.steps if s.kernel == "mf_avg_pool2d_f16"]
    assert [(p.fields["k_h"], p.fields["k_w"], p.fields["in_c"]) for p in pools] == [(25, 5, 64)]
    assert [s.kernel for s in compiled.graph.steps].count("mf_depthwise_conv2d_f16") == 4
    run = run_on_target(compiled, random_inputs(model, 1), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp16"]
    assert not any(s.bound for s in compile_model(model, target, "fp16", tmp_path / "t", kernels="tvm").graph.steps)


DSCNN = "models/dscnn.py:make"


@pytest.mark.parametrize("target,accumulate", [("qemu-cortex-m4", None), ("qemu-cortex-m55", "fp32")])
def test_fp32_accumulation_binds_the_acc32_kernels(target, accumulate, tmp_path):
    """fp16 with fp32 accumulation (the default on Cortex-M4, which only converts fp16;
    --accumulate fp32 on the M55): DS-CNN's five convolutions and its dense call the _f16_acc32
    kernels, its depthwise convolutions stay TVM's code (fp32 accumulation), and the model
    matches PyTorch within the fp16 tolerance."""
    from mcuforge.codegen.compiler import random_inputs
    from mcuforge.core.flow import run as run_on_target
    from mcuforge.core.precision import TOLERANCE

    model = imported(DSCNN)
    compiled = compile_model(model, load_target(target), "fp16", tmp_path / "out", accumulate=accumulate)
    bound = [s.kernel for s in compiled.graph.steps if s.bound]
    assert bound == ["mf_conv2d_f16_acc32"] * 5 + ["mf_dense_f16_acc32"]
    assert sum("conv2d" in s.kernel for s in compiled.graph.steps if not s.bound) == 4  # the depthwise
    info = json.loads((compiled.out_dir / "compile.json").read_text())
    assert info["accumulate"] == "fp32" and info["bound_layers"] == 6
    assert all(s.bound.fields["act_min"] == 0.0 for s in compiled.graph.steps if s.kernel == "mf_conv2d_f16_acc32")
    run = run_on_target(compiled, random_inputs(model, 1), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp16"]
    tvm = compile_model(model, load_target(target), "fp16", tmp_path / "tvm", kernels="tvm", accumulate=accumulate)
    assert not any(s.bound for s in tvm.graph.steps)


def test_fp32_on_a_target_without_fp16_binds_the_reference_fp32_kernels(tmp_path):
    model, target = imported("models/mlp.py:make"), load_target("qemu-cortex-m4")
    fp32 = compile_model(model, target, "fp32", tmp_path / "f")
    assert [s.kernel for s in fp32.graph.steps if s.bound] == ["mf_dense_f32"] * 3


@pytest.mark.parametrize("target,precision,accumulate,message", [
    ("qemu-cortex-m55", "fp16", "fp64", "unknown accumulate 'fp64'"),
    ("qemu-cortex-m4", "fp16", "fp16", "qemu-cortex-m4 has no fp16 arithmetic"),
    ("qemu-cortex-m7", "fp16", "fp16", "qemu-cortex-m7 has no fp16 arithmetic"),
    ("qemu-cortex-m55", "fp32", "fp16", "--accumulate fp16 is for fp16 models"),
])
def test_accumulate_choice_errors(target, precision, accumulate, message, tmp_path):
    with pytest.raises(McuforgeError, match=message):
        compile_model(imported("models/mlp.py:make"), load_target(target), precision, tmp_path, accumulate=accumulate)


def test_unknown_kernels_choice_is_an_error(tmp_path):
    with pytest.raises(McuforgeError, match="unknown kernels 'cmsis'"):
        compile_model(imported("models/mlp.py:make"), load_target("qemu-cortex-m4"), "fp32", tmp_path, kernels="cmsis")


def _cli_compile(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mcuforge.cli", "compile", "models/mlp.py:make", *args, "--json"],
                          capture_output=True, text=True, timeout=120, cwd=KERNELS_DIR.parents[1])


def test_cli_records_the_kernels_choice(tmp_path):
    proc = _cli_compile("-t", "qemu-rv32-zve32f-zvfh", "--kernels", "tvm", "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["kernels"] == "tvm"


def test_cli_accumulate_option(tmp_path):
    """--accumulate fp32 on an fp16 target binds the _acc32 dense and is recorded; the default
    there is fp16; fp16 on the M4 and unknown values are errors (exit 2 with the message)."""
    proc = _cli_compile("-t", "qemu-rv32-zve32f-zvfh", "-p", "fp16", "--accumulate", "fp32", "-o", str(tmp_path / "a"))
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["accumulate"] == "fp32" and info["layers"].count("mf_dense_f16_acc32") == 3
    proc = _cli_compile("-t", "qemu-rv32-zve32f-zvfh", "-p", "fp16", "-o", str(tmp_path / "d"))
    assert json.loads(proc.stdout)["accumulate"] == "fp16"
    for target, value, message in [("qemu-cortex-m4", "fp16", "no fp16 arithmetic"),
                                   ("qemu-cortex-m55", "bf16", "unknown accumulate")]:
        proc = _cli_compile("-t", target, "-p", "fp16", "--accumulate", value, "-o", str(tmp_path / "e"))
        assert proc.returncode == 2 and message in proc.stderr


@pytest.mark.parametrize("variant", ["arm_mve", "ref"])
def test_arm_float_kernels_compile_with_gcc(variant, tmp_path):
    """PlatformIO builds with arm-none-eabi-gcc: no clang-only builtins or intrinsics."""
    kinds = ("mf_conv2d_f*.c", "mf_depthwise_conv2d_f*.c", "mf_dense_f*.c", "mf_add_f*.c", "mf_*_pool2d_f*.c")
    for src in sorted(src for kind in kinds for src in (KERNELS_DIR / variant).glob(kind)):
        proc = subprocess.run([tool("arm-none-eabi-gcc"), "-mthumb", "-mcpu=cortex-m55", "-mfloat-abi=hard", "-O2",
                               "-std=c11", "-Wall", "-Wextra", "-Werror", f"-I{KERNELS_DIR}", "-c", str(src),
                               "-o", str(tmp_path / "x.o")], capture_output=True, text=True)
        assert proc.returncode == 0, f"{src.name}: {proc.stderr}"


def test_a_model_of_bound_layers_only_runs(tmp_path):
    """Flatten (a view of the input) + Linear: one bound kernel, no TVM kernel, no arena use."""
    from mcuforge.codegen.compiler import random_inputs
    from mcuforge.core.flow import run as run_on_target
    from mcuforge.core.precision import TOLERANCE
    from mcuforge.frontend import load_model

    (tmp_path / "m.py").write_text("import torch\nfrom torch import nn\ndef make():\n    torch.manual_seed(0)\n"
                                   "    return nn.Sequential(nn.Flatten(), nn.Linear(48, 5)).eval(), torch.zeros(1, 3, 4, 4)\n")
    model = load_model(f"{tmp_path / 'm.py'}:make")
    compiled = compile_model(model, load_target("qemu-rv32-zve32f-zvfh"), "fp32", tmp_path / "out")
    assert [s.kernel for s in compiled.graph.steps] == ["mf_dense_f32"]
    run = run_on_target(compiled, random_inputs(model, 2), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp32"]


def test_relu6_is_fused_into_the_bound_convolutions_in_fp16(tmp_path):
    """ReLU6 (a clip, rewritten as maximum / minimum) ends each bound conv of MobileNet, also
    after the fp16 conversion, and the model still matches PyTorch."""
    from mcuforge.codegen.compiler import random_inputs
    from mcuforge.core.flow import run as run_on_target
    from mcuforge.core.precision import TOLERANCE

    model = imported("models/mobilenet.py:make")
    compiled = compile_model(model, load_target("qemu-cortex-m55"), "fp16", tmp_path / "out")
    bound = [s.bound for s in compiled.graph.steps if s.bound and s.kernel == "mf_conv2d_f16"]
    assert bound and all((b.fields["act_min"], b.fields["act_max"]) == (0.0, 6.0) for b in bound)
    run = run_on_target(compiled, random_inputs(model, 1), tmp_path / "work", profile=False)
    assert run.max_rel_error <= TOLERANCE["fp16"]
