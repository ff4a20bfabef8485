"""The self-tuning arm: fixed configurations run on every problem with no per-problem tuning
(a grid's `ruleset = "self-tuning"`, `zoo.bench.plan.roles`; AlgoPerf's self-tuning ruleset,
Dahl et al. 2023, "Benchmarking Neural Network Training Algorithms"), scored beside the
tuned tables: how much did tuning buy on each problem?

What tuning bought is the tuned leader minus the best self-tuning configuration, in the
headline metric's units (positive: tuning helped), with its 95% interval (paired t on the
seeds both share, else Welch's; `zoo.metrics.stats.difference`). Both sides are chosen the
same way, by their mean validation score, and scored on the test split, which chose neither:
the tuned leader is the tuned cell a practitioner who tunes would pick, the best self-tuning
configuration the one a practitioner who does not would end with after trying the fixed
ones. A problem without a validation metric (a GAN) has no tuned cells to compare: each
fixed configuration is shown beside its table's cells, chosen by nobody.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zoo.bench.output.record import TrialRecord
from zoo.metrics.stats import describe, difference, t95
from zoo.report.claims import Table, verdict
from zoo.report.document import Document
from zoo.report.frames import results_frame
from zoo.specs.tasks import Task, task

Cell = dict[int, TrialRecord]  # seed -> record


def _cells(records: list[TrialRecord]) -> dict[str, Cell]:
    out: dict[str, Cell] = defaultdict(dict)
    for r in records:
        out[f"{r.row} + {r.labels.regularizer}"][r.seed] = r
    return dict(out)


def _validation(cell: Cell) -> float:
    return describe([r.validation for r in cell.values()])[0]


def _test(cell: Cell) -> dict[int, float]:
    return {s: r.headline for s, r in cell.items()}


def _best(cells: dict[str, Cell], t: Task) -> str | None:
    """The cell with the best mean validation score (None: none has one)."""
    ranked = _by_validation(cells, t)
    return ranked[0][0] if ranked and math.isfinite(_validation(ranked[0][1])) else None


def _mean_ci(cell: Cell, t: Task) -> str:
    mean, sd, n = describe(list(_test(cell).values()))
    if n == 0:
        return "no result"
    half = t95(n - 1) * sd / math.sqrt(n) if n > 1 else math.nan
    return t.fmt(mean) + (f" ± {t.fmt(half)}" if math.isfinite(half) else "") + f" ({n})"


def bought(tuned: dict[str, Cell], fixed: dict[str, Cell], t: Task) -> dict[str, Any] | None:
    """The tuned leader and the best fixed configuration (each by mean validation score)
    and the leader minus it on the test split, signed so that positive means tuning helped:
    {"leader", "fixed", "diff" (a `Difference`)}; None where either side has no score."""
    leader, best = _best(tuned, t), _best(fixed, t)
    if leader is None or best is None:
        return None
    diff = difference(_test(tuned[leader]), _test(fixed[best]))
    if not t.higher_is_better:  # lower is better: "bought" is the fixed minus the tuned
        diff = type(diff)(-diff.d, -diff.high, -diff.low, diff.p, diff.test, diff.n)
    return {"leader": leader, "fixed": best, "diff": diff}


def robustness(table: Table, tuned: set[str], fixed: set[str], t: Task) -> str:
    """Whether what tuning bought holds, as every finding is checked (`claims.verdict`):
    with each seed left out in turn and read at the last epoch, both sides chosen again on
    validation, its 95% interval on the same side of zero (above, below or across it).
    `table`: the problem's trials (`results_frame` rows); `tuned`, `fixed`: the two arms'
    cell labels ("row + regularizer"). A sentence for the report, with a leading space."""

    def side(variant: Table) -> int | None:
        result = bought(_scored(variant, tuned), _scored(variant, fixed), t)
        return None if result is None else _side(result["diff"])

    return verdict(table, side)


@dataclass(frozen=True)
class _Scored:
    """A trial's two scores, read as `bought` reads a record's."""

    validation: float
    headline: float


def _scored(table: Table, labels: set[str]) -> dict[str, dict[int, _Scored]]:
    """`labels`' cells of `table`: each finished seed's validation score at its best epoch
    and its test score at the epoch the table reads (a variant may read the last)."""
    metric = task(table.task).metric
    val = table.results.set_index(["optimizer", "regularizer", "seed"])[f"best_val_{metric}"]
    cells = {(row, reg): seeds for (row, reg), seeds in table.cells().items()
             if f"{row} + {reg}" in labels}  # fmt: skip
    return {f"{row} + {reg}": {s: _Scored(float(val[(row, reg, s)]), v) for s, v in seeds.items()}
            for (row, reg), seeds in cells.items()}  # fmt: skip


def _by_validation(cells: dict[str, Cell], t: Task) -> list[tuple[str, Cell]]:
    """`cells` best mean validation score first (none last), as the arm's table lists them."""

    def key(item: tuple[str, Cell]) -> float:
        v = _validation(item[1])
        return -math.inf if not math.isfinite(v) else v if t.higher_is_better else -v

    return sorted(cells.items(), key=key, reverse=True)


