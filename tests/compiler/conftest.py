"""Models for the compiler tests, imported once per test process."""

from __future__ import annotations

import functools

from mcuforge.frontend import load_model

from ..conftest import mlperf, repo_path

ZOO = ["mlp", "cnn1d", "resnet8", "dscnn", "mobilenet"]
MODELS = [f"models/{name}.py:make" for name in ZOO] + [
    "mlperf:kws_ref_model_float32.tflite", "mlperf:pretrainedResnet.tflite"]


def imported(spec: str):
    """The model for a spec of MODELS (MLPerf models skip or fail where they are missing)."""
    if spec.startswith("mlperf:"):
        return _load(str(mlperf(spec.split(":", 1)[1])))
    path, factory = spec.split(":")
    return _load(f"{repo_path(path)}:{factory}")


@functools.cache
def _load(spec: str):
    return load_model(spec)


def short(spec: str) -> str:
    return spec.removeprefix("mlperf:").rsplit("/", 1)[-1].split(":")[0].removesuffix(".tflite")
