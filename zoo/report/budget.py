"""The budget axis: an optimizer table at a second epoch budget (a grid's `budget_of`,
`zoo.bench.plan.roles`), each optimizer tuned at that budget on its own, compared with the
named grid's table at the headline budget.

Wen et al. 2025 ("Fantastic Pretraining Optimizers and Where to Find Them") found that
optimizer rankings at one budget, or mid-run before the learning rate decays, flip at
another; this section says whether they do here, in two ways:

- **Rank agreement**: Kendall's tau-b (`scipy.stats.kendalltau`) between the optimizers'
  mean headline scores at the two budgets, over the optimizers both tables ran, with a 95%
  percentile-bootstrap interval over seeds (Efron & Tibshirani 1993, "An Introduction to the
  Bootstrap", ch. 13; `scipy.stats.bootstrap`, every cell's seeds resampled independently,
  the means and tau recomputed): how far seed noise alone moves tau. With 3 to 6 seeds a
  cell the resampling is coarse; the interval says nothing of other problems.
- **Findings at both budgets**: every pair of those optimizers compared at each budget
  (paired t on shared seeds, else Welch; Holm over the pairs of that budget): a pair
  separated the same way at both holds at both, separated opposite ways flips, separated at
  one only holds there only.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from zoo.bench.output.record import TrialRecord
from zoo.metrics.stats import ALPHA, describe, difference, holm, t95
from zoo.report.document import Document
from zoo.report.frames import optimizer_name
from zoo.specs.tasks import Task

RESAMPLES = 2000  # bootstrap resamples of the seeds
BOOTSTRAP_SEED = 0  # the resampling is seeded: the same records give the same interval

Cells = dict[str, dict[int, float]]  # optimizer (by name) -> seed -> headline score


def cells_of(records: list[TrialRecord]) -> Cells:
    """Each optimizer's headline scores by seed (by its name, whatever rate tuning chose;
    a regularizer other than `none` is named with it); NaN where a seed did not finish."""
    out: Cells = {}
    for r in records:
        key = optimizer_name(r.row)
        if r.labels.regularizer != "none":
            key += f" + {r.labels.regularizer}"
        out.setdefault(key, {})[r.seed] = r.headline
    return out


def _means(cells: Cells, keys: list[str]) -> np.ndarray:
    return np.array([describe(list(cells[k].values()))[0] for k in keys])


def rank_agreement(a: Cells, b: Cells, keys: list[str]) -> tuple[float, float, float, float]:
    """Kendall's tau-b between the mean scores of `keys` in `a` and in `b`, its two-sided p
    (scipy's), and the 95% percentile-bootstrap interval over seeds: (tau, low, high, p).
    NaNs where fewer than two keys have finite means or every mean is level."""
    ma, mb = _means(a, keys), _means(b, keys)
    ok = np.isfinite(ma) & np.isfinite(mb)
    keys = [k for k, good in zip(keys, ok, strict=True) if good]
    if len(keys) < 2:
        return math.nan, math.nan, math.nan, math.nan
    tau, p = stats.kendalltau(ma[ok], mb[ok])
    samples = [np.array([v for v in c[k].values() if math.isfinite(v)])
               for c in (a, b) for k in keys]  # fmt: skip

    def statistic(*resampled) -> float:
        means = np.array([s.mean() for s in resampled])
        return stats.kendalltau(means[: len(keys)], means[len(keys) :])[0]

    if not all(len(s) for s in samples) or not math.isfinite(tau):
        return float(tau), math.nan, math.nan, float(p)
    with np.errstate(invalid="ignore"):
        boot = stats.bootstrap(samples, statistic, n_resamples=RESAMPLES, vectorized=False,
                               method="percentile", random_state=BOOTSTRAP_SEED)  # fmt: skip
    low, high = boot.confidence_interval
    return float(tau), float(low), float(high), float(p)


def separated_pairs(cells: Cells, keys: list[str], higher: bool) -> dict[tuple[str, str], int]:
    """For each pair (x, y) of `keys`: +1 where x is separated as better than y, -1 as
    worse, 0 not separated (paired t on shared seeds, else Welch; Holm over the pairs)."""
    diffs = {}
    for x, y in itertools.combinations(keys, 2):
        diff = difference(cells[x], cells[y])
        if math.isfinite(diff.p):
            diffs[(x, y)] = diff
    adjusted = holm({k: d.p for k, d in diffs.items()})
    sign = 1 if higher else -1
    return {pair: (int(np.sign(sign * d.d)) if adjusted[pair] < ALPHA else 0)
            for pair, d in diffs.items()}  # fmt: skip


def _mean_ci(values: dict[int, float], t: Task) -> str:
    mean, sd, n = describe(list(values.values()))
    if n == 0:
        return "no result"
    half = t95(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
    ci = f" ± {t.fmt(half)}" if math.isfinite(half) else ""
    return f"{t.fmt(mean)}{ci} ({n})"


def _ranks(cells: Cells, keys: list[str], higher: bool) -> dict[str, int]:
    means = _means(cells, keys)
    order = sorted(range(len(keys)), key=lambda i: (not math.isfinite(means[i]),
                   -means[i] if higher else means[i]))  # fmt: skip
    return {keys[i]: r + 1 for r, i in enumerate(order)}


def _rows(records: list[TrialRecord]) -> dict[str, str]:
    """Each optimizer's row label with the values tuning chose for it (`adam:lr=0.00316`)."""
    return {k: r.row for r in records for k in cells_of([r])}


def compare_budgets(head: list[TrialRecord], other: list[TrialRecord], t: Task) -> dict[str, Any]:
    """Everything the section says of one budget axis: the shared optimizers, each table's
    ranks, tau with its interval, and the pairs that hold, flip or hold at one budget."""
    a, b = cells_of(head), cells_of(other)
    keys = [k for k in a if k in b]
    tau, low, high, p = rank_agreement(a, b, keys)
    sa, sb = (
        separated_pairs(a, keys, t.higher_is_better),
        separated_pairs(b, keys, t.higher_is_better),
    )
    both = [pair for pair, s in sa.items() if s and sb.get(pair) == s]
    flips = [pair for pair, s in sa.items() if s and sb.get(pair) == -s]
    one = [pair for pair in set(sa) | set(sb) if bool(sa.get(pair)) != bool(sb.get(pair))]
    return {"keys": keys, "a": a, "b": b, "tau": tau, "low": low, "high": high, "p": p,
            "ranks": (_ranks(a, keys, t.higher_is_better), _ranks(b, keys, t.higher_is_better)),
            "both": both, "flips": flips, "one": sorted(one), "sa": sa, "sb": sb}  # fmt: skip


def _epochs(n: int) -> str:
    return f"{n} epoch{'s' * (n != 1)}"


def _pair(pair: tuple[str, str], sign: int) -> str:
    x, y = pair
    return f"`{x}` > `{y}`" if sign > 0 else f"`{y}` > `{x}`"


def _sentence(c: dict[str, Any], e_head: int, e_other: int) -> str:
    n = len(c["keys"])
    if not math.isfinite(c["tau"]):
        return f"Too few optimizers with results at both budgets ({n}) for a rank correlation."
    interval = (f"95% CI {c['low']:+.2f} to {c['high']:+.2f}, percentile bootstrap over seeds, "
                f"{RESAMPLES} resamples" if math.isfinite(c["low"]) else
                "no bootstrap interval: a cell has no finished seed")  # fmt: skip
    text = (f"Kendall's tau between the rankings at {e_head} and {e_other} epochs, over the "
            f"{n} optimizers both ran: **{c['tau']:+.2f}** ({interval}; p = {c['p']:.3f} "
            "against no association). ")  # fmt: skip
    if c["flips"]:
        shown = "; ".join(f"{_pair(p, c['sa'][p])} at {e_head} epochs but "
                          f"{_pair(p, c['sb'][p])} at {e_other}" for p in c["flips"])  # fmt: skip
        text += f"**Rankings flip**: {len(c['flips'])} separated pair(s) reverse: {shown}. "
    else:
        text += "No pair separated at both budgets reverses. "
    if c["both"]:
        text += ("Holding at both budgets: "
                 + "; ".join(_pair(p, c["sa"][p]) for p in c["both"]) + ". ")  # fmt: skip
    if c["one"]:
        text += (f"{len(c['one'])} pair(s) separated at one budget only (not a finding at "
                 "the other: inconclusive there, not reversed).")  # fmt: skip
    return text.strip()


def _table(c: dict[str, Any], head, other, t: Task, e_head: int, e_other: int) -> pd.DataFrame:
    ra, rb = c["ranks"]
    rows_a, rows_b = _rows(head), _rows(other)
    return pd.DataFrame([{
        "optimizer": k,
        f"rank at {_epochs(e_head)}": ra[k],
        f"{t.label} at {_epochs(e_head)} (seeds)": _mean_ci(c["a"][k], t),
        f"tuned at {_epochs(e_head)}": f"`{rows_a.get(k, '')}`",
        f"rank at {_epochs(e_other)}": rb[k],
        f"{t.label} at {_epochs(e_other)} (seeds)": _mean_ci(c["b"][k], t),
        f"tuned at {_epochs(e_other)}": f"`{rows_b.get(k, '')}`",
    } for k in sorted(c["keys"], key=ra.get)]).set_index("optimizer")  # fmt: skip


def budget_section(doc: Document, run: dict[str, Any], by_hash: dict[str, TrialRecord]) -> None:
    """The budget axis's section, one part per axis in run.json's `budget_axis`."""
    axes = run.get("budget_axis") or []
    if not axes:
        return
    doc.heading("Budget axis")
    doc.paragraph(
        "The same optimizer table at a second epoch budget, each optimizer tuned at that "
        "budget by the same search and seeds, raced and reported apart from the tables above. "
        "Do the rankings hold? Kendall's tau-b between the two budgets' rankings by mean "
        "test score, with a 95% percentile-bootstrap interval over seeds (Efron & Tibshirani "
        "1993; each cell's seeds resampled, so it shows how far seed noise alone moves tau); "
        "then every pair of optimizers compared at each budget (paired t on shared seeds, "
        "else Welch's; Holm over the pairs): a pair separated the same way at both budgets "
        "holds at both; separated opposite ways, the ranking flips (as Wen et al. 2025 found "
        "during learning-rate decay in language-model pretraining)."
    )
    for axis in axes:
        head = [by_hash[h] for h in axis.get("of_hashes", []) if h in by_hash]
        other = [by_hash[h] for h in axis.get("hashes", []) if h in by_hash]
        if not head or not other:
            continue
        t = other[0].task_info
        e_head, e_other = head[0].epochs, other[0].epochs
        c = compare_budgets(head, other, t)
        doc.paragraph(f"**{axis['model']} on {axis['dataset']}**, {_epochs(e_head)} (grid "
                      f"`{axis['of']}`) against {_epochs(e_other)}: "
                      + _sentence(c, e_head, e_other))  # fmt: skip
        if c["keys"]:
            doc.table(_table(c, head, other, t, e_head, e_other))
