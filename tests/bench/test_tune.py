"""Tuning (`zoo.bench.decide.tune`, `zoo.bench.decide.search`): the same declared search
space and bracketing rule for every optimizer, chosen on validation with a seed no table
counts."""

from __future__ import annotations

import json
import math

import pytest

from zoo.bench import Store, expand, load_suite
from zoo.bench.decide.search import advance, search
from zoo.bench.decide.tune import TUNING_SEED, edges, read_tuning
from zoo.cli import main
from zoo.errors import UsageError
from zoo.specs.search import LEARNING_RATE, WEIGHT_DECAY, parse_budget


def _run(objective, coords, base, cap=24, noise=0.01):
    """Drive a search on a stand-in objective of lattice points; (outcome, rounds)."""
    known: dict = {}
    rounds = 0
    while True:
        make = lambda: search(coords, base, cap=cap, higher=True,  # noqa: E731
                              noise=lambda s: noise)  # fmt: skip
        missing, outcome = advance(make, known.get)
        if outcome is not None:
            return outcome, rounds
        rounds += 1
        known.update({p: objective(p) for p in missing})


def _peak(q_lr, q_wd=None, width=16):
    def f(p):
        if abs(p[0] - q_lr) >= width:
            return math.nan  # far from the optimum: diverges
        penalty = 0.0 if q_wd is None else 0.01 * abs(p[1] - q_wd)
        return 0.9 - 0.02 * abs(p[0] - q_lr) - penalty

    return f


@pytest.mark.parametrize("optimum", [-18, -14, -9, -2, 2])  # 10^-4.5 .. 10^0.5
def test_an_optimum_beyond_the_first_range_is_bracketed(optimum):
    outcome, _ = _run(_peak(optimum), [LEARNING_RATE], (-8,))
    assert outcome.best == (optimum,)
    tried = {p[0] for p in outcome.tried}
    assert {optimum - 1, optimum + 1} <= tried  # quarter-decade neighbours, both worse
    assert not outcome.at_edge and not outcome.capped
    assert len(outcome.tried) <= 10


def test_an_optimum_past_the_declared_limit_is_reported_at_the_edge():
    outcome, _ = _run(_peak(-30), [LEARNING_RATE], (-8,))
    assert outcome.best == (LEARNING_RATE.low,)
    assert outcome.at_edge == {"lr": "limit"}
    capped, _ = _run(_peak(-18), [LEARNING_RATE], (-8,), cap=6)
    assert len(capped.tried) == 6 and capped.capped and capped.at_edge == {"lr": "cap"}


def test_a_plateau_within_the_noise_is_extended_until_clearly_worse():
    def f(p):  # nearly flat from 1e-3 down to 1e-5 (within the noise), then clearly worse
        q = p[0]
        return 0.80 - 0.001 * (-12 - q) if -20 <= q <= -12 else 0.80 - 0.05 * abs(q + 12) / 4

    outcome, _ = _run(f, [LEARNING_RATE], (-8,), noise=0.01)
    assert (-16,) in outcome.tried and (-20,) in outcome.tried  # walked the plateau
    # Without noise allowance, one step past a point that is no better stops it.
    strict, _ = _run(f, [LEARNING_RATE], (-8,), noise=0.0)
    assert (-20,) not in strict.tried


def test_weight_decay_moves_by_coordinate_descent_when_it_should():
    outcome, _ = _run(_peak(-13, q_wd=-2), [LEARNING_RATE, WEIGHT_DECAY], (-8, -8))
    assert outcome.best == (-13, -2)  # decay 10^-0.5, not the 1e-2 the rate was searched at
    phases = list(outcome.phases.values())
    assert phases.index("wd") < phases.index("lr again")
    assert {outcome.phases[p] for p in outcome.tried} == {"lr", "wd", "lr again"}
    # A decay that changes nothing keeps its start (ties go to the first tried): no walk to
    # the limit on a flat line.
    flat, _ = _run(_peak(-13), [LEARNING_RATE, WEIGHT_DECAY], (-8, -8))
    assert flat.best == (-13, -8) and not flat.at_edge
    assert sum(v == "wd" for v in flat.phases.values()) == 4  # 1e-3, 1e-1, half decades


