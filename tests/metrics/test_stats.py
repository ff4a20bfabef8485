"""Confidence intervals, Welch's t-test and Holm's correction for comparisons over a few seeds
(`zoo.metrics.stats`, on scipy.stats)."""

import math

import numpy as np
import pytest

from zoo.metrics.stats import ci95, describe, holm, lead_is_real, separation, t95, welch

# The two-sided 95% t quantiles the project tabulated before it used scipy.
OLD_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
             8: 2.306, 9: 2.262, 10: 2.228, 15: 2.131, 20: 2.086, 30: 2.042,
             120: 1.980}  # fmt: skip


def test_t_quantiles_equal_the_old_table_where_they_overlap():
    for df, q in OLD_TABLE.items():
        assert t95(df) == pytest.approx(q, abs=5e-4), df
    assert OLD_TABLE[20] < t95(19.5) < OLD_TABLE[15]  # exact between entries
    assert math.isinf(t95(0.5)) and t95(10**6) == pytest.approx(1.96, abs=1e-3)


def test_confidence_interval_half_width():
    assert ci95(0.02, 5) == pytest.approx(2.776 * 0.02 / math.sqrt(5), rel=2e-4)
    assert math.isnan(ci95(0.02, 1))


def test_welch_agrees_with_scipy_and_separates_real_leads_from_seed_noise():
    from scipy import stats

    rng = np.random.default_rng(0)
    a, b = rng.normal(0.9, 0.01, 5), rng.normal(0.88, 0.02, 4)
    p, t, _ = welch((a.mean(), a.std(ddof=1), 5), (b.mean(), b.std(ddof=1), 4))
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert p == pytest.approx(ref.pvalue) and t == pytest.approx(ref.statistic)
    # Five seeds each, 0.015 apart with sd 0.01: t = 2.37 on 8 df, above t95(8) = 2.306.
    real, t, df = lead_is_real((0.90, 0.01, 5), (0.885, 0.01, 5))
    assert t == pytest.approx(0.015 / math.sqrt(2 * 0.0001 / 5)) and df == pytest.approx(8)
    assert real
    assert not lead_is_real((0.90, 0.02, 3), (0.89, 0.02, 3))[0]
    assert lead_is_real((0.9, 0.0, 1), (0.8, 0.0, 5))[0] is False
    assert welch((0.9, 0.0, 3), (0.8, 0.0, 3))[0] == 0.0  # constant samples that differ


def test_holm_step_down():
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": math.nan})
    assert adjusted["a"] == pytest.approx(0.03)  # 3 x 0.01
    assert adjusted["c"] == pytest.approx(0.06)  # 2 x 0.03
    assert adjusted["b"] == pytest.approx(0.06)  # max(1 x 0.04, the previous 0.06)
    assert math.isnan(adjusted["d"])


def test_separation_names_the_leader_and_the_tied_group():
    s = separation({"a": [0.90, 0.91, 0.905], "b": [0.80, 0.81, 0.79],
                    "c": [0.90, 0.92, 0.89]}, higher_is_better=True)  # fmt: skip
    assert s.leader == "c" or s.leader == "a"
    assert s.separated("b") and not s.separated("a" if s.leader == "c" else "c")
    assert set(s.tied) == {"a", "c"}
    fid = separation({"x": [30, 31, 29], "y": [60, 61, 59]}, higher_is_better=False)
    assert fid.leader == "x" and fid.separated("y")


def test_identical_cells_are_never_separated():
    """Every seed of both cells scored exactly 0.9 (7 seeds against 3): the mean of seven
    0.9s is 0.9000000000000001 and its std 1e-16, pure rounding; p must be 1, not 0.0498.
    Constant cells of 2-8 seeds a side, at several values: p = 1 every time."""

    assert welch(describe([0.9] * 7), describe([0.9] * 3))[0] == 1.0
    for value in (0.1, 0.3, 0.7, 0.9, 0.8774, 41.7):
        for n1 in range(2, 9):
            for n2 in range(2, 9):
                assert welch(describe([value] * n1), describe([value] * n2))[0] == 1.0
    sep = separation({"a": [0.9] * 7, "b": [0.9] * 3}, higher_is_better=True)
    assert not sep.separated("b") and sep.tied == ["a", "b"]
    # Real differences still count: constant but different, and noisy samples.
    assert welch(describe([0.9] * 3), describe([0.8] * 3))[0] == 0.0
    assert welch(describe([0.90, 0.91, 0.92]), describe([0.80, 0.81, 0.79]))[0] < 0.01


def test_cells_that_share_seeds_are_compared_paired():
    """Two cells whose seeds share initialization and data order: the paired t-test on the
    shared seeds (as scipy's `ttest_rel`), which sees a consistent 0.5 pp gain that seed
    noise hides from Welch's test; cells without shared seeds fall back to Welch."""
    from scipy import stats as st

    from zoo.metrics.stats import difference

    a = {0: 0.900, 1: 0.880, 2: 0.910, 3: 0.870}
    b = {0: 0.895, 1: 0.874, 2: 0.906, 3: 0.864}
    diff = difference(a, b)
    want = st.ttest_rel(list(a.values()), list(b.values()))
    assert diff.test == "paired" and diff.n == 4
    assert diff.p == pytest.approx(want.pvalue) and diff.p < 0.01
    assert diff.d == pytest.approx(0.00525)
    ci = want.confidence_interval(0.95)
    assert (diff.low, diff.high) == pytest.approx((ci.low, ci.high))
    assert welch(describe(list(a.values())), describe(list(b.values())))[0] > 0.5
    # Only the shared seeds pair (the leader raced on to 6 seeds).
    longer = {**a, 4: 0.95, 5: 0.85}
    assert difference(longer, b).n == 4 and difference(longer, b).p == pytest.approx(diff.p)
    # No shared seeds, or plain lists: Welch.
    assert difference({0: 0.9, 1: 0.91}, {5: 0.8, 6: 0.81}).test == "Welch"
    assert difference([0.9, 0.91], [0.8, 0.81]).test == "Welch"
    # Identical cells: p = 1; a constant difference: p = 0, a zero-width interval.
    assert difference({0: 0.9, 1: 0.9, 2: 0.9}, {0: 0.9, 1: 0.9, 2: 0.9}).p == 1.0
    const = difference({0: 0.9, 1: 0.8}, {0: 0.85, 1: 0.75})
    assert const.p == 0.0 and const.low == const.high == pytest.approx(0.05)
    sep = separation({"a": a, "b": b}, higher_is_better=True)
    assert sep.leader == "a" and sep.separated("b") and sep.diffs["b"].test == "paired"
