"""How sure a comparison over a few seeds is: t intervals, paired and Welch's tests, Holm's
correction.

With 2-8 seeds the normal approximation (±1.96 sd/√n) is far too narrow; these use Student's t
from `scipy.stats`. Two cells that share seeds (in one table a seed fixes the initialization and
the data order: common random numbers) are compared by the paired t-test on the seeds they
share, which removes the seed-to-seed variation both have in common; cells without shared seeds
by Welch's test (`difference`). A table that makes several comparisons (every cell against its
leader, every regularizer against `none`) corrects them with Holm's step-down method, which
controls the chance of any false claim in the table at 5% without assuming the tests
independent. How much a tuning budget buys: the expected best of k trials (`expected_max`).

    >>> separation({"a": [0.90, 0.91, 0.90], "b": [0.80, 0.81, 0.79]}, higher_is_better=True)
    Separation(leader='a', adjusted_p={'b': ...}, ...)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

ALPHA = 0.05
# Relative size below which a spread or a difference of means is float rounding, not data:
# the mean of seven 0.9s is 0.9000000000000001 with a standard deviation of 1e-16, and
# Welch's test on that against three 0.9s gave p = 0.0498 ("separated") before this.
ROUNDING = 1e-12


def t95(df: float) -> float:
    """t(0.975; df), the two-sided 95% quantile of Student's t (inf below 1 df)."""
    if not df >= 1:
        return math.inf
    return float(stats.t.ppf(0.975, df))


def ci95(std: float, n: int) -> float:
    """Half-width of the 95% confidence interval of a mean of `n` values with sample `std`."""
    if n < 2 or not math.isfinite(std):
        return math.nan
    return t95(n - 1) * std / math.sqrt(n)


def welch(a: tuple[float, float, int], b: tuple[float, float, int]) -> tuple[float, float, float]:
    """Welch's two-sided t-test of two (mean, std, n): (p-value, t, Welch-Satterthwaite df).

    Fewer than two values on either side: (nan, nan, nan). Spreads and differences of means
    at rounding level (`ROUNDING`, relative) count as zero: identical samples give p = 1, two
    constant samples p = 0 if their means differ, else 1.
    """
    (m1, s1, n1), (m2, s2, n2) = a, b
    if n1 < 2 or n2 < 2 or not (math.isfinite(m1) and math.isfinite(m2)):
        return math.nan, math.nan, math.nan
    rounding = ROUNDING * max(abs(m1), abs(m2), 1.0)
    s1, s2 = (s if s > rounding else 0.0 for s in (s1, s2))
    if abs(m1 - m2) <= rounding:
        m2 = m1
    v1, v2 = s1**2 / n1, s2**2 / n2
    if v1 + v2 == 0:
        return (0.0, math.inf, math.inf) if m1 != m2 else (1.0, 0.0, math.inf)
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    return float(2 * stats.t.sf(abs(t), df)), t, df


def diff_ci(a: tuple[float, float, int], b: tuple[float, float, int]) -> tuple[float, float, float]:
    """The difference of means a - b of two (mean, std, n) with its 95% confidence interval
    (Welch-Satterthwaite t, as `welch`): (difference, low, high); NaNs with fewer than two
    values a side. Spreads at rounding level count as zero (a zero-width interval)."""
    (m1, s1, n1), (m2, s2, n2) = a, b
    if n1 < 2 or n2 < 2 or not (math.isfinite(m1) and math.isfinite(m2)):
        return math.nan, math.nan, math.nan
    rounding = ROUNDING * max(abs(m1), abs(m2), 1.0)
    s1, s2 = (s if s > rounding else 0.0 for s in (s1, s2))
    d = m1 - m2 if abs(m1 - m2) > rounding else 0.0
    v1, v2 = s1**2 / n1, s2**2 / n2
    if v1 + v2 == 0:
        return d, d, d
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    half = t95(df) * math.sqrt(v1 + v2)
    return d, d - half, d + half


