"""Grids with roles (`zoo.bench.plan.roles`): a grid that takes the best optimizers of a named
grid once its table is finished (`zoo.bench.decide.select`), a budget axis tuned, raced and
reported apart, and a self-tuning grid run as written."""

from __future__ import annotations

import json

import pytest

from zoo.bench import Store, expand, load_suite
from zoo.bench.campaign import trial_counts
from zoo.bench.decide.select import ranking
from zoo.bench.run.provenance import versions
from zoo.cli import main
from zoo.errors import UsageError

SUITE = """
description = "roles"
[profiles.p]
seeds = 2
epochs = 1
train_size = 512
val_size = 256
test_size = 512
[[profiles.p.grid]]
name = "opt"
models = ["cnn_small"]
optimizers = ["sgd", "adam:lr=0.003", "schedule_free_adamw:lr=0.01"]
regularizers = ["none"]
[[profiles.p.grid]]
models = ["cnn_small"]
optimizers = { best = 1, of = "opt" }
schedules = ["cosine"]
regularizers = ["dropout"]
[[profiles.p.grid]]
name = "short"
budget_of = "opt"
models = ["cnn_small"]
optimizers = { best = 2, of = "opt" }
regularizers = ["none"]
epochs = 2
[[profiles.p.grid]]
ruleset = "self-tuning"
models = ["cnn_small"]
optimizers = ["nadam:lr=0.00175:beta_1=0.9327:beta_2=0.99552:epsilon=1e-8:wd=0.0812"]
schedules = ["warmup_cosine:warmup=0.02"]
regularizers = ["none"]
"""


def _suite(tmp_path, text=SUITE, **replace):
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "roles.toml"
    path.write_text(text)
    return load_suite(str(path))


def test_roles_expand_with_stand_ins_and_count_in_the_dry_run(tmp_path):
    suite = _suite(tmp_path, SUITE.replace("seeds = 2\n", 'seeds = 2\ntune = "lr"\n'))
    trials = expand(suite, "p")
    stand = [t for t in trials if t.role.pick]
    # Stand-ins: the named grid's first optimizers, those that tune weight decay too first
    # (a count that errs high); the cosine grid's passes over schedule-free AdamW.
    assert {(t.role.pick.rank, t.optimizer.name, t.role.budget_of) for t in stand} == {
        (0, "sgd", None), (0, "schedule_free_adamw", "opt"), (1, "sgd", "opt")}  # fmt: skip
    assert all("[stand-in for the best" in t.label for t in stand)
    fixed = [t for t in trials if t.role.ruleset]
    assert fixed and all(t.tune is None for t in fixed)  # self-tuning: never tuned
    assert {t.tune for t in trials if not t.role.ruleset} == {"lr"}
    assert {t.epochs for t in trials if t.role.budget_of} == {2}
    low, high, lines = trial_counts(trials)
    assert "a grid (cnn_small): the best 1 of 'opt', chosen on validation" in "\n".join(lines)
    assert "budget axis: 2 cells" in "\n".join(lines)
    assert "self-tuning: 1 cells" in "\n".join(lines)
    # 6 tuned cells (3 + 1 + 2 stand-ins) of 7..24 candidates and 2 seeds, and the fixed cell.
    assert (low, high) == (6 * (7 + 2) + 2, 6 * (24 + 2) + 2)
    # Flags that list the optimizers replace the choice: no stand-ins.
    listed = expand(suite, "p", {"optimizers": ["adam"]})
    assert not any(t.role.pick for t in listed)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ('of = "opt"', 'of = "otp"', "unknown grid for of .* 'otp'. Did you mean 'opt'"),
        ("best = 1,", "best = 4,", "the best 4 of 'opt', which has 3 optimizers"),
        ("best = 1,", "best = 0,", "best must be a count >= 1"),
        ('budget_of = "opt"', 'budget_of = "short"', "unknown grid for budget_of"),
        ("epochs = 2\n", "epochs = 1\n", "both run 1 epochs"),
        ("epochs = 2\n", "epochs = 2\nbatch_size = 64\n", "it differs in batch_size"),
        ('ruleset = "self-tuning"', 'ruleset = "self-tuned"', "unknown ruleset 'self-tuned'"),
        ('ruleset = "self-tuning"', 'ruleset = "self-tuning"\ntune = "lr"',
         "self-tuning grid .* takes no tuning"),
        ('name = "short"', 'name = "opt"', "two grids are named 'opt'"),
        ("{ best = 1, of", "{ top = 1, of", "write a list of optimizers, or"),
    ],
)  # fmt: skip
def test_role_mistakes_are_usage_errors(tmp_path, old, new, match):
    with pytest.raises(UsageError, match=match):
        expand(_suite(tmp_path, **{old: new}), "p")


