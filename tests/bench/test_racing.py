"""Racing: seeds spent where a table's leader is not yet separated (`zoo.bench.decide.racing`)."""

import json

import pytest

from zoo.bench import Store, expand, load_suite
from zoo.bench.decide.racing import assess, next_round, trial_counts
from zoo.bench.output.record import Labels, TrialRecord
from zoo.bench.run import executors
from zoo.cli import main
from zoo.errors import UsageError


def _trials(optimizers, seeds="2..4"):
    over = {"models": ["cnn_small"], "optimizers": optimizers, "regularizers": ["none"],
            "seeds": seeds}  # fmt: skip
    return expand(load_suite("zoo"), "smoke", over)


def _store(tmp_path, trials, accuracies):
    """Records for `trials` with hand-made validation accuracies at their best epoch:
    {optimizer: [seed0, seed1, ...]}. Their test accuracies run the other way (1 - it):
    racing reads validation only, so the test numbers must not matter."""
    store = Store(tmp_path)
    for t in trials:
        acc = accuracies[t.optimizer.label][t.seed]
        store.write(TrialRecord(t.config_hash, t.config(), Labels(t.optimizer.label, "none"),
                                "ok", history={"val_accuracy": [acc / 2, acc]},
                                test={"accuracy": 1 - acc}))  # fmt: skip
    return store


def _racing_run(out, *extra):
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers",
            "adam,nadam,adamax", "--regularizers", "none", "--seeds", "2..3",
            "--out", str(out), "--no-progress", "--no-report", *extra]  # fmt: skip
    assert main(args) == 0
    return json.loads((out / "run.json").read_text())["trial_hashes"]


def test_seeds_syntax():
    trials = _trials(["adam"], "3..8")
    assert [t.seed for t in trials] == [0, 1, 2] and trials[0].race == (3, 8)
    assert _trials(["adam"], 2)[0].race is None  # a plain count keeps its meaning
    assert trial_counts(_trials(["adam", "sgd"], "3..8")) == (6, 16)
    for bad in ("1..4", "5..3", "3-8", "a..b"):
        with pytest.raises(UsageError, match="seeds"):
            _trials(["adam"], bad)


def test_a_separated_cell_stops_and_contenders_get_a_seed(tmp_path):
    trials = _trials(["adam", "sgd", "nadam"])
    store = _store(tmp_path, trials, {
        "adam": [0.90, 0.91], "sgd": [0.50, 0.51], "nadam": [0.905, 0.89]})  # fmt: skip
    extra = next_round(trials, store)
    # sgd is separated from the leader (p = 0.0003, x2 after Holm); nadam is not: the leader
    # and nadam get a third seed, sgd none.
    assert sorted((t.optimizer.label, t.seed) for t in extra) == [("adam", 2), ("nadam", 2)]
    states = {c["label"]: c["state"] for c in next(iter(assess(trials, store).values()))["cells"]
              .values()}  # fmt: skip
    assert states == {"cnn_small adam none": "leader", "cnn_small sgd none": "separated",
                      "cnn_small nadam none": "racing"}  # fmt: skip


def test_racing_stops_at_max_and_says_tied(tmp_path):
    trials = _trials(["adam", "nadam"])
    acc = {"adam": [0.90, 0.91, 0.90, 0.91], "nadam": [0.91, 0.90, 0.905, 0.905]}
    store = _store(tmp_path, trials, acc)
    rounds = 0
    while batch := next_round(trials, store):
        trials += batch
        _store(tmp_path, batch, acc)
        rounds += 1
    assert rounds == 2 and len(trials) == 8  # 2 seeds each, then 3, then 4 = MAX
    states = [c["state"] for c in next(iter(assess(trials, store).values()))["cells"].values()]
    assert sorted(states) == ["leader", "not separated at 4"]


def test_holm_keeps_a_lone_small_p_from_separating_among_many(tmp_path):
    """Each of four contenders alone would be 'separated' at p < 0.05 (paired on the three
    seeds they share with the leader), but corrected over the table's four comparisons none
    is: all race on."""
    names = ["adam", "nadam", "adamax", "rmsprop", "adamw"]
    acc = {"adam": [0.900, 0.905, 0.910],
           **{n: [0.880, 0.893, 0.890] for n in names[1:]}}  # fmt: skip
    from zoo.metrics.stats import difference

    raw = difference(dict(enumerate(acc["adam"])), dict(enumerate(acc["nadam"])))
    assert raw.test == "paired" and 0.0125 < raw.p < 0.05
    trials = _trials(names, "3..5")
    store = _store(tmp_path, trials, acc)
    extra = next_round(trials, store)
    assert len(extra) == 5  # the leader and all four contenders


def test_serial_parallel_and_resumed_runs_race_the_same_trials(tmp_path, monkeypatch):
    serial = _racing_run(tmp_path / "serial")
    assert 6 <= len(serial) <= 9
    racing = json.loads((tmp_path / "serial" / "racing.json").read_text())
    assert {c["state"] for t in racing["tables"] for c in t["cells"].values()} <= {
        "leader", "separated", "not separated at 3"}  # fmt: skip
    started = []  # worker pools: one for the whole campaign, its rounds included
    real = executors.make_pool

    def counting(*args, **kwargs):
        if not kwargs.get("check_only"):
            started.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(executors, "make_pool", counting)
    assert _racing_run(tmp_path / "jobs", "--jobs", "2") == serial
    assert len(started) == 1 and racing["rounds"] >= 1
    # Resumed: a first run stopped after the first seeds, then the racing run goes on.
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers",
            "adam,nadam,adamax", "--regularizers", "none", "--seeds", "2",
            "--out", str(tmp_path / "resumed"), "--no-progress", "--no-report"]  # fmt: skip
    assert main(args) == 0
    assert _racing_run(tmp_path / "resumed") == serial


def test_dry_run_states_the_minimum_and_maximum(capsys):
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,sgd",
            "--regularizers", "none", "--seeds", "3..6", "--dry-run"]  # fmt: skip
    assert main(args) == 0
    assert "racing: between 6 and 12 trials in all" in capsys.readouterr().out
    assert main([*args, "--tune", "lr:10"]) == 0
    out = capsys.readouterr().out
    # A tuned cell: at least 7 candidates (start, refine twice), at most the cap; then its
    # own 3..6 seeds: 2 x (7 + 3) .. 2 x (10 + 6).
    assert "tuning lr:10: 2 cells, 7 to 10 candidates each" in out
    assert "racing: between 20 and 32 trials in all" in out
