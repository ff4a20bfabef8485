"""The report's budget axis (`zoo.report.budget`) and self-tuning arm (`zoo.report.self_tuning`):
on a real tuned run of a budget axis and a fixed configuration, and on known numbers."""

from __future__ import annotations

import json
import math
import re

import pytest
from scipy import stats

from zoo.bench import Store
from zoo.cli import main
from zoo.metrics.stats import describe, difference
from zoo.report.budget import cells_of, compare_budgets, rank_agreement, separated_pairs
from zoo.specs.tasks import task

SUITE = """
description = "axes"
[profiles.p]
seeds = 2
epochs = 1
train_size = 512
val_size = 256
test_size = 512
tune = "lr:6"
[[profiles.p.grid]]
name = "opt"
models = ["cnn_small"]
optimizers = ["adam", "rmsprop", "sgd"]
regularizers = ["none"]
[[profiles.p.grid]]
budget_of = "opt"
models = ["cnn_small"]
optimizers = { best = 3, of = "opt" }
regularizers = ["none"]
epochs = 2
[[profiles.p.grid]]
ruleset = "self-tuning"
models = ["cnn_small"]
optimizers = ["nadam:lr=0.00175:beta_1=0.9327:beta_2=0.99552:epsilon=1e-8:wd=0.0812"]
schedules = ["warmup_cosine:warmup=0.02"]
regularizers = ["none"]
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("axes")
    (folder / "axes.toml").write_text(SUITE)
    out = folder / "run"
    assert main(["bench", "--suite", str(folder / "axes.toml"), "--profile", "p", "--out",
                 str(out), "--no-progress"]) == 0  # fmt: skip
    return out


def _by_hash(out, key):
    info = json.loads((out / "run.json").read_text())
    store = Store(out)
    return [store.read(h) for h in info[key]], info


def test_self_tuning_arm_says_what_tuning_bought(run):
    records, info = _by_hash(run, "trial_hashes")
    fixed = set(info["self_tuning_hashes"])
    t = task("classification")
    cells: dict[str, dict[int, float]] = {}
    val: dict[str, list[float]] = {}
    for r in records:
        cells.setdefault(r.row, {})[r.seed] = r.headline
        val.setdefault(r.row, []).append(r.validation)
    fixed_rows = {r.row for r in records if r.config_hash in fixed}
    assert len(fixed_rows) == 1 and all(r.learning_rate == 0.00175 for r in records
                                         if r.config_hash in fixed)  # fmt: skip
    tuned = [k for k in cells if k not in fixed_rows]
    leader = max(tuned, key=lambda k: describe(val[k])[0])
    (best,) = fixed_rows
    d = difference(cells[leader], cells[best])
    readme = (run / "README.md").read_text()
    section = readme.split("## Self-tuning arm", 1)[1].split("\n## ", 1)[0]
    assert f"tuning bought **{t.diff(d.d)}** (95% CI {t.diff(d.low)} to {t.diff(d.high)}" in (
        section)  # fmt: skip
    assert f"`{leader} + none`" in section and f"`{best} + none`" in section
    tuning = json.loads((run / "tuning.json").read_text())
    spent = sum(c["trials"] for c in tuning["cells"])
    assert f"tuning ran {spent} candidate trials on this problem" in section
    assert re.search(r"none\. (Robust: it holds|Not robust: it changes) with", section)
    assert "Self-tuning arm" in (run / "index.html").read_text()
    for arm in ("self-tuning", "tuned"):  # each arm's rows, best on validation first
        shown = [float(m) for m in re.findall(rf"\| {arm} \| ([0-9.]+) \|", section)]
        assert shown == sorted(shown, reverse=True) and len(shown) >= 1


def test_budget_axis_ranks_the_table_at_two_budgets(run):
    apart, info = _by_hash(run, "budget_hashes")
    (axis,) = info["budget_axis"]
    head = [Store(run).read(h) for h in axis["of_hashes"]]
    assert {r.epochs for r in head} == {1} and {r.epochs for r in apart} == {2}
    # Apart from the tables: not in results.csv, each tuned at its own budget.
    assert not set(info["budget_hashes"]) & set(info["trial_hashes"])
    assert not any(h in (run / "results.csv").read_text() for h in info["budget_hashes"])
    tuning = json.loads((run / "tuning.json").read_text())
    assert {c["optimizer"] for c in tuning["budget_cells"]} == {"adam", "rmsprop", "sgd"}
    assert {c["epochs"] for c in tuning["budget_cells"]} == {2}
    a, b = cells_of(head), cells_of(apart)
    keys = sorted(a)
    mean = lambda c, k: describe(list(c[k].values()))[0]  # noqa: E731
    tau = stats.kendalltau([mean(a, k) for k in keys], [mean(b, k) for k in keys])[0]
    readme = (run / "README.md").read_text()
    section = readme.split("## Budget axis", 1)[1]
    assert "1 epoch (grid `opt`) against 2 epochs" in section
    assert f"over the 3 optimizers both ran: **{tau:+.2f}**" in section
    assert "percentile bootstrap over seeds, 2000 resamples" in section or math.isnan(tau)


def test_rank_agreement_and_flips_on_known_numbers():
    seeds = lambda *v: dict(enumerate(v))  # noqa: E731
    a = {"x": seeds(0.90, 0.91, 0.90), "y": seeds(0.80, 0.81, 0.80), "z": seeds(0.70, 0.71, 0.72)}
    b = {"x": seeds(0.80, 0.81, 0.80), "y": seeds(0.90, 0.91, 0.91), "z": seeds(0.60, 0.61, 0.60)}
    tau, low, high, _ = rank_agreement(a, b, ["x", "y", "z"])
    assert tau == pytest.approx(1 / 3)  # one of three pairs discordant
    assert low <= tau <= high and low >= -1 and high <= 1
    # Seeds apart by far less than the cells: every resample keeps the order.
    assert low == pytest.approx(1 / 3) and high == pytest.approx(1 / 3)
    assert separated_pairs(a, ["x", "y", "z"], higher=True) == {
        ("x", "y"): 1, ("x", "z"): 1, ("y", "z"): 1}  # fmt: skip
    assert separated_pairs(a, ["x", "y"], higher=False) == {("x", "y"): -1}
    c = compare_budgets([], [], task("classification"))
    assert math.isnan(c["tau"]) and c["keys"] == []


def test_noise_widens_the_interval_and_hides_flips():
    seeds = lambda *v: dict(enumerate(v))  # noqa: E731
    a = {"x": seeds(0.90, 0.70, 0.85), "y": seeds(0.80, 0.86, 0.78), "z": seeds(0.75, 0.88, 0.7)}
    b = {"x": seeds(0.82, 0.90, 0.70), "y": seeds(0.90, 0.72, 0.81), "z": seeds(0.79, 0.8, 0.86)}
    tau, low, high, _ = rank_agreement(a, b, ["x", "y", "z"])
    assert high - low >= 2 / 3  # seed noise moves tau by at least one pair, either way
    assert set(separated_pairs(a, ["x", "y", "z"], True).values()) == {0}


def test_what_tuning_bought_is_checked_as_every_finding_is():
    """The check every finding gets (`claims.verdict`): each seed left out in turn and the
    last epoch read, both sides chosen again on validation. One seed whose tuned score
    collapses takes the interval across zero, and the check names it."""
    import pandas as pd

    from zoo.report.claims import Table
    from zoo.report.self_tuning import robustness

    t = task("classification")

    def table(tuned, fixed=(0.88, 0.889, 0.884, 0.881)):
        rows = [{"task": "classification", "optimizer": opt, "regularizer": "none", "seed": s,
                 "status": "ok", "test_accuracy": v, "test_accuracy_last": v,
                 "best_val_accuracy": v}
                for opt, scores in (("adam:lr=0.003", tuned), ("nadam", fixed))
                for s, v in enumerate(scores)]  # fmt: skip
        return Table("m on d", pd.DataFrame(rows))

    arms = {"adam:lr=0.003 + none"}, {"nadam + none"}
    assert robustness(table((0.90, 0.91, 0.905, 0.902)), *arms, t) == (
        " Robust: it holds with each seed left out in turn (each trial was tested at its last "
        "epoch: no other epoch to check).")  # fmt: skip
    assert robustness(table((0.90, 0.91, 0.87, 0.90)), *arms, t) == (
        " Not robust: it changes with seed 2 left out."
    )  # across zero, above it without seed 2
    late = table((0.90, 0.91, 0.905, 0.902))
    late.results.loc[late.results["optimizer"] == "adam:lr=0.003", "test_accuracy_last"] = 0.8
    assert robustness(late, *arms, t) == " Not robust: it changes with the last epoch tested."