def test_a_grid_takes_the_best_on_validation_and_a_resumed_run_keeps_the_choice(tmp_path):
    suite_path = tmp_path / "roles.toml"
    suite_path.write_text(SUITE)
    out = tmp_path / "run"
    args = ["bench", "--suite", str(suite_path), "--profile", "p", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert main(args) == 0
    store, run = Store(out), json.loads((out / "run.json").read_text())
    selections = json.loads((out / "selections.json").read_text())["selections"]
    assert run["selections"] == selections
    by_grid = {s["budget_of"]: s for s in selections}
    # The choice is the validation ranking of the named grid's cells, recomputed here from
    # the stored records' validation scores.
    records = [store.read(h) for h in run["trial_hashes"]]
    means = {}
    for r in records:
        if r.config["epochs"] == 1 and r.labels.regularizer == "none" and r.row in (
            "sgd", "adam:lr=0.003", "schedule_free_adamw:lr=0.01"):  # fmt: skip
            means.setdefault(r.row, []).append(r.validation)
    order = sorted(means, key=lambda k: (-sum(means[k]) / len(means[k]), k))
    assert [row["optimizer"] for row in by_grid["opt"]["ranking"]] == order
    assert by_grid["opt"]["chosen"] == order[:2]
    schedulable = [o for o in order if not o.startswith("schedule_free")]
    assert by_grid[None]["chosen"] == schedulable[:1]
    # The chosen ones ran: under cosine with dropout in the tables, at 2 epochs apart.
    rows = {(r.row, r.labels.regularizer) for r in records}
    assert (f"{schedulable[0]} @ cosine", "dropout") in rows
    apart = [store.read(h) for h in run["budget_hashes"]]
    assert {r.row for r in apart} == set(order[:2]) and {r.epochs for r in apart} == {2}
    assert not set(run["budget_hashes"]) & set(run["trial_hashes"])
    (pair,) = run["budget_axis"]
    assert (pair["of"], pair["epochs"], pair["of_epochs"]) == ("opt", 2, 1)
    assert set(pair["hashes"]) == set(run["budget_hashes"])
    assert "budget_axis" in json.loads((out / "racing.json").read_text())
    assert len(run["self_tuning_hashes"]) == 2
    readme = (out / "README.md").read_text()
    chosen = readme.split("## Chosen optimizers", 1)[1].split("\n## ", 1)[0]
    assert f"took the best 1 of `opt` by mean val_accuracy: `{schedulable[0]}` (" in chosen
    assert "passed over: `schedule_free_adamw:lr=0.01` (takes no schedule" in chosen or (
        order[0] != "schedule_free_adamw:lr=0.01")  # fmt: skip
    # The test split decides nothing: a record's test score changed, the ranking is not.
    source = [r for r in records if r.row == order[-1]][0]
    path = store.path(source.config_hash)
    data = json.loads(path.read_text())
    data["test"]["accuracy"] = 0.999
    path.write_text(json.dumps(data))
    planned = expand(load_suite(str(suite_path)), "p", versions=versions())
    opt_trials = [t for t in planned if t.role.grid == "opt"]
    assert [r["optimizer"] for r in ranking(opt_trials, store)] == order
    # Resumed, a run takes the recorded choice (here edited to the last-ranked optimizer).
    recorded = json.loads((out / "selections.json").read_text())
    for s in recorded["selections"]:
        if s["budget_of"] is None:
            s["chosen"] = ["sgd"] if schedulable[0] != "sgd" else ["adam:lr=0.003"]
    (out / "selections.json").write_text(json.dumps(recorded))
    assert main(args) == 0
    rerun = json.loads((out / "run.json").read_text())
    rows = {Store(out).read(h).row for h in rerun["trial_hashes"]}
    wanted = recorded["selections"][[s["budget_of"] for s in recorded["selections"]].index(None)]
    assert f"{wanted['chosen'][0]} @ cosine" in rows
