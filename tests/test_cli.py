"""The mcuforge command line, run as a user runs it: exit codes, JSON, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import TARGETS


def mcuforge(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mcuforge.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_targets_json_lists_the_six_simulated_and_the_host():
    proc = mcuforge("targets", "--json")
    assert proc.returncode == 0, proc.stderr
    data = {t["name"]: t for t in json.loads(proc.stdout)}
    assert sorted(data) == sorted([*TARGETS, "host"])
    assert data["qemu-cortex-m55"]["peak_macs_per_insn"] == {"int8": 16, "fp16": 8, "fp32": 4}
    assert data["host"]["qemu_machine"] is None and data["host"]["peak_macs_per_insn"] == {}


def test_targets_table():
    proc = mcuforge("targets")
    assert proc.returncode == 0
    for name in TARGETS:
        assert name in proc.stdout


def test_doctor_finds_every_tool():
    proc = mcuforge("doctor", "--json")
    checks = json.loads(proc.stdout)
    missing = [c for c in checks if not c["ok"]]
    assert not missing, missing
    assert proc.returncode == 0
    names = {c["name"] for c in checks}
    assert {"clang", "ld.lld", "qemu-system-arm", "qemu-system-riscv32", "QEMU instruction-count plugin"} <= names


PROGRAM = r"""
#include "mf_runtime.h"
volatile int x = 3;
int main(void) {
    int s = 0;
    mf_bench_start();
    for (int i = 0; i < 50; i++) s += x;
    mf_bench_stop();
    mf_printf("sum=%d\n", s);
    return s == 150 ? 0 : 1;
}
"""


@pytest.mark.parametrize("target", ["qemu-cortex-m4", "qemu-rv32-zve32f-zvfh"])
def test_run_c_json(target, tmp_path):
    src = tmp_path / "sum.c"
    src.write_text(PROGRAM)
    proc = mcuforge("run-c", str(src), "--target", target, "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["target"] == target and report["exit_code"] == 0
    assert report["output"] == "sum=150\n"
    assert len(report["regions"]) == 1 and report["bench_insns"] > 50
    assert report["insns"] > report["bench_insns"] and report["stack_used"] > 0
    assert report["sizes"]["flash"] == report["sizes"]["text"] + report["sizes"]["rodata"] + report["sizes"]["data"]


def test_run_c_exit_status_is_the_programs(tmp_path):
    src = tmp_path / "fail.c"
    src.write_text('#include "mf_runtime.h"\nint main(void) { mf_printf("bye\\n"); return 5; }\n')
    proc = mcuforge("run-c", str(src), "-t", "qemu-rv32imac")
    assert proc.returncode == 5
    assert "bye" in proc.stdout and "exit status" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["targets-nope"], "No such command"),
    (["run-c", "missing.c", "-t", "qemu-cortex-m4"], "no such source file: missing.c"),
    (["run-c", "x.c", "-t", "qemu-cortex-m99"], "unknown target 'qemu-cortex-m99'"),
])
def test_errors_are_messages_not_tracebacks(args, message):
    proc = mcuforge(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_timeout_from_the_cli(tmp_path):
    src = tmp_path / "spin.c"
    src.write_text('#include "mf_runtime.h"\nint main(void) { for (volatile int i = 0;; i++) {} }\n')
    proc = mcuforge("run-c", str(src), "-t", "qemu-cortex-m4", "--timeout", "1")
    assert proc.returncode == 2
    assert "did not exit within 1 s and was stopped" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_dot_bench_json_on_two_targets():
    proc = mcuforge("dot-bench", "--json", "-t", "qemu-cortex-m55", "-t", "qemu-rv32imafc-zfh", "--n", "256")
    assert proc.returncode == 0, proc.stderr
    runs = {r["target"]: r for r in json.loads(proc.stdout)}
    m55, zfh = runs["qemu-cortex-m55"], runs["qemu-rv32imafc-zfh"]
    assert m55["int8_ok"] and m55["fp16_ok"] and m55["int8_kernel"] == "arm_mve"
    assert zfh["fp16_kernel"] == "ref" and zfh["fp16_ok"]
    assert m55["int8_mac_per_insn"] == 256 / m55["int8_insns"]


def test_compile_run_report(tmp_path):
    out = tmp_path / "mlp"
    proc = mcuforge("compile", "models/mlp.py:make", "-t", "qemu-cortex-m7", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["macs"] == 64 * 64 + 64 * 32 + 32 * 10 and info["target"] == "qemu-cortex-m7"
    for name in ("model.h", "model.c", "weights.c", "kernels.c", "mf_tvm_abi.h", "plan.txt"):
        assert (out / name).is_file()
    proc = mcuforge("run", "models/mlp.py:make", "-t", "qemu-cortex-m7", "-n", "2", "-o", str(out), "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["max_rel_error"] <= 1e-5 and figures["inputs"] == 2
    assert figures["insns_per_inference"] > 0 and len(figures["layers"]) == 3
    assert all(layer["insns"] > 0 for layer in figures["layers"])
    assert figures["ram"] >= figures["arena"] + figures["stack_used"]
    proc = mcuforge("report", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.png").stat().st_size > 1000 and "<img" in (out / "report.html").read_text()


def test_model_errors_are_messages(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def make():\n    raise RuntimeError('boom')\n")
    proc = mcuforge("run", f"{bad}:make", "-t", "qemu-cortex-m4")
    assert proc.returncode == 2
    assert "make() raised RuntimeError: boom (at bad.py:2 in make)" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_run_int8_tflite_checked_against_tflite_micro(tmp_path):
    from .conftest import mlperf

    path = mlperf("ad01_int8.tflite")
    proc = mcuforge("run", str(path), "-t", "qemu-rv32imafc-zfh", "-n", "3", "--check", "tflite-micro",
                    "-o", str(tmp_path / "ad"), "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["precision"] == "int8" and figures["inputs"] == 3
    assert figures["mismatches_vs_reference"] == 0 and figures["oracles"] == {"tflite-micro": 0}
    assert figures["macs"] == 264192 and len(figures["layers"]) == 10
    proc = mcuforge("report", str(tmp_path / "ad"))
    assert proc.returncode == 0, proc.stderr
    assert "bit-identical to the integer host reference" in (tmp_path / "ad" / "report.html").read_text()
    proc = mcuforge("run", str(path), "--precision", "fp32")
    assert proc.returncode == 2 and "is an int8 model" in proc.stderr


def test_quantize_digits_then_compile(tmp_path):
    mfq = tmp_path / "digits.mfq"
    proc = mcuforge("quantize", "models/digits.py:make", "--data", "models/digits.py:batches", "--float-epochs", "30",
                    "--qat-epochs", "5", "-t", "qemu-cortex-m7", "-o", str(mfq), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    stages = {s["name"]: s for s in report["stages"]}
    assert report["test_samples"] == 360 and report["on_target_mismatches"] == 0
    # the digits MLP of tests/quant/test_qat_digits.py: its bounds, measured over 8 seeds
    assert stages["fake-quant (Brevitas)"]["accuracy"] >= stages["float"]["accuracy"] - 0.025
    assert stages["on target"]["accuracy"] == stages["integer (evaluator = device)"]["accuracy"]
    proc = mcuforge("compile", str(mfq), "-t", "qemu-rv32imac", "-o", str(tmp_path / "c"), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["precision"] == "int8" and (tmp_path / "c" / "mf_fully_connected_s8.c").is_file()


def test_kernels_choice_per_path():
    """--kernels ref runs the portable C on the integer path (bit-exact still); tvm is refused there,
    and ref on the float path, each with what to use instead."""
    from .conftest import mlperf

    kws = str(mlperf("kws_ref_model.tflite"))
    proc = mcuforge("run", kws, "-t", "qemu-cortex-m4", "--kernels", "tvm", "-n", "1")
    assert proc.returncode == 2 and "the integer path has no TVM code" in proc.stderr
    proc = mcuforge("run", "models/mlp.py:make", "--kernels", "ref", "-n", "1")
    assert proc.returncode == 2 and "--kernels ref is for the integer path" in proc.stderr
    proc = mcuforge("run", kws, "-t", "qemu-cortex-m4", "--kernels", "ref", "-n", "2", "--no-profile", "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["mismatches_vs_reference"] == 0 and figures["insns_per_inference"] > 0


def test_report_of_a_host_run_gives_wall_time(tmp_path):
    from .conftest import mlperf

    proc = mcuforge("run", str(mlperf("ad01_int8.tflite")), "-t", "host", "-n", "2", "-o", str(tmp_path / "ad"))
    assert proc.returncode == 0, proc.stderr
    proc = mcuforge("report", str(tmp_path / "ad"))
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "ad" / "report.html").read_text()
    assert "µs per inference (host wall time, median)" in page and "2 of 2 outputs bit-identical" in page


def test_train_on_the_host_follows_pytorch_and_reports_the_phases(tmp_path):
    proc = mcuforge("train", "models/dscnn.py:make", "--data", "models/dscnn.py:batches", "--trainable", "last:2",
                    "-t", "host", "--steps", "6", "--batch", "2", "-o", str(tmp_path / "out"), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["trainable"] == ["6.3", "9"] and info["steps"] == 6 and info["samples"] == 12
    assert info["ok"] and info["max_loss_rel_error"] <= 1e-4
    assert 0 <= info["accuracy_before"] <= 1 and 0 <= info["accuracy_after"] <= 1
    assert info["ram"]["state"] == 2 * info["ram"]["trained_weights"] == 2 * 4 * info["trainable_elements"]


def test_train_names_the_layers_when_the_choice_is_wrong(tmp_path):
    proc = mcuforge("train", "models/mlp.py:make", "--data", "models/dscnn.py:batches", "--trainable", "head",
                    "-t", "host", "-o", str(tmp_path))
    assert proc.returncode == 2
    assert "no layer with parameters named head" in proc.stderr and "layers: 0, 2, 4" in proc.stderr
    assert "Traceback" not in proc.stderr
