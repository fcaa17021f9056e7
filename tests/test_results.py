"""Results as data: a job runs into a row (figures, or a status with its reason), rows go to a
JSON-lines file keyed by job and code version, tables render from rows."""

from __future__ import annotations

import pytest

from mcuforge.results import Job, ResultsFile, code_version, render_markdown, run_job

from .conftest import repo_path

MLP = f"{repo_path('models', 'mlp.py')}:make"
AUTOENCODER = f"{repo_path('models', 'autoencoder.py')}:make"
COLUMNS = [("model", lambda r: r["job"]["model"].rsplit("/", 1)[-1]), ("target", lambda r: r["job"]["target"]),
           ("precision", lambda r: r["job"]["precision"]),
           ("RAM B", lambda r: f"{r['figures']['ram']:,}")]


def test_a_job_runs_into_a_row_of_figures(tmp_path):
    row = run_job(Job(MLP, "host", "fp32", inputs=2), tmp_path)
    assert row["status"] == "ok" and row["precision"] == "fp32" and row["reason"] is None
    assert row["figures"]["macs"] == 6464 and row["figures"]["max_rel_error"] <= 1e-5
    assert row["figures"]["seconds_per_inference"] > 0 and row["code"] == code_version()


def test_a_model_that_does_not_fit_is_a_row_with_the_reason(tmp_path):
    row = run_job(Job(AUTOENCODER, "qemu-cortex-m55", "fp32"), tmp_path)  # 1.08 MB of weights, 512 KiB flash
    assert row["status"] == "does-not-fit" and row["region"] == "FLASH" and row["overflow"] > 0
    assert "more than the 524,288 B of flash of qemu-cortex-m55" in row["reason"]


def test_an_error_is_a_row_too(tmp_path):
    row = run_job(Job(MLP, "no-such-target"), tmp_path)
    assert row["status"] == "error" and "unknown target 'no-such-target'" in row["reason"]


def test_rows_are_appended_read_back_and_rendered(tmp_path):
    results = ResultsFile(tmp_path / "results.jsonl")
    ok = {"key": Job(MLP, "host").key, "code": "abc", "status": "ok", "job": {"model": "m.py:make", "target": "host",
          "precision": "fp32"}, "figures": {"ram": 1568}}
    unfit = {**ok, "key": "k2", "status": "does-not-fit", "reason": "ae: the weights take 1,081,344 B, more than ..."}
    results.append(ok)
    results.append(unfit)
    assert results.rows() == [ok, unfit] and results.done("abc") == {ok["key"], "k2"} and results.done("def") == set()
    table = render_markdown(results.rows(), COLUMNS).splitlines()
    assert table[2] == "| m.py:make | host | fp32 | 1,568 |"
    assert table[3] == "| m.py:make | host | fp32 | does-not-fit: the weights take 1,081,344 B, more than ... |"


@pytest.mark.parametrize("field,value", [("target", "qemu-cortex-m4"), ("precision", "fp16"), ("inputs", 3)])
def test_the_key_is_the_whole_job(field, value):
    assert Job(MLP, "host").key != Job(**{"model": MLP, "target": "host", field: value}).key
