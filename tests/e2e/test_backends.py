"""Backends as an axis: trials under JAX and torch in worker processes, compared in one report."""

from __future__ import annotations

import json

import pytest

from zoo.bench import expand, load_suite
from zoo.bench.run.executors import threads_per_worker
from zoo.cli import main
from zoo.errors import UsageError


def _records(out) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_smoke_profile_under_another_backend(tmp_path, backend):
    out = tmp_path / backend
    assert main(["bench", "--profile", "smoke", "--backend", backend, "--out", str(out),
                 "--no-progress"]) == 0  # fmt: skip
    records = _records(out)
    assert {r["config"]["model"] for r in records} == {"cnn_small", "lstm", "dcgan"}
    assert len(records) == 10
    for r in records:
        assert r["status"] == "ok", r.get("error")
        assert r["env"]["backend"] == backend == r["config"]["versions"]["backend"]
        assert r["config"]["versions"][backend]  # the backend's version is hashed
    gan = [r for r in records if r["config"]["model"] == "dcgan"]
    for r in gan:  # the overridden train_step ran: both losses logged, a finite FID
        assert len(r["history"]["d_loss"]) == 1 and len(r["history"]["g_loss"]) == 1
        assert 0 < r["test"]["fid"] < 1000
    readme = (out / "README.md").read_text()
    assert "## dcgan on fashion_mnist" in readme


def test_backends_compared_in_one_report(tmp_path):
    out = tmp_path / "three"
    assert main(["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam",
                 "--regularizers", "none", "--backend", "tensorflow,jax,torch", "--jobs", "2",
                 "--out", str(out), "--no-progress"]) == 0  # fmt: skip
    records = _records(out)
    assert sorted(r["env"]["backend"] for r in records) == ["jax", "tensorflow", "torch"]
    for r in records:  # every worker capped to its share of the cores
        assert r["env"]["threads"] == threads_per_worker(2)
    readme = (out / "README.md").read_text()
    assert "## cnn_small on fashion_mnist (jax)" in readme
    assert "## Backends compared" in readme
    assert "| configuration | tensorflow: metric | tensorflow: samples/s | jax: metric" in readme


def test_unknown_backend_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown backend 'jaxx'. Did you mean 'jax'"):
        expand(load_suite("zoo"), "smoke", {"backend": ["jaxx"]}, versions={"backend": "x"})