Scores = Mapping[int, float] | Sequence[float]  # by seed, or without seeds (never paired)


@dataclass(frozen=True)
class Difference:
    """A difference of means a - b with its 95% confidence interval and two-sided p-value,
    in the scores' units; `test` is "paired" (on `n` shared seeds) or "Welch"."""

    d: float
    low: float
    high: float
    p: float
    test: str
    n: int = 0  # shared seeds (paired), 0 for Welch

    @property
    def interval(self) -> tuple[float, float, float]:
        return self.d, self.low, self.high


def _finite(values: Scores) -> dict:
    items = values.items() if isinstance(values, Mapping) else enumerate(values)
    return {k: float(v) for k, v in items if math.isfinite(v)}


def paired(a: Sequence[float], b: Sequence[float]) -> Difference:
    """The paired t-test (Student 1908; `scipy.stats.ttest_rel`) of equal-length `a` and `b`
    (pair i = one seed): mean of a_i - b_i, its 95% t interval and p, df = n - 1. A spread of
    the differences at rounding level counts as zero (constant differences: p = 0, or 1 if
    they are 0)."""
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    n = len(d)
    if n < 2:
        return Difference(math.nan, math.nan, math.nan, math.nan, "paired", n)
    rounding = ROUNDING * max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1.0)
    mean, sd = float(d.mean()), float(d.std(ddof=1))
    mean = mean if abs(mean) > rounding else 0.0
    if sd <= rounding:
        return Difference(mean, mean, mean, 0.0 if mean else 1.0, "paired", n)
    result = stats.ttest_rel(a, b)
    ci = result.confidence_interval(1 - ALPHA)
    return Difference(mean, float(ci.low), float(ci.high), float(result.pvalue), "paired", n)


