"""Confidence intervals and Welch's t-test for comparisons over a few seeds."""

import math

import pytest

from zoo.report.stats import ci95, lead_is_real, t95


def test_t_quantiles():
    assert t95(1) == pytest.approx(12.706) and t95(4) == pytest.approx(2.776)
    assert t95(22.7) == t95(20)  # between entries: the smaller df, a wider interval
    assert t95(1000) == pytest.approx(1.96) and math.isinf(t95(0.5))


def test_confidence_interval_half_width():
    assert ci95(0.02, 5) == pytest.approx(2.776 * 0.02 / math.sqrt(5))
    assert math.isnan(ci95(0.02, 1))


def test_welch_separates_real_leads_from_seed_noise():
    # Five seeds each, 0.015 apart with sd 0.01: t = 2.37 on 8 df, above t95(8) = 2.306.
    real, t, df = lead_is_real((0.90, 0.01, 5), (0.885, 0.01, 5))
    assert t == pytest.approx(0.015 / math.sqrt(2 * 0.0001 / 5)) and df == pytest.approx(8)
    assert real
    noise, t, _ = lead_is_real((0.90, 0.02, 3), (0.89, 0.02, 3))
    assert not noise and t == pytest.approx(0.01 / math.sqrt(2 * 0.0004 / 3))
    assert lead_is_real((0.9, 0.0, 1), (0.8, 0.0, 5))[0] is False
