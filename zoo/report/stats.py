"""How sure a comparison over a few seeds is: t confidence intervals and Welch's t-test.

With 2-5 seeds the normal approximation (±1.96 sd/√n) is far too narrow; these use Student's
t. No scipy: the two-sided 95% quantiles are tabulated (a smaller df is used between entries,
which errs on the side of wider intervals).
"""

from __future__ import annotations

import math

# Two-sided 95% quantiles of Student's t, t(0.975; df).
_T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120,
    17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 25: 2.060, 30: 2.042, 40: 2.021, 60: 2.000,
    120: 1.980,
}  # fmt: skip


def t95(df: float) -> float:
    """t(0.975; df); for a df between table entries, the next smaller one (conservative)."""
    if not df >= 1:
        return math.inf
    if df > 120:
        return 1.960
    return _T95[max(k for k in _T95 if k <= df)]


def ci95(std: float, n: int) -> float:
    """Half-width of the 95% confidence interval of a mean of `n` values with sample `std`."""
    if n < 2 or not math.isfinite(std):
        return math.nan
    return t95(n - 1) * std / math.sqrt(n)


def lead_is_real(
    a: tuple[float, float, int], b: tuple[float, float, int]
) -> tuple[bool, float, float]:
    """Welch's t-test of two (mean, std, n): whether their difference exceeds seed noise.

    Returns (significant at 5%, t statistic, Welch-Satterthwaite df). With fewer than two
    values on either side nothing can be said: (False, nan, nan).
    """
    (m1, s1, n1), (m2, s2, n2) = a, b
    if n1 < 2 or n2 < 2:
        return False, math.nan, math.nan
    v1, v2 = s1**2 / n1, s2**2 / n2
    if v1 + v2 == 0:
        return m1 != m2, math.inf if m1 != m2 else 0.0, math.inf
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    return abs(t) > t95(df), t, df
