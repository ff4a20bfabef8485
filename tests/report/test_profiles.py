"""Performance profiles (`zoo.report.profiles`), on hand-made times."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from zoo.report.profiles import performance_profile


def test_performance_profile_on_hand_made_times():
    # Three problems, three solvers. A is fastest on p1 and p2; B on p3; C never finishes p2.
    times = pd.DataFrame(
        {"A": [10.0, 20.0, 40.0], "B": [20.0, 30.0, 20.0], "C": [15.0, math.inf, 80.0]},
        index=["p1", "p2", "p3"],
    )
    rho = performance_profile(times, np.array([1.0, 1.5, 2.0, 4.0, math.inf]))
    # ratios: A = 1, 1, 2;  B = 2, 1.5, 1;  C = 1.5, inf, 4
    assert list(rho["A"]) == pytest.approx([2 / 3, 2 / 3, 1, 1, 1])
    assert list(rho["B"]) == pytest.approx([1 / 3, 2 / 3, 1, 1, 1])
    assert list(rho["C"]) == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3])
    # A problem no solver finishes counts against every solver.
    unsolved = pd.concat([times, pd.DataFrame({"A": [math.inf], "B": [math.inf],
                                               "C": [math.inf]}, index=["p4"])])  # fmt: skip
    assert performance_profile(unsolved, np.array([math.inf]))["A"].iloc[0] == pytest.approx(0.75)


def test_profiles_keep_solvers_whose_labels_carry_tuned_rates():
    """Tuned cells are labelled with their rates (`adam:lr=0.01`): a solver is the optimizer
    by name, so a suite whose every cell was tuned apart still has its profiles."""
    from zoo.report.profiles import problem_times

    summary = pd.DataFrame({
        "model": ["m"] * 4, "regularizer": ["none", "none", "l2", "l2"],
        "optimizer": ["adam:lr=0.01", "sgd:lr=0.1", "adam:lr=0.003", "sgd:lr=0.3"],
        "target": [0.8] * 4, "target_steps_mean": [10.0, 20.0, 30.0, np.nan],
    })  # fmt: skip
    times = problem_times(summary)
    assert list(times.columns) == ["sgd", "adam"] and times.shape == (2, 2)
    assert times.loc[("m", "l2"), "sgd"] == math.inf and times.loc[("m", "none"), "adam"] == 10


def test_profiles_keep_the_widest_block_every_solver_ran():
    """The standard run's design: every optimizer on each model without a regularizer, the
    regularizers under two optimizers only, a schedule on one model only. The profile keeps
    the two `none` problems and the optimizers that ran both, not one shared problem."""
    from zoo.report.profiles import problem_times

    rows = [("cnn", "none", o) for o in ("sgd", "adam", "lion", "muon", "lion @ cosine")]
    rows += [("lstm", "none", o) for o in ("sgd", "adam", "lion", "muon", "adamax @ cosine")]
    rows += [("cnn", "dropout", o) for o in ("lion", "muon")]
    rows += [("lstm", "label_smoothing", o) for o in ("adam", "muon")]
    summary = pd.DataFrame(rows, columns=["model", "regularizer", "optimizer"]).assign(
        target=0.8, target_steps_mean=[float(i + 1) for i in range(len(rows))]
    )
    times = problem_times(summary)
    assert list(times.index) == [("cnn", "none"), ("lstm", "none")]
    assert list(times.columns) == ["sgd", "adam", "lion", "muon"]
    assert times.loc[("lstm", "none"), "muon"] == 9
