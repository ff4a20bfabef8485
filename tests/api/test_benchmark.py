"""Benchmark your own model from Python (`zoo.api.benchmark`): a user's Keras model on
generated data runs through the harness and the report, names a leader, resumes without
training, reads tf.data and regression targets, and refuses bad input before making anything."""

from __future__ import annotations

import json

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from zoo.api import Benchmark, BenchmarkResult, benchmark
from zoo.errors import UsageError
from zoo.models import model_info
from zoo.models.registry import model_names
from zoo.report import write_report


def mlp(input_shape, num_classes):
    """A small softmax classifier."""
    return keras.Sequential([
        keras.Input(input_shape),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(num_classes, activation="softmax"),
    ])  # fmt: skip


def blobs(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian blobs in 6 dimensions: learnable in an epoch or two."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centers = rng.normal(0, 3, (3, 6))
    return (centers[y] + rng.normal(size=(n, 6))).astype("float32"), y


def test_a_users_model_runs_through_the_harness_names_a_leader_and_resumes(tmp_path, capsys):
    x, y = blobs()
    out = tmp_path / "mine"
    kwargs = {"optimizers": ["adam", "sgd:lr=0.001"], "seeds": 2, "epochs": 2,
              "directory": out, "validation_split": 0.25}  # fmt: skip
    result = benchmark(mlp, x, y, **kwargs)
    assert isinstance(result, BenchmarkResult) and result.ran == 4 and result.skipped == 0
    cells = result.cells
    assert list(cells["cell"]) == [result.leader, *[c for c in cells["cell"] if c != result.leader]]
    assert set(cells["cell"]) == {"adam + none", "sgd:lr=0.001 + none"}
    assert (cells["seeds"] == 2).all() and cells["ci95"].notna().all()
    assert (cells["low"] <= cells["mean"]).all() and (cells["mean"] <= cells["high"]).all()
    assert result.leader in result.group and cells["leader"].sum() == 1
    # The numbers are the report's: its results.csv, cell by cell.
    results = pd.read_csv(out / "results.csv")
    for _, c in cells.iterrows():
        rows = results[(results["optimizer"] == c["optimizer"]) & (results["status"] == "ok")]
        assert c["mean"] == pytest.approx(rows["test_accuracy"].mean())
    assert result.report == out / "README.md" and "mlp on data" in result.report.read_text()
    config = json.loads(next((out / "results").glob("*.json")).read_text())["config"]
    assert config["model_options"]["builder"].endswith(":mlp")
    assert len(config["dataset_version"]) == 16  # the arrays' fingerprint
    assert "leader: " in str(result) and f"report: {out / 'README.md'}" in str(result)
    assert f"{out / 'index.html'} (open it in a browser)" in str(result)
    assert "mlp" not in model_names()  # registered for the call only
    # `zoo report DIR` later, with the builder and data set no longer registered.
    assert "mlp on data" in write_report(out).read_text()
    capsys.readouterr()
    again = benchmark(mlp, x, y, **kwargs, progress=False)
    assert again.ran == 0 and again.skipped == 4 and again.leader == result.leader
    assert "4 of 4 trials already done" in capsys.readouterr().err
    # Other data: other trials, never the stored ones.
    changed = Benchmark(mlp, optimizers=["adam"], seeds=2, directory=out)
    plan = changed.plan(x[:-1], y[:-1], validation_split=0.25, epochs=2)
    stored = {p.stem for p in (out / "results").glob("*.json")}
    assert not {t.config_hash for t in plan.trials} & stored


def test_tf_data_regression_and_given_validation_and_test(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 4)).astype("float32")
    y = x @ np.array([1.0, -2.0, 0.5, 0.0], "float32")

    def linear():
        return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)])

    train = tf.data.Dataset.from_tensor_slices((x[:120], y[:120])).batch(16)
    result = benchmark(linear, train, task="regression", validation_data=(x[120:160], y[120:160]),
                       test_data=(x[160:], y[160:]), optimizers=["adam:lr=0.05"], seeds=1,
                       epochs=2, directory=tmp_path / "reg", progress=False,
                       tensorboard=True)  # fmt: skip
    assert result.task.name == "regression" and result.leader == "adam:lr=0.05 + none"
    row = pd.read_csv(tmp_path / "reg" / "results.csv").iloc[0]
    assert row["test_size"] == 40 and row["train_size"] == 120 and np.isfinite(row["test_mse"])
    # --tensorboard: Keras's curves and the HParams table, read with TensorBoard's reader.
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import metadata

    root = tmp_path / "reg" / "tensorboard"
    acc = EventAccumulator(str(root))
    acc.Reload()
    experiment = metadata.parse_experiment_plugin_data(
        acc.PluginTagToContent(metadata.PLUGIN_NAME)[metadata.EXPERIMENT_TAG]
    )
    assert {m.name.tag for m in experiment.metric_infos} == {"test_mse", "best_val_mse",
                                                             "wall_time_s"}  # fmt: skip
    trial = root / row["config_hash"]
    assert (trial / "train").is_dir() and (trial / "validation").is_dir()


