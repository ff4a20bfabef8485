"""What `zoo bench` says around a run: the dry run's count (once), estimate and output folder;
a bare `zoo bench` says what it runs and how long before it starts; a run ends with both
report paths; messages name the command line's options, not Python's arguments."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from helpers import cli as zoo

SMALL = ["--models", "cnn_small", "--optimizers", "adam", "--regularizers", "none",
         "--seeds", "1", "--epochs", "1", "--train-size", "256", "--val-size", "64",
         "--test-size", "256", "--tune", "off", "--no-progress"]  # fmt: skip


def test_dry_run_prints_the_count_once_an_estimate_and_the_folder(tmp_path):
    out = tmp_path / "out"
    run = zoo("bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers",
              "adam,sgd", "--out", str(out), "--dry-run")  # fmt: skip
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert len(lines) == 4 + 3  # the trials, then the summary
    assert lines[4:] == [
        "4 trials in all",
        "estimated time: about 20 s with --jobs 1 at the speed of the reference's 2-core CPU",
        f"output folder: {out} (README.md and index.html there)",
    ]
    assert not out.exists()


def test_dry_run_of_a_tuned_raced_profile_says_what_is_listed():
    out = zoo("bench", "--profile", "quick", "--jobs", "2", "--dry-run").stdout
    assert "48 trials listed: each cell's first seeds\n" in out
    assert "racing: between 170 and 412 trials in all" in out
    assert "estimated time: about 8 to 18 min with --jobs 2" in out
    assert "output folder: runs/zoo-quick (README.md and index.html there)" in out


def test_a_bare_bench_says_what_it_runs_and_ends_with_both_report_paths(tmp_path):
    out = tmp_path / "run"
    run = zoo("bench", *SMALL, "--out", str(out))  # no --profile: the quick profile's grids
    assert run.returncode == 0, run.stderr
    first = run.stderr.splitlines()[0]
    assert first.startswith("zoo bench: no --profile given, so the quick profile runs (about")
    assert "zoo bench --profile smoke" in first and "resumes" in first
    assert "1 trial, about" in run.stderr
    assert run.stderr.rstrip().endswith(
        f"report: {out / 'README.md'}\n        {out / 'index.html'} (open it in a browser)"
    )
    assert (out / "README.md").is_file() and (out / "index.html").is_file()
    assert "resuming" not in run.stderr  # a new folder
    # The same command again resumes: the dry run and the run say what they reuse.
    resumed = f"resuming: {out} holds 1 finished trial record, 1 of the 1 listed trial among them"
    again = zoo("bench", *SMALL, "--out", str(out), "--dry-run")
    assert again.returncode == 0 and again.stdout.splitlines()[-1].startswith(resumed)
    again = zoo("bench", *SMALL, "--out", str(out))
    assert again.returncode == 0 and resumed in again.stderr
    assert "ran 0 trials" in again.stderr and "skipped 1 already done" in again.stderr


def test_messages_name_the_command_lines_options(tmp_path, monkeypatch):
    run = zoo("bench", "--profile", "smoke", "--models", "cnn_small", "--train-size",
              "10000000", "--out", str(tmp_path / "out"))  # fmt: skip
    assert "--train-size 10000000 is not possible" in run.stderr
    assert "--val-size 256 of them are held out" in run.stderr
    data = tmp_path / "data"  # Fashion-MNIST less one file, offline
    real = next(Path(os.environ["ZOO_DATA_DIR"]).rglob("train-images-idx3-ubyte.gz")).parent
    shutil.copytree(real, data)
    (data / "train-images-idx3-ubyte.gz").unlink()
    monkeypatch.delenv("ZOO_DATA_DIR")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    run = zoo("bench", "--profile", "smoke", "--models", "cnn_small", "--data-dir", str(data),
              "--out", str(tmp_path / "out"))  # fmt: skip
    assert run.returncode == 2 and "train-images-idx3-ubyte.gz not found" in run.stderr
    assert "(or --data-dir)" in run.stderr and "data_dir=" not in run.stderr
