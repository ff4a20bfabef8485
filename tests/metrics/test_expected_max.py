"""The expected best of k draws from observed scores (`zoo.metrics.stats.expected_max`,
Dodge et al. 2019), against values computed by hand and by enumerating every draw."""

import itertools
import math

import pytest

from zoo.metrics.stats import expected_max


def test_hand_computed_values():
    # N = 3, k = 2: P(best is the i-th worst) = (i/3)^2 - ((i-1)/3)^2 = 1/9, 3/9, 5/9.
    assert expected_max([3.0, 1.0, 2.0], 2) == pytest.approx((1 + 2 * 3 + 3 * 5) / 9)
    assert expected_max([0.0, 1.0], 2) == pytest.approx(0.75)
    # Ties: the best of two draws from {0.5, 0.5, 1} is 1 unless both miss it (4/9).
    assert expected_max([0.5, 0.5, 1.0], 2) == pytest.approx(0.5 * 4 / 9 + 5 / 9)


def test_one_draw_is_the_mean_and_many_tend_to_the_best():
    values = [0.2, 0.7, 0.4, 0.65, 0.1]
    assert expected_max(values, 1) == pytest.approx(sum(values) / len(values))
    assert expected_max(values, 1, higher_is_better=False) == pytest.approx(0.41)
    assert expected_max(values, 500) == pytest.approx(0.7, abs=1e-12)
    assert expected_max(values, 500, higher_is_better=False) == pytest.approx(0.1, abs=1e-12)
    curve = [expected_max(values, k) for k in range(1, 30)]
    assert curve == sorted(curve) and curve[-1] < 0.7  # rises towards the best, never past it


def test_lower_is_better_mirrors():
    # The expected minimum of 2 draws from {1, 2, 3}: weights 1/9, 3/9, 5/9 from the worst (3).
    assert expected_max([1.0, 2.0, 3.0], 2, higher_is_better=False) == pytest.approx(14 / 9)
    values = [0.3, 1.5, 0.9, 2.0]
    for k in (1, 2, 3.5, 7):
        mirrored = -expected_max([-v for v in values], k)
        assert expected_max(values, k, higher_is_better=False) == pytest.approx(mirrored)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_matches_every_draw_enumerated(k):
    values = [0.1, 0.4, 0.4, 0.9]
    draws = list(itertools.product(values, repeat=k))
    assert expected_max(values, k) == pytest.approx(sum(map(max, draws)) / len(draws))
    assert expected_max(values, k, False) == pytest.approx(sum(map(min, draws)) / len(draws))


@pytest.mark.parametrize(
    ("values", "k"), [([0.5], 0), ([0.5], 0.5), ([0.5], math.nan), ([], 1), ([0.5, math.nan], 1)]
)
def test_refuses_no_values_a_k_below_one_or_a_non_finite_value(values, k):
    with pytest.raises(ValueError):
        expected_max(values, k)
