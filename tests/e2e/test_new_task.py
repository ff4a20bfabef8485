"""A new task in one place: a toy regression task (its headline MSE, lower is better) is one
`register_task` call; with a data set and a model registered beside it, it runs through
`zoo bench --profile smoke`, tuning, racing and the report like the built-in tasks."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
from helpers import cli

from zoo.data import DATASETS, DatasetInfo
from zoo.models import registry
from zoo.specs import parse_regularizer
from zoo.specs.tasks import TASKS, Task, Tolerance, register_task


def _toy_data(data_dir=None, *, download=True, verify=True):
    """y = x . w + noise: 2,000 training and 600 test rows of 8 features."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2600, 8)).astype("float32")
    y = x @ rng.normal(size=8).astype("float32") + rng.normal(0, 0.1, 2600).astype("float32")
    return x[:2000], y[:2000], x[2000:], y[2000:]


def toy_mlp(input_shape=(8,), num_classes=0, regularizer="none"):
    """A two-layer perceptron with one linear output."""
    reg = parse_regularizer(regularizer)
    penalty = keras.regularizers.L2(reg.l2) if reg.l2 else None
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Dense(16, activation="relu", kernel_regularizer=penalty),
        keras.layers.Dense(1, kernel_regularizer=penalty),
    ])  # fmt: skip


@pytest.fixture
def regression(monkeypatch):
    """The task, its data set and its model, registered for this test only."""
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    monkeypatch.setitem(TASKS, "regression", TASKS.get("regression"))
    register_task(Task(
        "regression", metric="mse", label="test MSE", higher_is_better=False, digits=4,
        loss=lambda reg: ("mse", [keras.metrics.MeanSquaredError(name="mse")]),
        chance=lambda num_classes: {},  # no chance level: only a non-finite loss diverges
        reproduce=Tolerance(relative=0.1), remeasure=Tolerance(relative=0.01),
    ))  # fmt: skip
    monkeypatch.setitem(DATASETS, "toy_regression", DatasetInfo(
        "toy_regression", _toy_data, "array", 0, [], "y = x . w + noise"))  # fmt: skip
    registry.register(family="toy", task="regression", dataset="toy_regression",
                      regularizers=("l2",))(toy_mlp)  # fmt: skip
    return TASKS["regression"]


def test_a_registered_task_runs_through_the_harness_and_the_report(regression, tmp_path):
    out = tmp_path / "toy"
    run = cli("bench", "--profile", "smoke", "--models", "toy_mlp", "--optimizers", "adam,sgd",
              "--regularizers", "none,l2", "--epochs", "3", "--seeds", "2..3",
              "--tune", "lr:8", "--out", str(out), "--no-progress")  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = pd.read_csv(out / "results.csv")
    ok = results[results["status"] == "ok"]
    assert len(ok) >= 8 and ok["test_mse"].notna().all() and ok["test_accuracy"].isna().all()
    assert (ok["final_val_mse"] < 20).all()  # it learned: the targets' variance is about 8
    tuning = json.loads((out / "tuning.json").read_text())
    assert {c["metric"] for c in tuning["cells"]} == {"val_mse"}
    for cell in tuning["cells"]:  # lower is better: the choice is the smallest validation MSE
        scores = {c["lr"]: c["val_mse"] for c in cell["candidates"] if c["val_mse"] is not None}
        assert cell["chosen_lr"] == min(scores, key=scores.get)
        assert cell["trials"] <= 8
    summary = pd.read_csv(out / "summary.csv")
    best = summary.loc[summary["test_mse_mean"].idxmin()]
    readme = (out / "README.md").read_text()
    assert "test MSE" in readme and f"**{best['test_mse_mean']:.4f}" in readme
    assert (out / "plots" / "toy_mlp_learning_curves.png").stat().st_size > 5000
    assert (out / "plots" / "toy_mlp_summary.png").is_file()


def test_the_task_table_is_the_only_place_that_names_a_task():
    """Outside `zoo/specs/tasks.py` no code compares a task's or a headline metric's name
    with a literal: it asks the task's fields (read from the source, nothing imported)."""
    import ast
    from pathlib import Path

    names = set(TASKS) | {t.metric for t in TASKS.values()} | {t.column for t in TASKS.values()}
    names |= {t.validation for t in TASKS.values() if t.validation}
    zoo = Path(__file__).resolve().parents[2] / "zoo"
    found = []
    for path in zoo.rglob("*.py"):
        if path == zoo / "specs" / "tasks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                for n in ast.walk(node):
                    if isinstance(n, ast.Constant) and n.value in names:
                        found.append(f"{path.relative_to(zoo.parent)}:{node.lineno} {n.value!r}")
    assert not found, found
