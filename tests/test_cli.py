"""The command line, run as a user would: `python -m zoo ...` in a subprocess."""

import json
import subprocess
import sys

import pandas as pd
import pytest


def zoo(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "zoo", *args], capture_output=True, text=True, cwd=cwd, timeout=900
    )


def test_smoke_bench_end_to_end_on_real_fashion_mnist(tmp_path):
    out = tmp_path / "smoke"
    run = zoo("bench", "--profile", "smoke", "--out", str(out), "--no-progress")
    assert run.returncode == 0, run.stderr
    records = [json.loads(p.read_text()) for p in sorted((out / "results").glob("*.json"))]
    assert len(records) == 8
    assert {r["config"]["model"] for r in records} == {"cnn_small", "lstm"}
    for r in records:
        assert r["status"] == "ok"
        assert r["data_sizes"] == {"train": 512, "val": 256, "test": 512}
        assert len(r["history"]["val_accuracy"]) == 1 and r["params"] > 30000
        assert r["throughput_samples_per_s"] > 0 and r["env"]["backend"] == "tensorflow"
        assert r["env"]["keras"] == r["config"]["versions"]["keras"]
        assert 0.0 <= r["test"]["accuracy"] <= 1.0
    # The report's numbers are the records' numbers.
    results = pd.read_csv(out / "results.csv").set_index("config_hash")
    text = (out / "README.md").read_text()
    for r in records:
        acc = r["test"]["accuracy"]
        assert results.loc[r["config_hash"], "test_accuracy"] == pytest.approx(acc)
        assert f"{acc:.4f} (1 seed)" in text
    best = max(records, key=lambda r: r["test"]["accuracy"])["test"]["accuracy"]
    for model in ("cnn_small", "lstm"):
        ok = [r for r in records if r["config"]["model"] == model]
        best = max(r["test"]["accuracy"] for r in ok)
        assert f"**{best:.4f} (1 seed)**" in text
    assert "## cnn_small on fashion_mnist" in text and "## lstm on imdb" in text
    assert len(list((out / "plots").glob("*.png"))) == 6
    assert json.loads((out / "run.json").read_text())["profile"] == "smoke"

    # Re-running skips every finished trial and leaves the records untouched.
    before = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    again = zoo("bench", "--profile", "smoke", "--out", str(out), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert "8 of 8 trials already done" in again.stderr and "ran 0 trials" in again.stderr
    assert {p.name: p.read_bytes() for p in (out / "results").glob("*.json")} == before


def test_lstm_smoke_bench_on_real_imdb(tmp_path):
    out = tmp_path / "lstm"
    run = zoo("bench", "--models", "lstm", "--optimizers", "adam,rmsprop,sgd",
              "--regularizers", "none,dropout", "--profile", "smoke", "--out", str(out),
              "--no-progress")  # fmt: skip
    assert run.returncode == 0, run.stderr
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 6 and set(results["model"]) == {"lstm"}
    assert set(results["optimizer"]) == {"adam", "rmsprop", "sgd"}
    assert (results["status"] == "ok").all() and results["test_accuracy"].between(0, 1).all()
    # The suite's data options reach the data set and the model: a 5,000-word vocabulary.
    from zoo.models import build

    expected = build("lstm", vocab_size=5000, sequence_length=64).count_params()
    records = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    assert all(r["config"]["data_options"] == {"vocab_size": 5000, "sequence_length": 64}
               for r in records)  # fmt: skip
    assert {r["params"] for r in records} == {expected}
    text = (out / "README.md").read_text()
    assert "## lstm on imdb" in text
    for name in ("final_accuracy", "heatmap", "learning_curves"):
        assert (out / "plots" / f"lstm_{name}.png").is_file()
        assert f"plots/lstm_{name}.png" in text


@pytest.mark.parametrize(
    "args, message",
    [
        (["bench", "--models", "cnn_smal"], "unknown model 'cnn_smal'. Did you mean 'cnn_small'?"),
        (["bench", "--optimizers", "adam,nadan"], "Did you mean 'nadam'?"),
        (["bench", "--optimizers", "adam:lr=abc"], "lr='abc' is not a number"),
        (["bench", "--regularizers", "dropout:1.5"], "dropout must be a number in [0, 1)"),
        (["bench", "--profile", "quik"], "Did you mean 'quick'?"),
        (["bench", "--suite", "zo"], "unknown suite 'zo'. Did you mean 'zoo'?"),
        (["bench", "--epochs", "0"], "must be at least 1"),
        (["report", "/nonexistent/folder"], "has no results/ folder"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path, args, message):
    run = zoo(*args, "--out", str(tmp_path / "o")) if args[0] == "bench" else zoo(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "o" / "results").exists()


def test_list_commands():
    run = zoo("list", "optimizers")
    assert run.returncode == 0
    for name in [
        "sgd",
        "momentum",
        "nesterov",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adam",
        "adamw",
        "nadam",
        "adamax",
        "lion",
    ]:
        assert f"\n{name} " in "\n" + run.stdout
    models = zoo("list", "models").stdout
    assert "cnn_vgg" in models and "bilstm" in models
    assert "l2+dropout+batchnorm" in zoo("list", "regularizers").stdout
    profiles = zoo("list", "profiles").stdout
    assert "smoke" in profiles and "quick" in profiles and "full" in profiles
    assert "zoo" in zoo("list", "suites").stdout
    assert zoo("--help").returncode == 0 and "bench" in zoo("bench", "--help").stdout
