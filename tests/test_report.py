"""Report generation from fixture records (hand-made, with known numbers)."""

import math

import pandas as pd
import pytest

from zoo.bench import Store
from zoo.errors import UsageError
from zoo.report import write_report


def fixture_record(opt, reg, seed, acc, status="ok", model="cnn_small"):
    h = f"{model}-{opt}-{reg}-{seed}"
    hist = {
        "loss": [1.0, 0.5],
        "accuracy": [0.6, 0.8],
        "val_loss": [0.9, 0.6],
        "val_accuracy": [0.55, acc - 0.01],
        "epoch_time_s": [1.0, 0.5],
    }
    return {
        "schema": 1,
        "config_hash": h,
        "status": status,
        "config": {
            "model": model,
            "dataset": "fashion_mnist",
            "seed": seed,
            "epochs": 2,
            "batch_size": 32,
            "train_size": 100,
            "val_size": 10,
            "test_size": 50,
            "optimizer": {"name": opt, "kwargs": {"learning_rate": 0.01}},
        },
        "labels": {"optimizer": opt, "regularizer": reg},
        "history": hist if status == "ok" else {**hist, "loss": [1.0, math.nan]},
        "test": {"accuracy": acc, "loss": 0.5} if status == "ok" else None,
        "diverged_epoch": 2 if status == "diverged" else None,
        "data_sizes": {"train": 100, "val": 10, "test": 50},
        "params": 1234,
        "wall_time_s": 2.0,
        "fit_time_s": 1.5,
        "throughput_samples_per_s": 200.0,
        "peak_memory_mb": 500.0,
        "env": {
            "keras": "3.15",
            "backend": "tensorflow",
            "tensorflow": "2.21",
            "git_commit": "deadbeef" * 5,
            "cpu": "test cpu",
            "cpu_count": 2,
            "gpu": [],
        },
    }


@pytest.fixture
def fixture_dir(tmp_path):
    store = Store(tmp_path)
    for rec in [
        fixture_record("adam", "none", 0, 0.80),
        fixture_record("adam", "none", 1, 0.84),
        fixture_record("adam", "l2", 0, 0.90),
        fixture_record("adam", "l2", 1, 0.92),
        fixture_record("sgd", "none", 0, 0.70),
        fixture_record("sgd", "none", 1, 0.72),
        fixture_record("sgd", "l2", 0, 0.0, status="diverged"),
        fixture_record("sgd", "l2", 1, 0.0, status="diverged"),
    ]:
        store.write(rec)
    return tmp_path


def test_report_files_and_numbers(fixture_dir):
    readme = write_report(fixture_dir)
    text = readme.read_text()
    assert "## cnn_small on fashion_mnist" in text
    # mean ± 95% CI half-width (t with 1 df: 12.706 * std / sqrt(2)), the best cell in bold
    assert "**0.9100 ± 0.1271**" in text
    assert "0.8200 ± 0.2541" in text
    assert "diverged (2/2)" in text
    # Two seeds cannot separate 0.91 from 0.82 (Welch's t = 4.0 on 1.5 df, p = 0.09), but
    # they do separate it from sgd's 0.71 (p = 0.005, 0.01 after Holm's correction).
    tied = (
        "Tied at the top: `adam` + `l2` (0.9100, 2 seeds), `adam` + `none` (0.8200, 2 "
        "seeds): not separated from the leader (Welch, Holm-corrected over 2 comparisons"
    )
    assert tied in text
    assert "## Findings" in text.split("## cnn_small")[0]  # the findings come first
    assert "| `adam` | +0.0900 |" in text  # l2's effect against none under adam
    results = pd.read_csv(fixture_dir / "results.csv")
    assert len(results) == 8 and set(results["status"]) == {"ok", "diverged"}
    summary = pd.read_csv(fixture_dir / "summary.csv")
    row = summary[(summary.optimizer == "adam") & (summary.regularizer == "l2")].iloc[0]
    assert row["test_accuracy_mean"] == pytest.approx(0.91)
    assert row["seeds"] == 2 and row["ok"] == 2
    # canonical optimizer order: sgd before adam
    assert list(summary["optimizer"]) == ["sgd", "sgd", "adam", "adam"]
    for name in ("final_accuracy", "heatmap", "learning_curves"):
        png = fixture_dir / "plots" / f"cnn_small_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert f"(plots/{png.name})" in text


def test_learning_curves_without_validation_use_training_accuracy(tmp_path):
    from zoo.report.plots import learning_curves

    rec = fixture_record("adam", "none", 0, 0.8)
    del rec["history"]["val_accuracy"], rec["history"]["val_loss"]
    fig = learning_curves([rec], "cnn_small", tmp_path / "curves.png")
    assert fig.stat().st_size > 5000
    Store(tmp_path).write(rec)
    assert "cnn_small" in write_report(tmp_path).read_text()


def test_report_keeps_to_the_last_runs_trials(fixture_dir):
    import json

    run = {
        "command": "zoo bench ...",
        "trial_hashes": ["cnn_small-adam-l2-0", "cnn_small-adam-l2-1"],
    }
    (fixture_dir / "run.json").write_text(json.dumps(run))
    notes = []
    write_report(fixture_dir, warn=notes.append)
    assert len(pd.read_csv(fixture_dir / "results.csv")) == 2
    assert notes and "6 record(s)" in notes[0] and "left out of the report" in notes[0]


