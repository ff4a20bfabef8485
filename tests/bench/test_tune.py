"""The tuning budget (`zoo.bench.decide.tune`): the same learning rates for every optimizer,
chosen on validation."""

from __future__ import annotations

import json

import pytest

from zoo.bench import Store, expand, load_suite
from zoo.bench.decide.tune import choose, lr_grid, parse_budget, with_lr
from zoo.bench.output.record import Labels, TrialRecord
from zoo.cli import main
from zoo.errors import UsageError
from zoo.specs.tasks import task

CLASSES = task("classification")


def _record(val: list[float], test: float, status: str = "ok") -> TrialRecord:
    return TrialRecord("h", {}, Labels("adam", "none"), status, history={"val_accuracy": val},
                       test={"accuracy": test})  # fmt: skip


def test_lr_grid_is_log_spaced_around_the_default():
    assert lr_grid(0.001, 3) == [0.000316, 0.001, 0.00316]
    assert lr_grid(0.01, 5) == [0.001, 0.00316, 0.01, 0.0316, 0.1]
    assert lr_grid(1.0, 1) == [1.0]
    assert len(lr_grid(0.002, 2)) == 2 and 0.002 not in lr_grid(0.002, 2)


@pytest.mark.parametrize("bad", ["lr:0", "lr:10", "lr", "lr:x", "momentum:3", "3"])
def test_bad_budgets_are_usage_errors(bad):
    with pytest.raises(UsageError, match="lr:K"):
        parse_budget(bad)


def test_choice_uses_validation_only():
    lrs = [0.0001, 0.001, 0.01]
    # Best on test: 0.0001 (0.99); best final validation accuracy: 0.01. Validation wins.
    records = [_record([0.5, 0.6], 0.99), _record([0.6, 0.7], 0.5), _record([0.7, 0.8], 0.1)]
    assert choose(lrs, 0.001, records, CLASSES) == 0.01
    # The final epoch counts, not the best one; a diverged or missing candidate never wins.
    records = [_record([0.9, 0.5], 0.9), _record([0.6, 0.7], 0.5), _record([], 0.0, "diverged")]
    assert choose(lrs, 0.001, records, CLASSES) == 0.001
    assert choose(lrs, 0.001, [None, _record([0.4], 0.4), None], CLASSES) == 0.001
    # A tie goes to the rate nearest the default.
    ties = [_record([0.7], 0.1), _record([0.7], 0.2), _record([0.7], 0.3)]
    assert choose(lrs, 0.001, ties, CLASSES) == 0.001


def test_default_rate_candidate_is_the_grid_trial():
    (trial,) = expand(load_suite("zoo"), "smoke", {"models": ["cnn_small"],
                      "optimizers": ["adam"], "regularizers": ["none"]})  # fmt: skip
    assert with_lr(trial, 0.001).config_hash == trial.config_hash
    other = with_lr(trial, 0.00316, seed=3)
    assert other.optimizer.label == "adam:lr=0.00316" and other.seed == 3


def test_tuning_budget_end_to_end(tmp_path, capsys):
    """Every optimizer gets exactly K candidates (one seed), the choice is the best final
    validation accuracy among them, and the chosen rate runs with every seed: that tuned
    cell is what the model's table shows."""
    out = tmp_path / "tuned"
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,sgd",
            "--regularizers", "none", "--seeds", "2", "--tune", "lr:3", "--target", "0.2",
            "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    tuning = json.loads((out / "tuning.json").read_text())
    run = json.loads((out / "run.json").read_text())
    store = Store(out)
    assert tuning["budget"] == "lr:3" and len(tuning["cells"]) == 2
    for cell in tuning["cells"]:
        lrs = [c["lr"] for c in cell["candidates"]]
        assert lrs == lr_grid(cell["default_lr"], 3)
        records = [store.read(c["config_hash"]) for c in cell["candidates"]]
        assert all(r.seed == 0 for r in records)
        vals = [r.history["val_accuracy"][-1] for r in records]
        assert cell["metric"] == "val_accuracy"
        assert [c["val_accuracy"] for c in cell["candidates"]] == vals
        assert cell["chosen_lr"] == choose(lrs, cell["default_lr"], records, CLASSES)
        chosen = [store.read(h) for h in cell["chosen_hashes"]]
        assert sorted(r.seed for r in chosen) == [0, 1]
        assert {r.learning_rate for r in chosen} == {cell["chosen_lr"]}
        # The chosen rate's trials are the table's; the other candidates are tuning's only.
        assert set(cell["chosen_hashes"]) <= set(run["trial_hashes"])
        others = {c["config_hash"] for c in cell["candidates"]} - set(cell["chosen_hashes"])
        assert others <= set(run["tuning_hashes"])
        assert not others & set(run["trial_hashes"])
    # 2 cells x (3 candidates + 1 more seed): the chosen candidate is the first seed's trial.
    assert len(list((out / "results").glob("*.json"))) == 2 * (3 + 1)
    readme = (out / "README.md").read_text()
    assert "Tuned learning rates, budget **lr:3**" in readme
    assert "| `adam` | none | 0.001 |" in readme
    # A choice at the grid's edge is marked: a better rate may lie beyond it.
    for cell in tuning["cells"]:
        lrs = [c["lr"] for c in cell["candidates"]]
        edge = {lrs[0]: " (lowest tried)", lrs[-1]: " (highest tried)"}.get(cell["chosen_lr"], "")
        assert f"| {cell['chosen_lr']:g}{edge} |" in readme
    # The model's table has each tuned cell at its chosen rate, every seed.
    table = readme.split("Tuned learning rates")[0].split("## cnn_small")[1]
    for cell in tuning["cells"]:
        label = store.read(cell["chosen_hashes"][0]).labels.optimizer
        assert f"| `{label}` |" in table
    assert "Time to target" in readme and "reached **0.2**" in readme


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"models": ["dcgan"], "target": 0.5}, "applies to models with a validation metric"),
        ({"models": ["cnn_small"], "target": 1.5}, "in \\(0, 1\\]"),
        ({"models": ["cnn_small"], "target": 0.5, "val_size": 0}, "needs a validation split"),
        ({"models": ["cnn_small"], "tune": "lr:99"}, "lr:K"),
    ],
)
def test_bad_targets_and_budgets_in_suites(overrides, message):
    with pytest.raises(UsageError, match=message):
        expand(load_suite("zoo"), "smoke", overrides)