def test_tuning_and_racing_run_for_a_users_model(tmp_path):
    x, y = blobs(160, seed=2)
    result = benchmark(mlp, x, y, optimizers=["adam", "sgd"], tune="lr:6", seeds="2..3",
                       epochs=1, directory=tmp_path / "tuned", progress=False)  # fmt: skip
    tuning = json.loads((tmp_path / "tuned" / "tuning.json").read_text())
    assert len(tuning["cells"]) == 2 and all(c["trials"] <= 6 for c in tuning["cells"])
    chosen = {c["chosen_lr"] for c in tuning["cells"]}
    assert set(result.cells["learning_rate"]) == chosen  # the table ran at the tuned rates
    racing = json.loads((tmp_path / "tuned" / "racing.json").read_text())
    assert racing["rounds"] is not None and result.cells["seeds"].between(2, 3).all()


def _compiled(input_shape, num_classes):
    model = mlp(input_shape, num_classes)
    model.compile(loss="sparse_categorical_crossentropy")
    return model


X, Y = blobs(60)
BAD = [
    ({"build_model": _compiled}, "returned a compiled model"),
    ({"build_model": lambda: [1, 2]}, r"returned a list, not a keras.Model"),
    ({"build_model": lambda: keras.Sequential([keras.Input((6,)), keras.layers.Dense(1)])},
     r"output has shape \(batch, 1\); task 'classification' needs \(batch, K\)"),
    ({"build_model": lambda: keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])},
     "not probabilities"),
    ({"build_model": lambda: mlp((5,), 3)}, "cannot take the data"),
    ({"build_model": lambda: mlp((6,), 2)}, r"y_train holds labels from 0 to 2.*integers 0\.\.1"),
    ({"build_model": lambda: mlp((6,), 3), "task": "regression"},
     r"y_train has shape \(48,\) and the model's output \('batch', 3\)"),
    ({"y": Y[:-1]}, "x_train has 60 examples and y_train 59"),
    ({"x": np.where(np.arange(360).reshape(60, 6) == 7, np.nan, X)}, "non-finite"),
    ({"regularizers": ["l2", "dropout"]}, "dropout needs the architecture"),
    ({"optimizers": ["adma"]}, "Did you mean 'adam'"),
    ({"x": "no_such_set"}, "unknown dataset 'no_such_set'.*Or give the path of an .npz file"),
    ({"validation_split": 1.5}, r"validation_split must be a share in \(0, 1\)"),
    ({"task": "generation"}, "takes zoo's own models only"),
    ({"name": "cnn_small"}, "taken by one of zoo's models"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), BAD, ids=[m[:30] for _, m in BAD])
def test_bad_input_is_a_usage_error_that_creates_nothing(tmp_path, changes, message):
    args = {"build_model": mlp, "x": X, "y": Y, "directory": tmp_path / "out", "epochs": 1,
            "seeds": 1, "optimizers": ["adam"], **changes}  # fmt: skip
    with pytest.raises(UsageError, match=message):
        benchmark(args.pop("build_model"), args.pop("x"), args.pop("y"), **args)
    assert not (tmp_path / "out").exists()
    with pytest.raises(UsageError):
        model_info("mlp")  # nothing left registered


def test_regularizers_that_apply_to_any_model_do(tmp_path):
    images = np.random.default_rng(0).random((40, 8, 8, 1)).astype("float32")

    def cnn(input_shape, num_classes):
        return keras.Sequential([
            keras.Input(input_shape), keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
            keras.layers.Dense(num_classes, activation="softmax"),
        ])  # fmt: skip

    regs = ["l1l2", "label_smoothing", "augment+mixup", "cutmix"]
    bench = Benchmark(
        cnn, optimizers=["adam"], seeds=1, directory=tmp_path / "x", regularizers=regs
    )
    plan = bench.plan(images, np.arange(40) % 2, epochs=1)
    assert {t.regularizer.label for t in plan.trials} == {
        "l1l2", "label_smoothing", "augment+mixup", "cutmix"}  # fmt: skip
    trained = Benchmark(
        cnn,
        optimizers=["adam"],
        seeds=1,
        directory=tmp_path / "z",
        regularizers=["l1l2", "augment+mixup"],
        progress=False,
        report=False,
    )
    result = trained.search(images, np.arange(40) % 2, epochs=1, batch_size=8)
    assert result.ran == 2 and result.cells["mean"].notna().all()  # both trained and scored
    with pytest.raises(UsageError, match="mixup does not apply to this task or data"):
        Benchmark(mlp, regularizers=["mixup"], directory=tmp_path / "y").plan(X, Y)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
    assert (tmp_path / "z" / "results").is_dir() and not (tmp_path / "z" / "README.md").exists()