def test_report_of_empty_or_missing_folder(tmp_path):
    with pytest.raises(UsageError, match="has no results/ folder"):
        write_report(tmp_path)
    (tmp_path / "results").mkdir()
    with pytest.raises(UsageError, match="holds no trial records"):
        write_report(tmp_path)


def test_compare_says_which_cells_reproduce(fixture_dir, tmp_path):
    import json
    import shutil
    import subprocess
    import sys

    from zoo.report.compare import compare

    same = compare(fixture_dir, fixture_dir)
    assert same.verdict() == "reproduced 4/4 cells within tolerance (accuracy ±1.5 pp, FID ±10%)"
    assert same.ok and not same.differ
    other = tmp_path / "other"
    shutil.copytree(fixture_dir, other)
    for path in (other / "results").glob("*.json"):
        record = json.loads(path.read_text())
        if record["labels"] == {"optimizer": "adam", "regularizer": "none"}:
            record["test"]["accuracy"] += 0.02  # mean 0.82 -> 0.84: 2 pp off
            path.write_text(json.dumps(record))
        if record["labels"] == {"optimizer": "sgd", "regularizer": "none"}:
            path.unlink()  # a cell the new run lacks
    result = compare(fixture_dir, other)
    assert result.verdict().startswith("reproduced 2/3 cells")
    assert result.differ == ["cnn_small adam none: test accuracy 0.8200 vs 0.8400 (+2.00 pp)"]
    assert result.only_reference == ["cnn_small sgd none"] and not result.ok
    assert compare(fixture_dir, other, accuracy_tol=0.03).reproduced == 3

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "zoo", "compare", *map(str, args)],
                              capture_output=True, text=True)  # fmt: skip

    run = cli(fixture_dir, other)
    assert run.returncode == 0 and run.stdout.startswith("reproduced 2/3 cells")
    assert "differs: cnn_small adam none" in run.stdout
    assert cli(fixture_dir, other, "--strict").returncode == 1
    assert cli(fixture_dir, fixture_dir, "--strict").returncode == 0
    assert cli(fixture_dir, tmp_path / "missing").returncode == 2


def test_html_report_is_self_contained_and_renders_in_chromium(fixture_dir, tmp_path, browser):
    """index.html: every plot embedded, sortable tables, provenance; headless Chromium (Debian's
    package, `make browser`) loads every image and the page's script runs."""
    from zoo.report.browser import render, screenshot

    write_report(fixture_dir)
    page = fixture_dir / "index.html"
    html = page.read_text()
    # Anchors as GitHub makes them, so the findings' links work in README.md and here.
    assert '<h2 id="cnn_small-on-fashion_mnist">cnn_small on fashion_mnist</h2>' in html
    assert '<a href="#cnn_small-on-fashion_mnist">cnn_small on fashion_mnist</a>:' in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from a network
    assert html.count("data:image/png;base64,") == 3
    assert "<strong>0.9100 ± 0.1271</strong>" in html
    assert "Git commit:" in html and "Hardware:" in html
    # The page alone, copied away from its plots folder, still has every image.
    alone = tmp_path / "alone.html"
    alone.write_text(html)
    info = render(alone)
    assert info["title"] == f"Benchmark report: {fixture_dir.name}"
    assert info["tables"] == 3
    assert info["images"] == 3 and info["images_loaded"] == 3
    png = screenshot(alone, tmp_path / "shot.png", height=800)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10000


def test_committed_quick_report_renders_with_every_image(browser):
    from pathlib import Path

    from zoo.report.browser import render

    quick = Path(__file__).resolve().parents[1] / "reports" / "quick"
    info = render(quick / "index.html")
    assert info["images"] >= 9 and info["images_loaded"] == info["images"]
    assert (quick / "screenshot.png").stat().st_size > 50000


def test_html_tables_sort_by_a_column(fixture_dir, browser):
    """The page's script sorts a table by a clicked column (`#sort=T:C` clicks it on load):
    numbers by value, cells without one (`diverged`) last."""
    import re

    from zoo.report.browser import render

    write_report(fixture_dir)
    page = fixture_dir / "index.html"

    def first_table_rows(fragment: str) -> list[str]:
        dom = render(page, fragment=fragment)["dom"]
        body = re.search(r"<tbody>(.*?)</tbody>", dom, re.S).group(1)
        return re.findall(r"<tr><td><code>([^<]+)</code>", body)

    assert first_table_rows("") == ["sgd", "adam"]  # canonical order
    # Column 2 is `l2`: adam 0.91, sgd diverged -> adam first.
    assert first_table_rows("sort=0:2") == ["adam", "sgd"]
    # Column 1 is `none`: sgd 0.71 < adam 0.82 ascending.
    assert first_table_rows("sort=0:1") == ["sgd", "adam"]


def test_render_tests_skip_without_a_browser_but_fail_under_ci(tmp_path):
    """No Chromium on PATH: the render test is skipped with how to enable it, unless CI=true,
    where a missing browser is a failure (CI must run it)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    test = "tests/test_report.py::test_html_tables_sort_by_a_column"
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)  # the venv's tools, no browser
    root = Path(__file__).resolve().parents[1]

    def run(extra):
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p",
                               "no:cacheprovider", test], cwd=root, env={**env, **extra},
                              capture_output=True, text=True, timeout=600)  # fmt: skip

    skipped = run({})
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout
    assert "no Chromium found" in skipped.stdout and "make browser" in skipped.stdout
    failed = run({"CI": "true"})
    assert failed.returncode == 1 and "1 error" in failed.stdout  # the fixture raises
    assert "no Chromium found" in failed.stdout
