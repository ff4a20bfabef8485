"""The protocol's invariants, end to end through `zoo bench`: the test split decides nothing.

The same run with the test labels permuted runs exactly the same trials (configs, seeds,
counts, order): tuning, racing and the choice of epoch read validation only.
"""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest

from zoo.cli import main
from zoo.data import DATASETS, DatasetInfo
from zoo.data import datasets as data_module
from zoo.models import registry

PERMUTE = {"test": False}


def _toy_classes(data_dir=None, *, download=True, verify=True):
    """Three classes of 8 features, labels from a fixed linear rule: 1,000 training rows and
    400 test rows; with `PERMUTE["test"]` the test labels are shuffled."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1400, 8)).astype("float32")
    y = np.argmax(x @ rng.normal(size=(8, 3)), axis=1).astype("int32")
    y_test = y[1000:].copy()
    if PERMUTE["test"]:
        y_test = np.random.default_rng(1).permutation(y_test)
    return x[:1000], y[:1000], x[1000:], y_test


def toy_classifier(input_shape=(8,), num_classes=3, regularizer="none"):
    """A small perceptron with a softmax output."""
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])  # fmt: skip


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    info = DatasetInfo("toy_classes", _toy_classes, "array", 3, ["a", "b", "c"], "3 classes")
    monkeypatch.setitem(DATASETS, "toy_classes", info)
    registry.register(family="toy", task="classification", dataset="toy_classes")(toy_classifier)
    yield
    data_module._raw.cache_clear()


def _run(out, permuted: bool):
    PERMUTE["test"] = permuted
    data_module._raw.cache_clear()
    args = ["bench", "--profile", "smoke", "--models", "toy_classifier", "--optimizers",
            "adam,momentum", "--regularizers", "none", "--epochs", "3", "--seeds", "2..4",
            "--train-size", "800", "--val-size", "200", "--test-size", "400",
            "--tune", "lr:8", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    run = json.loads((out / "run.json").read_text())
    tuning = json.loads((out / "tuning.json").read_text())
    racing = json.loads((out / "racing.json").read_text())
    return run, tuning, racing, pd.read_csv(out / "results.csv")


def test_permuted_test_labels_leave_every_decision_unchanged(toy, tmp_path):
    run, tuning, racing, results = _run(tmp_path / "true", permuted=False)
    run_p, tuning_p, racing_p, results_p = _run(tmp_path / "permuted", permuted=True)
    assert run["trial_hashes"] == run_p["trial_hashes"]
    assert run["tuning_hashes"] == run_p["tuning_hashes"]
    assert run["racing_rounds"] == run_p["racing_rounds"]
    for a, b in zip(tuning["cells"], tuning_p["cells"], strict=True):
        assert [c["config_hash"] for c in a["candidates"]] == [
            c["config_hash"] for c in b["candidates"]
        ]  # same points, same order
        assert a["chosen"] == b["chosen"]
    assert racing["tables"][0]["cells"] == racing_p["tables"][0]["cells"]
    readme = (tmp_path / "true" / "README.md").read_text()
    assert "the 5% level of the tests here is nominal (sequential testing)" in readme
    ok = results.set_index("config_hash")
    ok_p = results_p.set_index("config_hash")
    assert (ok["best_epoch"] == ok_p["best_epoch"]).all()  # the tested epoch: validation's
    # ... while the test numbers did change: the test labels were really permuted.
    assert (ok["test_accuracy"] != ok_p["test_accuracy"]).any()
    assert ok["test_accuracy"].mean() > 0.6 > ok_p["test_accuracy"].mean()
