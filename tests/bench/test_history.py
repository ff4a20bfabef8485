"""Time-to-target (`zoo.bench.run.history`): from the history, and in the records."""

from __future__ import annotations

import json
import math

import pytest

from zoo.bench.run.history import time_to_target
from zoo.cli import main
from zoo.specs.tasks import task


def test_time_to_target_from_history():
    hist = {"val_accuracy": [0.5, 0.79, 0.81, 0.9], "epoch_time_s": [3.0, 2.0, 2.0, 2.0]}
    classes = task("classification")
    hit = time_to_target(hist, 0.8, classes)
    assert hit == {"metric": "val_accuracy", "value": 0.8, "epoch": 3, "seconds": 7.0}
    assert time_to_target(hist, 0.95, classes)["epoch"] is None
    nan_first = {"val_accuracy": [math.nan, 0.9], "epoch_time_s": [1, 1]}
    assert time_to_target(nan_first, 0.8, classes)["epoch"] == 2


def test_time_to_target_is_stored_in_records(tmp_path):
    out = tmp_path / "ttt"
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam",
            "--regularizers", "none", "--epochs", "2", "--target", "0.01", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    (record,) = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    assert record["config"]["target"] == 0.01
    assert record["target"]["epoch"] == 1
    assert record["target"]["seconds"] == pytest.approx(record["history"]["epoch_time_s"][0])
