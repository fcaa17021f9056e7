"""Models for the compiler tests, imported once per test process."""

from __future__ import annotations

import functools

from mcuforge.frontend import load_model

from ..conftest import repo_path

MLPERF = repo_path("..", "shared", "models", "mlperf-tiny")
ZOO = ["mlp", "cnn1d", "resnet8", "dscnn", "mobilenet"]
MODELS = [f"models/{name}.py:make" for name in ZOO] + [
    str(MLPERF / "kws_ref_model_float32.tflite"), str(MLPERF / "pretrainedResnet.tflite")]


@functools.cache
def imported(spec: str):
    if spec.startswith("models/"):
        spec = str(repo_path(spec.split(":")[0])) + ":" + spec.split(":")[1]
    return load_model(spec)


def short(spec: str) -> str:
    return spec.rsplit("/", 1)[-1].split(":")[0]
