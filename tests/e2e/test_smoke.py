"""The command line as a user runs it: `python -m zoo bench` in a subprocess on the real data."""

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
    assert len(records) == 10
    assert {r["config"]["model"] for r in records} == {"cnn_small", "lstm", "dcgan"}
    gans = [r for r in records if r["config"]["model"] == "dcgan"]
    records = [r for r in records if r["config"]["model"] != "dcgan"]
    assert all(r["status"] == "ok" and r["test"]["fid"] > 0 for r in gans)
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
        # The best cell in bold (marked at chance where one epoch of 512 examples is not
        # better than 1/classes beyond the test split's noise).
        assert f"**{best:.4f} (1 seed)**" in text or f"**{best:.4f} (1 seed) (at chance)**" in text
    assert "## cnn_small on fashion_mnist" in text and "## lstm on imdb" in text
    assert "## dcgan on fashion_mnist" in text
    assert len(list((out / "plots").glob("*.png"))) == 10  # 3 + 3 + 4 (GAN: losses, samples)
    assert json.loads((out / "run.json").read_text())["profile"] == "smoke"

    # Re-running skips every finished trial and leaves the records untouched.
    before = {p.name: p.read_bytes() for p in (out / "results").glob("*.json")}
    again = zoo("bench", "--profile", "smoke", "--out", str(out), "--no-progress")
    assert again.returncode == 0, again.stderr
    assert "10 of 10 trials already done" in again.stderr and "ran 0 trials" in again.stderr
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
    for name in ("summary", "heatmap", "learning_curves"):
        assert (out / "plots" / f"lstm_{name}.png").is_file()
        assert f"plots/lstm_{name}.png" in text


def test_dcgan_smoke_bench_has_fid_coverage_losses_and_sample_grids(tmp_path):
    out = tmp_path / "gan"
    run = zoo("bench", "--models", "dcgan", "--optimizers", "adam,rmsprop,sgd",
              "--regularizers", "none,spectral_norm", "--profile", "smoke", "--out", str(out),
              "--no-progress")  # fmt: skip
    assert run.returncode == 0, run.stderr
    records = [json.loads(p.read_text()) for p in (out / "results").glob("*.json")]
    assert len(records) == 6 and all(r["status"] == "ok" for r in records)
    for r in records:
        assert r["task"] == "generation" and set(r["history"]) >= {"d_loss", "g_loss"}
        assert r["fid"]["n_generated"] == 512 and r["fid"]["n_real"] == 512
        assert r["test"]["fid"] == pytest.approx(r["fid"]["value"]) and r["test"]["fid"] > 0
        assert 1 <= r["coverage"]["classes_covered"] <= 10
        png = out / "results" / r["files"]["samples.png"]
        assert png.read_bytes().startswith(b"\x89PNG")
    results = pd.read_csv(out / "results.csv")
    text = (out / "README.md").read_text()
    assert "## dcgan on fashion_mnist" in text and "**FID** (lower is better)" in text
    best = results.loc[results["fid"].idxmin()]
    assert f"**{best['fid']:.1f} (1 seed)" in text  # the lowest FID is the bold cell
    for name in ("summary", "heatmap", "losses", "samples"):
        assert f"plots/dcgan_{name}.png" in text and (out / "plots" / f"dcgan_{name}.png").is_file()
    assert "FID" in run.stderr and "classes" in run.stderr  # the per-trial result lines
    # Each trial scores its generator before training too: the scale FIDs are judged on. The
    # initial weights depend on the seed and the regularizer, not on the optimizer.
    untrained = {}
    for r in records:
        assert r["fid"]["untrained"] > 0
        untrained.setdefault(r["labels"]["regularizer"], set()).add(r["fid"]["untrained"])
    assert all(len(v) == 1 for v in untrained.values()), untrained
    assert any(r["fid"]["value"] < r["fid"]["untrained"] for r in records)  # some trial learned
    ratio = best["fid"] / best["fid_untrained"]  # the best cell (1 seed) against its own start
    assert f"{best['fid']:.1f} trained: {ratio:.3f} of that." in text
