"""`zoo audit` (`zoo.bench.audit`): a seeded sample of a report's trials re-run and compared with
the records."""

import json

import pytest

from zoo.bench.audit import sample
from zoo.bench.campaign import load_records
from zoo.bench.output.record import Labels, TrialRecord
from zoo.bench.plan.trial import trial_of
from zoo.cli import main


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("audited") / "run"
    args = ["bench", "--profile", "smoke", "--models", "cnn_small,lstm", "--optimizers",
            "adam,sgd", "--regularizers", "none", "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    return out


def test_every_record_rebuilds_to_its_trial(folder):
    records, _ = load_records(folder)
    assert len(records) == 4
    assert all(trial_of(r.config, r.config_hash).config_hash == r.config_hash for r in records)


def test_the_sample_is_seeded_and_spread_over_tables(folder):
    records, _ = load_records(folder)
    picked = sample(records, 2, seed=0)
    assert {r.model for r in picked} == {"cnn_small", "lstm"}
    assert [r.config_hash for r in sample(records, 2, seed=0)] == [
        r.config_hash for r in picked]  # fmt: skip


def test_an_untouched_folder_passes(folder, capsys):
    assert main(["audit", str(folder), "--trials", "2", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"audit of {folder}: 2/2 trials reproduced (2 exactly")


def test_an_altered_record_is_caught(folder, tmp_path, capsys):
    import shutil

    copy = tmp_path / "altered"
    shutil.copytree(folder, copy)
    path = sorted((copy / "results").glob("*.json"))[0]
    record = json.loads(path.read_text())
    record["test"]["accuracy"] += 0.05
    path.write_text(json.dumps(record))
    assert main(["audit", str(copy), "--trials", "4", "--no-progress"]) == 1
    out = capsys.readouterr().out
    assert "3/4 trials reproduced" in out
    assert f"({record['config_hash']}): test accuracy" in out


def test_exact_only_on_the_same_kind_of_cpu():
    """Two CPUs sold under one name can run different kernels (AVX-512 or not) and give other
    last bits: a record from another CPU, or one without `cpu_id`, is held to the tolerance."""
    from zoo.bench.audit import _compare
    from zoo.bench.run.provenance import environment

    env = environment()
    assert env["cpu_id"]  # e.g. "AuthenticAMD family 25 model 1: avx avx2 fma"
    old = TrialRecord("h", {}, Labels("adam", "none"), "ok", test={"accuracy": 0.8100}, env=env)
    near = old.replace(test={"accuracy": 0.8105})
    assert _compare(old, near)[0] == "differs"  # same machine: must be equal
    assert _compare(old, old)[0] == "exact"
    other = old.replace(env={**env, "cpu_id": "AuthenticAMD family 25 model 17: avx avx512f"})
    assert _compare(other, near)[0] == "close"
    legacy = old.replace(env={k: v for k, v in env.items() if k != "cpu_id"})
    assert _compare(legacy, near.replace(env={**env, "cpu_id": None}))[0] == "close"
    assert _compare(old, None)[0] == "differs"  # not re-run: no record


def test_audit_runs_trials_on_the_thread_count_that_made_them(monkeypatch):
    """A report made with `--jobs 2` on 2 cores ran each trial on 1 thread: the audit runs 2 at
    a time so that its trials get 1 thread too (and can match exactly)."""
    from zoo.bench.audit import matching_jobs

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    blank = TrialRecord("h", {}, Labels("adam", "none"), "ok")
    one, two = blank.replace(env={"threads": 1}), blank.replace(env={"threads": 2})
    assert matching_jobs([one, one, two]) == 2
    assert matching_jobs([two, two, one]) == 1
    assert matching_jobs([blank]) == 1  # unknown: in this process
    monkeypatch.setattr("os.cpu_count", lambda: 16)
    assert matching_jobs([one]) == 16 and matching_jobs([two]) == 8
