"""`zoo bench --model MODULE:FUNCTION --data FILE.npz`: a user's model on generated data from
the command line (report, leader, resume, TensorBoard), and every bad input an exit 2 with
its message that leaves no output folder."""

from __future__ import annotations

import re
import textwrap

import numpy as np
import pytest
from helpers import cli

BUILDERS = textwrap.dedent("""
    import keras

    def build(input_shape, num_classes):
        return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(8, activation="relu"),
                                 keras.layers.Dense(num_classes, activation="softmax")])

    def compiled(input_shape, num_classes):
        model = build(input_shape, num_classes)
        model.compile(loss="sparse_categorical_crossentropy")
        return model

    def not_a_model(input_shape):
        return {"layers": 2}

    def three_classes(input_shape):
        return build(input_shape, 3)

    def one_unit(input_shape):
        return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(1)])
""")


@pytest.fixture
def folder(tmp_path, monkeypatch):
    """A working folder with the builders' module and a good data file, as a user has."""
    (tmp_path / "own_cli_models.py").write_text(BUILDERS)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200)
    x = (rng.normal(0, 3, (3, 5))[y] + rng.normal(size=(200, 5))).astype("float32")
    np.savez(tmp_path / "blobs.npz", x_train=x[:150], y_train=y[:150], x_test=x[150:],
             y_test=y[150:])  # fmt: skip
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_users_model_and_npz_run_report_and_resume(folder):
    args = ["bench", "--model", "own_cli_models:build", "--data", "blobs.npz", "--optimizers",
            "adam,rmsprop", "--seeds", "2", "--epochs", "1", "--out", "out", "--no-progress",
            "--tensorboard"]  # fmt: skip
    run = cli(*args)
    assert run.returncode == 0, run.stderr
    assert "leader: " in run.stdout and "test accuracy" in run.stdout
    assert "build on blobs" in (folder / "out" / "README.md").read_text()
    assert "ran 4 trials, skipped 0" in run.stderr
    assert list((folder / "out" / "tensorboard").glob("events.out.tfevents.*"))  # HParams
    again = cli(*args)
    assert again.returncode == 0 and "ran 0 trials, skipped 4 already done" in again.stderr
    assert again.stdout.splitlines()[-2] == run.stdout.splitlines()[-2]  # the same leader


def test_dry_run_lists_the_trials_and_makes_nothing(folder):
    run = cli("bench", "--model", "own_cli_models:build", "--data", "blobs.npz", "--dry-run",
              "--optimizers", "adam,sgd", "--regularizers", "none,l2", "--out", "out")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("build adam") == 6 and "12 trials in all" in run.stdout
    assert not (folder / "out").exists()


def _npz(folder, **arrays) -> str:
    np.savez(folder / "bad.npz", **arrays)
    return "bad.npz"


X, Y = np.zeros((20, 5), "float32"), np.arange(20) % 3
BAD = [
    (["--data", "missing.npz"], "missing.npz: no such file"),
    (["--data", lambda f: _npz(f, y_train=Y)], "has no x_train"),
    (["--data", lambda f: _npz(f, x_train=X, y_train=Y[:-2])],
     "x_train has 20 examples and y_train 18"),
    (["--data", lambda f: _npz(f, x_train=np.full((20, 5), np.inf), y_train=Y)], "non-finite"),
    (["--data", lambda f: _npz(f, x_train=X, y_train=Y + 1), "--model",
      "own_cli_models:three_classes"],
     r"holds labels from 1 to 3; for task 'classification' and a model with 3 outputs they "
     r"must be integers 0\.\.2"),
    (["--model", "own_cli_models:compiled"], "returned a compiled model"),
    (["--model", "own_cli_models:not_a_model"], "returned a dict, not a keras.Model"),
    (["--model", "own_cli_models:one_unit"], r"output has shape \(batch, 1\)"),
    (["--model", "own_cli_models:one_unit", "--task", "regresion"],
     "unknown task 'regresion'. Did you mean 'regression'"),
    (["--model", "no_such_module:build"], "cannot import 'no_such_module'"),
    (["--model", "own_cli_models:biuld"], "has no 'biuld' \\(did you mean 'build'\\?\\)"),
    (["--model", "own_cli_models"], "write MODULE:FUNCTION"),
    (["--regularizers", "dropout"], "dropout needs the architecture"),
    (["--jobs", "2"], "--jobs applies to a suite's run"),
    (["--data", None], "--model needs --data too"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m[:28] for _, m in BAD])
def test_bad_input_exits_2_with_its_message_and_makes_nothing(folder, change, message):
    given = {"--model": "own_cli_models:build", "--data": "blobs.npz"}
    flag, value = change[0], change[1]
    given[flag] = value(folder) if callable(value) else value
    args = [a for k, v in given.items() if v is not None for a in (k, v)] + change[2:]
    run = cli("bench", *args, "--out", "out", "--epochs", "1", "--no-progress")
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert re.search(message, run.stderr), run.stderr
    assert not (folder / "out").exists()