def test_a_replayed_search_asks_for_the_same_points():
    """A resumed run (or another worker count) makes the same choices from stored scores."""
    f = _peak(-11)
    outcome, rounds = _run(f, [LEARNING_RATE], (-8,))
    known = dict(list(outcome.tried.items())[:4])  # stopped after four candidates
    make = lambda: search([LEARNING_RATE], (-8,), cap=24, higher=True,  # noqa: E731
                          noise=lambda s: 0.01)  # fmt: skip
    missing, done = advance(make, known.get)
    assert done is None and missing[0] == list(outcome.tried)[4]
    assert rounds >= 4


@pytest.mark.parametrize("good", ["lr", "lr+wd", "lr:6", " lr+wd:200 "])
def test_budgets(good):
    budget = parse_budget(good)
    assert budget.decay == ("wd" in good)
    assert budget.coordinates("adamw")[-1] is (WEIGHT_DECAY if budget.decay else LEARNING_RATE)
    assert budget.coordinates("adam") == [LEARNING_RATE]


@pytest.mark.parametrize("bad", ["lr:3", "lr:999", "wd", "lr:x", "momentum:3", "3", "lr+wd+b"])
def test_bad_budgets_are_usage_errors(bad):
    with pytest.raises(UsageError, match="lr\\+wd"):
        parse_budget(bad)


def test_tuning_end_to_end(tmp_path):
    """Candidates train with the tuning seed only; the choice is the best validation score
    among them; the chosen configuration runs with the cell's own seeds, which no candidate
    used; the report shows the search."""
    out = tmp_path / "tuned"
    args = ["bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers", "adam,adamw",
            "--regularizers", "none", "--seeds", "2", "--tune", "lr+wd:12", "--target", "0.2",
            "--out", str(out), "--no-progress"]  # fmt: skip
    assert main(args) == 0
    tuning = read_tuning(out / "tuning.json")
    run = json.loads((out / "run.json").read_text())
    store = Store(out)
    assert tuning["budget"] == "lr+wd:12" and tuning["tuning_seed"] == TUNING_SEED
    cells = {c["optimizer"]: c for c in tuning["cells"]}
    assert cells["adam"]["tuned"] == ["lr"] and cells["adamw"]["tuned"] == ["lr", "wd"]
    for cell in cells.values():
        records = [store.read(c["config_hash"]) for c in cell["candidates"]]
        assert {r.seed for r in records} == {TUNING_SEED}
        assert cell["trials"] == len(records) <= 12
        scores = [r.validation for r in records]
        assert [c["val_accuracy"] for c in cell["candidates"]] == scores
        best = records[scores.index(max(scores))]
        chosen = [store.read(h) for h in cell["chosen_hashes"]]
        assert sorted(r.seed for r in chosen) == [0, 1]
        assert {r.learning_rate for r in chosen} == {best.learning_rate}
        assert cell["chosen"]["lr"] == best.learning_rate
        # Scores of the table come from seeds no choice read.
        assert not set(cell["chosen_hashes"]) & {c["config_hash"] for c in cell["candidates"]}
        assert set(cell["chosen_hashes"]) <= set(run["trial_hashes"])
        assert cell["at_edge"] == {} or cell["capped"] or set(edges(cell)) == set(cell["at_edge"])
    readme = (out / "README.md").read_text()
    assert "Tuning, budget **lr+wd:12**" in readme


def test_tuning_seed_is_refused_as_a_table_seed():
    (trial,) = expand(load_suite("zoo"), "smoke", {"models": ["cnn_small"],
                      "optimizers": ["adam"], "regularizers": ["none"],
                      "seeds": [TUNING_SEED], "tune": "lr"})  # fmt: skip
    from zoo.bench.decide.tune import plan

    with pytest.raises(UsageError, match="tuning's own"):
        plan([trial], parse_budget("lr"))


def test_no_decay_is_the_floor_of_the_weight_decay_space():
    """A decay that only hurts walks down to 0 (no decay), which nothing lies below: the
    choice is not censored, so it is not marked at an edge."""
    assert WEIGHT_DECAY.value(WEIGHT_DECAY.low) == 0.0 and WEIGHT_DECAY.value(-16) == 1e-4

    def f(p):
        return 0.9 - 0.02 * abs(p[0] + 13) - 0.01 * (p[1] + 20)  # less decay is better

    outcome, _ = _run(f, [LEARNING_RATE, WEIGHT_DECAY], (-8, -8))
    assert outcome.best == (-13, WEIGHT_DECAY.low) and outcome.at_edge == {}