def _table(title: str, *arms: dict[str, Cell]) -> Table:
    """The arms' trials as one table of the findings (`claims.Table`)."""
    return Table(
        title, results_frame([r for arm in arms for c in arm.values() for r in c.values()])
    )


def _side(d) -> int:
    """+1: a difference's 95% interval lies above zero; -1: below; 0: across it (or none)."""
    return 1 if d.low > 0 else -1 if d.high < 0 else 0


def _problem(doc: Document, title: str, tuned: dict[str, Cell], fixed: dict[str, Cell],
             trials: int, t: Task) -> None:  # fmt: skip
    """One problem's sentence and table."""
    result = bought(tuned, fixed, t) if t.tunable and tuned else None
    if result is not None:
        d = result["diff"]
        test = f"paired t on {d.n} shared seeds" if d.test == "paired" else "Welch"
        ci = (f"95% CI {t.diff(d.low)} to {t.diff(d.high)}, {test}" if math.isfinite(d.low)
              else "no interval: too few seeds")  # fmt: skip
        doc.paragraph(
            f"**{title}**: tuning bought **{t.diff(d.d)}** ({ci}): the tuned leader on "
            f"validation, `{result['leader']}`, {_mean_ci(tuned[result['leader']], t)}, "
            f"against the best self-tuning configuration on validation, `{result['fixed']}`, "
            f"{_mean_ci(fixed[result['fixed']], t)}; tuning ran {trials} candidate trials on "
            "this problem, the self-tuning configurations none."
            + robustness(_table(title, tuned, fixed), set(tuned), set(fixed), t)
        )
    elif not t.tunable:
        doc.paragraph(f"**{title}**: not tuned (no validation metric: its {t.label} is "
                      "measured on the test split), so nothing was bought to measure; the "
                      "fixed configurations beside the table's hand-set cells.")  # fmt: skip
    else:
        doc.paragraph(f"**{title}**: no tuned cell with a validation score to compare the "
                      "fixed configurations with.")  # fmt: skip
    rows = [{"configuration": k, "arm": arm,
             "validation (mean)": t.fmt(v) if math.isfinite(v := _validation(c)) else "—",
             f"{t.label} (seeds)": _mean_ci(c, t)}
            for arm, cells in (("self-tuning", fixed), ("tuned" if t.tunable else "hand-set",
                                                         tuned))
            for k, c in _by_validation(cells, t)]  # fmt: skip
    doc.table(pd.DataFrame(rows).set_index("configuration"))


def self_tuning_section(doc: Document, run: dict[str, Any], by_hash: dict[str, TrialRecord],
                        tuning: dict[str, Any] | None) -> None:  # fmt: skip
    """The self-tuning arm's section, one part per table with fixed configurations."""
    fixed = set(run.get("self_tuning_hashes") or [])
    if not fixed:
        return
    cells = (tuning or {}).get("cells", [])
    chosen = [by_hash[h] for c in cells for h in c.get("chosen_hashes", []) if h in by_hash]
    tuned = {(r.model, r.row, r.labels.regularizer) for r in chosen}  # racing's seeds too
    records = [by_hash[h] for h in run.get("trial_hashes", []) if h in by_hash]
    tables: dict[tuple, list[TrialRecord]] = defaultdict(list)
    for r in records:
        tables[(r.model, r.dataset, r.backend)].append(r)
    doc.heading("Self-tuning arm")
    doc.paragraph(
        "AlgoPerf's self-tuning ruleset (Dahl et al. 2023): fixed configurations run on every "
        "problem as written, with no per-problem tuning, beside the tables' cells tuned on "
        "each problem. What tuning bought: the tuned leader minus the best self-tuning "
        "configuration, each chosen by its mean validation score and scored on the test split "
        "(positive: tuning helped), with its 95% interval."
    )
    for (model, dataset, _), recs in tables.items():
        mine = [r for r in recs if r.config_hash in fixed]
        if not mine:
            continue
        t = mine[0].task_info
        others = [r for r in recs if r.config_hash not in fixed and (not t.tunable or
                  (r.model, r.row, r.labels.regularizer) in tuned)]  # fmt: skip
        trials = sum(c.get("trials", 0) for c in cells if c["model"] == model)
        _problem(doc, f"{model} on {dataset}", _cells(others), _cells(mine), trials, t)
