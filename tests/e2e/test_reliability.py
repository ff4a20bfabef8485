"""Reliability, through the CLI in subprocesses: kill -9 and resume, Ctrl-C, divergence as a
result, two processes on one folder."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from zoo.bench.output.store import Store

# Four cnn_small trials on 512 real Fashion-MNIST images: a few seconds each.
CNN = ["--profile", "smoke", "--models", "cnn_small", "--no-progress"]


METRICS = ["config_hash", "status", "test_accuracy", "test_loss", "final_train_accuracy",
           "final_val_accuracy"]  # fmt: skip


def zoo_cmd(*args):
    return [sys.executable, "-m", "zoo", *args]


def zoo(*args, env=None):
    return subprocess.run(zoo_cmd(*args), capture_output=True, text=True, timeout=900, env=env)


def _default_sigint():
    # A child of a background job inherits an ignored SIGINT, and Python then never raises
    # KeyboardInterrupt; give the child the default, as a terminal would.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def start(*args):
    return subprocess.Popen(zoo_cmd(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, preexec_fn=_default_sigint)  # fmt: skip


def wait_for(predicate, proc, timeout=600):
    t0 = time.time()
    while not predicate():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.time() - t0 < timeout, "timed out"
        time.sleep(0.05)


def records(out: Path) -> list[Path]:
    """Stored records (not a `.tmp-*.json` of a write in flight, which pathlib's * matches)."""
    return sorted(p for p in (out / "results").glob("*.json") if not p.name.startswith("."))


def table_lines(readme: Path) -> list[str]:
    return [line for line in readme.read_text().splitlines() if line.startswith("|")]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    out = tmp_path_factory.mktemp("whole") / "run"
    run = zoo("bench", *CNN, "--out", str(out))
    assert run.returncode == 0, run.stderr
    return out


def test_sigkill_then_resume_gives_the_same_records_and_report(tmp_path, uninterrupted):
    out = tmp_path / "killed"
    proc = start("bench", *CNN, "--out", str(out))
    wait_for(lambda: len(records(out)) >= 1, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = records(out)
    assert 1 <= len(done) < 4  # killed mid-suite
    for path in done:  # every stored record is whole
        assert json.loads(path.read_text())["status"] == "ok"
    # A kill may cut an atomic write (a record's or a claim's) short: what it leaves is a
    # `.tmp-*` file, never a file under a record's name; the resume below ignores it.
    assert all(p.name.startswith(".tmp-") or p.suffix in (".json", ".claim", ".png", ".lock")
               for p in (out / "results").iterdir())  # fmt: skip
    kept = {p.name: p.read_bytes() for p in done}

    again = zoo("bench", *CNN, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert f"{len(done)} of 4 trials already done" in again.stderr
    assert {p.name: p.read_bytes() for p in done} == kept  # finished records untouched
    assert len(records(out)) == 4 and not (out / "checkpoints").exists()
    # No claim left (a `.tmp-*.claim` cut short by the kill is litter the store never reads).
    assert not [p for p in (out / "results").glob("*.claim") if not p.name.startswith(".tmp-")]
    # Same metrics as the uninterrupted run (determinism), hence the same tables.
    a = pd.read_csv(uninterrupted / "results.csv")[METRICS].sort_values("config_hash")
    b = pd.read_csv(out / "results.csv")[METRICS].sort_values("config_hash")
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    assert table_lines(out / "README.md") == table_lines(uninterrupted / "README.md")


def test_checkpoints_left_by_a_kill_after_the_record_are_dropped(tmp_path, uninterrupted):
    # A kill between storing a record and removing its checkpoints leaves them behind.
    out = tmp_path / "run"
    shutil.copytree(uninterrupted, out)
    done = records(out)[0].stem
    (out / "checkpoints" / done / "backup").mkdir(parents=True)
    again = zoo("bench", *CNN, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "4 of 4 trials already done" in again.stderr
    assert not (out / "checkpoints").exists()


def test_a_killed_multi_epoch_trial_resumes_from_its_last_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CHECKPOINT_EVERY", "0")  # a backup after every (1-second) epoch
    out = tmp_path / "epochs"
    args = ["bench", *CNN, "--optimizers", "adam", "--regularizers", "none", "--epochs", "3",
            "--out", str(out)]  # fmt: skip
    proc = start(*args)
    # Kill once the first epoch's checkpoint (weights, optimizer state, history) is written.
    wait_for(lambda: list((out / "checkpoints").glob("*/backup/training_metadata.json")), proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not records(out)
    again = zoo(*args)
    assert again.returncode == 0, again.stderr
    assert "resumed from its checkpoint after epoch" in again.stderr
    (record,) = [json.loads(p.read_text()) for p in records(out)]
    assert record["status"] == "ok" and record["resumed_from_epoch"] >= 1
    assert record["epochs_run"] == 3 and len(record["history"]["val_accuracy"]) == 3
    assert not (out / "checkpoints").exists()


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    out = tmp_path / "interrupted"
    # Enough work (24 trials of 3 epochs) that the run is still going when Ctrl-C comes.
    proc = start("bench", *CNN, "--seeds", "6", "--epochs", "3", "--out", str(out))
    wait_for(lambda: len(records(out)) >= 1, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130
    assert "run the same command again to resume" in err and "Traceback" not in err
    # Claims are released, wherever the interrupt came (a `.tmp-*` is an atomic write's own).
    assert not [p for p in (out / "results").glob("*.claim") if not p.name.startswith(".")]


def test_divergence_is_a_result_and_the_report_says_so(tmp_path):
    out = tmp_path / "diverge"
    run = zoo("bench", *CNN, "--optimizers", "sgd:lr=1e10,sgd:lr=1000,adam", "--regularizers",
              "none", "--out", str(out))  # fmt: skip
    assert run.returncode == 0, run.stderr
    by_opt = {json.loads(p.read_text())["labels"]["optimizer"]: json.loads(p.read_text())
              for p in records(out)}  # fmt: skip
    assert by_opt["sgd:lr=1e+10"]["status"] == "diverged"
    assert by_opt["sgd:lr=1e+10"]["diverged_epoch"] == 1
    # A loss that explodes without becoming NaN is divergence too (> 100 x chance level).
    blown = by_opt["sgd:lr=1000"]
    assert blown["status"] == "diverged" and blown["diverged_epoch"] == 1
    assert "x a chance-level predictor's" in blown["diverged_because"]
    assert by_opt["adam"]["status"] == "ok"
    assert "| `sgd:lr=1e+10` | diverged (1/1) |" in (out / "README.md").read_text()


def test_two_processes_on_one_folder_run_each_trial_once(tmp_path):
    out = tmp_path / "shared"
    procs = [start("bench", *CNN, "--out", str(out)) for _ in range(2)]
    errs = [p.communicate(timeout=900)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    ran = [int(e.split("ran ")[1].split(" trials")[0]) for e in errs]
    assert sum(ran) == 4  # each trial trained by exactly one of them
    assert len(records(out)) == 4
    assert {json.loads(p.read_text())["status"] for p in records(out)} == {"ok"}
    assert not list((out / "results").glob("*.claim"))
    assert not list((out / "results").glob(".tmp-*"))


def test_a_stale_claim_from_a_dead_process_is_taken_over(tmp_path):
    store = Store(tmp_path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    store.results.mkdir(parents=True)
    store.claim_path("h1").write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename}))
    assert store.claimant("h1") is None and store.claim("h1")
    assert store.claimant("h1")["pid"] == os.getpid()
    other = Store(tmp_path)
    assert not other.claim("h1")  # held by a live process (this one)
    store.release("h1")
    assert not store.claim_path("h1").exists()
