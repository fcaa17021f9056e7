"""Shared fixtures: the six simulated targets and a helper that builds and runs a C snippet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from mcuforge.build import build_program
from mcuforge.sim import run_program
from mcuforge.target import all_targets, load_target

TARGETS = [t.name for t in all_targets()]

# Tests that train do so on one thread: the same sums in the same order whatever the number of
# cores (pytest -n runs one test per core anyway). Their accuracy bounds come from the spread
# measured over several seeds, which stands in for another CPU's float rounding. The variable
# carries the setting to the mcuforge commands the tests start.
os.environ["OMP_NUM_THREADS"] = "1"
torch.set_num_threads(1)


@pytest.fixture(params=TARGETS)
def target(request):
    return load_target(request.param)


@pytest.fixture
def build_c(tmp_path):
    """build_c(target, code, name=...) -> Program: writes `code` to a .c file and links it."""

    def build(target, code: str, name: str = "prog", **kwargs):
        src = tmp_path / f"{name}.c"
        src.write_text(code)
        return build_program(target, [src], tmp_path / f"build-{name}", name=name, **kwargs)

    return build


@pytest.fixture
def run_c(build_c):
    """run_c(target, code) -> SimResult."""

    def run(target, code: str, timeout: float = 30, **kwargs):
        return run_program(build_c(target, code, **kwargs), timeout=timeout)

    return run


def repo_path(*parts: str) -> Path:
    return Path(__file__).resolve().parents[1].joinpath(*parts)


# The MLPerf Tiny reference models live beside the checkout (shared/models/mlperf-tiny), not in
# it. Outside CI, a checkout without them skips the tests that need them, saying so; in CI
# (CI=true) their absence is a failure.
MLPERF_DIR = Path(os.environ.get("MCUFORGE_MLPERF_DIR", repo_path("..", "shared", "models", "mlperf-tiny")))


def mlperf(name: str) -> Path:
    path = MLPERF_DIR / name
    if not path.is_file():
        message = f"MLPerf Tiny model {path} not found (set MCUFORGE_MLPERF_DIR)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def zoo_module(name: str):
    """models/<name>.py as a module."""
    import importlib
    import sys

    sys.path.insert(0, str(repo_path("models")))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.pop(0)


def zoo(name: str):
    """(module, example input) from models/<name>.py's make()."""
    return zoo_module(name).make()


# The fast tier (`make test-fast`, under 2 minutes on 2 cores): pure Python and the host target,
# no simulator. The full suite (`make test`) runs these too.
FAST = ("test_target.py", "codegen/", "passes/", "integer/test_serialize.py", "integer/test_packing.py",
        "integer/test_errors.py", "hil/test_protocol.py", "frontend/test_damaged_files.py",
        "frontend/test_errors.py", "compiler/test_host.py", "compiler/test_library.py", "test_results.py",
        "hil/test_uart_fakes.py")


def pytest_configure(config):
    config.addinivalue_line("markers", "fast: the fast tier (make test-fast): no simulator")


def pytest_collection_modifyitems(config, items):
    tests = Path(__file__).parent
    for item in items:
        path = Path(item.fspath)
        if tests in path.parents and path.relative_to(tests).as_posix().startswith(FAST):
            item.add_marker(pytest.mark.fast)
