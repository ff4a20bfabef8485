"""Bad input is refused before anything is touched, in process: names, values, damaged files,
unwritable folders, suite typos, missing or damaged data."""

import os
import shutil
from pathlib import Path

import pytest
from helpers import cli as zoo

from zoo.bench.output.record import Labels, TrialRecord
from zoo.bench.output.store import Store

# Four cnn_small trials on 512 real Fashion-MNIST images: a few seconds each.
CNN = ["--profile", "smoke", "--models", "cnn_small", "--no-progress"]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def stored(tmp_path):
    """An output folder holding one finished record (made without training)."""
    out = tmp_path / "stored"
    Store(out).write(TrialRecord("0123456789abcdef", {}, Labels("adam", "none"), "ok"))
    return out


def _refused(run, out: Path, before: dict, message: str):
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert snapshot(out) == before


@pytest.mark.parametrize(
    "args, message",
    [
        (["--models", "cnn_smal"], "Did you mean 'cnn_small'?"),
        (["--optimizers", "adma"], "Did you mean 'adam'?"),
        (["--regularizers", "dropuot"], "Did you mean 'dropout'?"),
        (["--profile", "quik"], "Did you mean 'quick'?"),
        (["--optimizers", "adam:lr=abc"], "lr='abc' is not a number"),
        (["--optimizers", "adam:lr=-0.1"], "learning_rate must be a positive number"),
        (["--regularizers", "dropout:1.5"], "dropout must be a number in [0, 1)"),
        (["--epochs", "-2"], "must be at least 1"),
    ],
)
def test_bad_names_and_values(stored, args, message):
    before = snapshot(stored)
    _refused(zoo("bench", *CNN, *args, "--out", str(stored)), stored, before, message)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("deadbeef00000000.json", '{"schema": 1, "config_ha', "not readable JSON"),
        ("notes.json", '{"hello": "world"}', "not a zoo trial record"),
    ],
)
def test_damaged_or_foreign_file_in_results(stored, name, content, message):
    (stored / "results" / name).write_text(content)
    before = snapshot(stored)
    run = zoo("bench", *CNN, "--out", str(stored))
    _refused(run, stored, before, message)
    assert "Move them out of the folder" in run.stderr
    _refused(zoo("report", str(stored)), stored, before, message)


def test_output_folder_that_cannot_be_written(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = zoo("bench", *CNN, "--out", str(blocker / "out"))
    assert run.returncode == 2 and "cannot write to the output folder" in run.stderr
    assert "Choose a writable --out" in run.stderr and "Traceback" not in run.stderr


def test_suite_file_with_a_typo(stored, tmp_path):
    suite = tmp_path / "typo.toml"
    suite.write_text('[profiles.p]\nepocs = 2\n[[profiles.p.grid]]\nmodels = ["cnn_small"]\n'
                     'optimizers = ["adam"]\nregularizers = ["none"]\n')  # fmt: skip
    before = snapshot(stored)
    run = zoo("bench", "--suite", str(suite), "--profile", "p", "--out", str(stored))
    _refused(run, stored, before, "unknown key 'epocs' (did you mean 'epochs'?)")


@pytest.mark.parametrize("damage", ["missing", "truncated", "wrong hash"])
def test_missing_truncated_or_wrong_hash_data(stored, tmp_path, damage, monkeypatch):
    real = next(Path(os.environ["ZOO_DATA_DIR"]).rglob("train-images-idx3-ubyte.gz")).parent
    data = tmp_path / "data"
    shutil.copytree(real, data)  # the four Fashion-MNIST files, then one damaged
    target = data / "train-images-idx3-ubyte.gz"
    if damage == "missing":
        target.unlink()
        message = "train-images-idx3-ubyte.gz not found"
    elif damage == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
        message = "train-images-idx3-ubyte.gz"
    else:  # a whole file, but not the published one
        shutil.copy(data / "t10k-images-idx3-ubyte.gz", target)
        message = "is not the expected train-images-idx3-ubyte.gz"
    before = snapshot(stored)
    monkeypatch.delenv("ZOO_DATA_DIR")  # only the damaged copy, offline
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    run = zoo("bench", *CNN, "--data-dir", str(data), "--out", str(stored))
    _refused(run, stored, before, message)
