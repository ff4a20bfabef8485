"""Parallel execution (`zoo.bench.run.executors`): `--jobs N` worker processes and `--executor
ray` (a local Ray instance) give the same records as a serial run, with each worker's threads
capped."""

from __future__ import annotations

import concurrent.futures
import json

import pandas as pd
import pytest

from zoo.bench import expand, load_suite
from zoo.bench.run.executors import LocalPool, make_pool, threads_per_worker
from zoo.bench.run.reuse import trial_key
from zoo.cli import main
from zoo.errors import UsageError

ARGS = ["bench", "--profile", "smoke", "--models", "cnn_small,lstm", "--optimizers", "adam",
        "--regularizers", "none,dropout", "--no-progress"]  # fmt: skip


METRICS = ["test_accuracy", "test_loss", "final_train_accuracy", "final_val_accuracy"]


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "run"
    assert main([*ARGS, "--out", str(out)]) == 0
    return out


def _results(out) -> pd.DataFrame:
    return pd.read_csv(out / "results.csv").set_index("config_hash").sort_index()


def _records(out) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]


@pytest.mark.parametrize("extra", [["--jobs", "2"], ["--executor", "ray", "--jobs", "2"]],
                         ids=["jobs2", "ray"])  # fmt: skip
def test_parallel_runs_match_the_serial_run(serial, tmp_path, extra):
    out = tmp_path / "parallel"
    assert main([*ARGS, "--out", str(out), *extra]) == 0
    a, b = _results(serial), _results(out)
    assert list(a.index) == list(b.index) and len(a) == 4
    pd.testing.assert_frame_equal(a[METRICS], b[METRICS])
    assert set(b["status"]) == {"ok"}
    for record in _records(out):
        assert record["env"]["threads"] == threads_per_worker(2)  # capped in the worker
    assert not list((out / "results").glob("*.claim"))
    assert not (out / "checkpoints").exists()
    assert (out / "README.md").is_file()


def test_a_parallel_rerun_skips_finished_trials(serial, capsys):
    assert main([*ARGS, "--out", str(serial), "--jobs", "2"]) == 0
    assert "4 of 4 trials already done" in capsys.readouterr().err


def test_threads_per_worker_share_the_cores():
    import os

    cores = os.cpu_count()
    assert threads_per_worker(1) == cores
    assert threads_per_worker(cores) == 1
    assert threads_per_worker(cores * 4) == 1


@pytest.mark.parametrize(
    "executor, jobs, address, message",
    [
        ("dask", 2, None, "unknown executor 'dask'"),
        ("local", 0, None, "at least 1"),
        ("local", 2, "ray://x:10001", "--address applies to --executor ray"),
    ],
)
def test_bad_executor_settings(executor, jobs, address, message):
    with pytest.raises(UsageError, match=message):
        make_pool(executor, jobs, address)


def test_cli_rejects_an_unknown_executor(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["bench", "--executor", "dask"])
    assert exit_.value.code == 2
    assert "invalid choice: 'dask'" in capsys.readouterr().err


def test_a_local_pool_sends_a_shape_to_the_worker_that_traced_it():
    over = {"models": ["cnn_small"], "optimizers": ["adam", "sgd"], "regularizers": ["none"],
            "seeds": 2}  # fmt: skip
    trials = expand(load_suite("zoo"), "smoke", over)
    adam = [t for t in trials if t.optimizer.name == "adam"]
    sgd = [t for t in trials if t.optimizer.name == "sgd"]
    assert trial_key(adam[0]) == trial_key(adam[1]) != trial_key(sgd[0])  # seeds share a shape
    pool = LocalPool(2)  # no worker process starts before a submit
    try:
        assert pool.pick([sgd[0], adam[0]]) == 0  # nothing traced yet: the queue's order
        pool.shapes = [{trial_key(adam[0])}, {trial_key(sgd[0])}]
        assert pool.pick([sgd[1], adam[1]]) == 1  # worker 0 is free and has traced adam
        pool.running[0] = concurrent.futures.Future()  # worker 0 busy: worker 1 picks sgd
        assert pool.pick([adam[1], sgd[1]]) == 1
        pool.shapes[1] = set()  # worker 1 has traced nothing: a shape no other worker has
        assert pool.pick([adam[1], sgd[1]]) == 1
    finally:
        pool.shutdown()