def difference(a: Scores, b: Scores) -> Difference:
    """a - b with its 95% interval and p: the paired t-test on the seeds both have where
    they share two or more (`a`, `b` keyed by seed), else Welch's test (`welch`, `diff_ci`)
    on all their finite values. NaNs where neither has enough values."""
    fa, fb = _finite(a), _finite(b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        shared = sorted(set(fa) & set(fb))
        if len(shared) >= 2:
            return paired([fa[s] for s in shared], [fb[s] for s in shared])
    da, db = describe(list(fa.values())), describe(list(fb.values()))
    p, _, _ = welch(da, db)
    return Difference(*diff_ci(da, db), p, "Welch")


def tests_named(diffs: Sequence[Difference]) -> str:
    """How a set of comparisons was tested, for a sentence: `paired t on shared seeds`,
    `Welch`, or both."""
    kinds = {d.test for d in diffs}
    if kinds == {"paired"}:
        return "paired t on shared seeds"
    return "paired t on shared seeds, else Welch" if "paired" in kinds else "Welch"


def equivalent(interval: tuple[float, float, float], margin: float) -> bool:
    """Equivalence within +-`margin` by two one-sided tests (Schuirmann 1987), each at
    2.5%: the whole 95% confidence interval of the difference lies inside the margin.
    Not separated is not equivalent: a wide interval that crosses 0 is neither."""
    _, low, high = interval
    return bool(margin > 0 and math.isfinite(low) and -margin < low and high < margin)


def fmt_p(p: float, *, adjusted: bool = False) -> str:
    """A p-value as reports write it: `p = 0.012`, `p < 0.001`; `Holm-adjusted p` where
    `adjusted`."""
    name = "Holm-adjusted p" if adjusted else "p"
    return f"{name} < 0.001" if p < 0.001 else f"{name} = {p:.3f}"


def lead_is_real(
    a: tuple[float, float, int], b: tuple[float, float, int]
) -> tuple[bool, float, float]:
    """Whether the difference of two (mean, std, n) exceeds seed noise (Welch, 5% level).

    Returns (significant, t statistic, df); with fewer than two values on either side
    nothing can be said: (False, nan, nan).
    """
    p, t, df = welch(a, b)
    return bool(p < ALPHA) if math.isfinite(p) else False, t, df


def holm(p_values: dict[str, float]) -> dict[str, float]:
    """Holm's step-down adjusted p-values (a NaN p stays NaN and is not counted)."""
    known = sorted(((p, k) for k, p in p_values.items() if math.isfinite(p)))
    m, running, out = len(known), 0.0, {k: math.nan for k in p_values}
    for i, (p, k) in enumerate(known):
        running = max(running, min(1.0, (m - i) * p))
        out[k] = running
    return out


def describe(values: Sequence[float]) -> tuple[float, float, int]:
    """(mean, sample std, n) of the finite values."""
    v = np.asarray([x for x in values if math.isfinite(x)], dtype=float)
    if len(v) == 0:
        return math.nan, math.nan, 0
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else math.nan, len(v)


@dataclass
class Separation:
    """A table's leader and, for every other cell, its Holm-adjusted p-value against it."""

    leader: str | None
    adjusted_p: dict[str, float] = field(default_factory=dict)
    stats: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    diffs: dict[str, Difference] = field(default_factory=dict)  # each cell - the leader

    def separated(self, cell: str) -> bool:
        p = self.adjusted_p.get(cell, math.nan)
        return math.isfinite(p) and p < ALPHA

    @property
    def tied(self) -> list[str]:
        """The leader and every cell not separated from it, best first."""
        if self.leader is None:
            return []
        rest = [c for c in self.adjusted_p if not self.separated(c)]
        return [self.leader, *sorted(rest, key=lambda c: -self.adjusted_p.get(c, 1.0))]


def separation(values: dict[str, Scores], *, higher_is_better: bool) -> Separation:
    """The leader (best mean) of cells of seed values (each keyed by seed, or a plain list),
    and each other cell's difference to it (`difference`: paired on shared seeds, else
    Welch), its p-value Holm-corrected over the table's comparisons."""
    described = {k: describe(list(_finite(v).values())) for k, v in values.items()}
    scored = {k: d for k, d in described.items() if d[2] > 0}
    if not scored:
        return Separation(None, {}, described)
    sign = 1 if higher_is_better else -1
    leader = max(scored, key=lambda k: (sign * scored[k][0], scored[k][2]))
    diffs = {k: difference(values[k], values[leader]) for k in scored if k != leader}
    return Separation(leader, holm({k: d.p for k, d in diffs.items()}), described, diffs)


def expected_max(values: Sequence[float], k: float, higher_is_better: bool = True) -> float:
    """The expected best of `k` draws with replacement from the observed `values`
    (Dodge et al. 2019, "Show Your Work: Improved Reporting of Experimental Results", eq. 1;
    used for optimizers by Sivaprasad et al. 2020, "Optimizer Benchmarking Needs to Account
    for Hyperparameter Tuning").

    `values`: N finite scores, in the metric's units (e.g. validation accuracy, a share);
    `k` >= 1 draws (a tuning budget in trials; need not be an integer or <= N). With v sorted
    worst to best, E = sum_i v_(i) [(i/N)^k - ((i-1)/N)^k]: the mean at k = 1, tending to the
    best value as k grows. `higher_is_better=False` takes the expected minimum. Returns a
    float in the units of `values`; ValueError if k < 1, no values, or a value is not finite.

        >>> expected_max([0.0, 1.0], 2)
        0.75
    """
    if not k >= 1:
        raise ValueError(f"k must be at least 1 (got {k})")
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        raise ValueError("no values to draw from")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite (score a diverged trial before calling)")
    v = np.sort(v) if higher_is_better else np.sort(v)[::-1]  # worst first
    weights = np.diff((np.arange(v.size + 1) / v.size) ** k)  # P(the best of k is v_(i))
    return float(np.dot(v, weights))
