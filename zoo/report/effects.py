"""Effect findings: each regularizer against `none` under the same optimizer, each schedule
against `constant`, with its difference and 95% interval; helped or hurt only where the
t-test (paired on shared seeds, else Welch's) survives Holm's correction over that kind's
comparisons in the table, else not separated (inconclusive); each with its robustness
verdict."""

from __future__ import annotations

import math

from zoo.metrics.stats import ALPHA, Difference, difference, equivalent, fmt_p, holm, tests_named
from zoo.report.claims import Table, comparisons, name, verdict
from zoo.report.frames import same_optimizer
from zoo.report.leading import equivalence_margin
from zoo.specs import tasks
from zoo.specs.schedules import split_row_label


def _contrasts(
    table: Table, pairs: list[tuple[tuple[str, str], tuple[str, str]]]
) -> list[tuple[tuple[str, str], tuple[str, str], Difference, float]]:
    """(cell, baseline, difference with its 95% CI, Holm-adjusted p) for each pair with
    seeds (`zoo.metrics.stats.difference`: paired on shared seeds, else Welch)."""
    cells = table.cells()
    diffs = {}
    for cell, base in pairs:
        diff = difference(cells.get(cell, {}), cells.get(base, {}))
        if math.isfinite(diff.p):
            diffs[(cell, base)] = diff
    adjusted = holm({k: d.p for k, d in diffs.items()})
    return [(c, b, diffs[(c, b)], adjusted[(c, b)]) for c, b in diffs]


def _effect(table: Table, diff: Difference) -> str:
    """`+1.2 pp, 95% CI +0.3 pp to +2.1 pp`."""
    t = tasks.task(table.task)
    d, low, high = diff.interval
    ci = f", 95% CI {t.diff(low)} to {t.diff(high)}" if math.isfinite(low) else ""
    return f"{t.diff(d)}{ci}"


def _effects(table: Table, what: str, baseline: str, pairs) -> str | None:
    """Each of `pairs` (cell against its baseline) with its effect size and 95% interval:
    which differ significantly (paired or Welch t, Holm-corrected), and which way; of the rest,
    those whose interval lies inside the table's margin are equivalent (two one-sided tests),
    the others not separated, which is not the same as no effect (inconclusive)."""
    found = _contrasts(table, pairs)
    if not found:
        return None
    higher = tasks.task(table.task).higher_is_better
    margin, _ = equivalence_margin(table)
    helped, hurt, same, unsure = [], [], [], []
    for cell, base, diff, p in found:
        words = f"{name(cell)} vs {name(base)} ({_effect(table, diff)}"
        if p < ALPHA:
            words += f", {fmt_p(p, adjusted=True)})"
            (helped if (diff.d > 0) == higher else hurt).append(words)
        else:
            (same if equivalent(diff.interval, margin) else unsure).append(words + ")")
    n = len(found)

    def claim(v: Table) -> frozenset:  # what each comparison is called: helped/hurt/equivalent
        m = equivalence_margin(v)[0]
        return frozenset((c, b, "equivalent" if p >= ALPHA else (d.d > 0) == higher)
                         for c, b, d, p in _contrasts(v, pairs)
                         if p < ALPHA or equivalent(d.interval, m))  # fmt: skip

    robust = verdict(table, claim)
    test = tests_named([d for _, _, d, _ in found])
    head = (f"{what}s against {baseline} ({comparisons(n)}, {test}, Holm-corrected over "
            "these, a family apart from the leading group's; intervals per comparison, not "
            "adjusted): ")  # fmt: skip
    bound = tasks.task(table.task).diff(margin).lstrip("+")
    within = f"equivalent within ±{bound} (the 95% CI inside it)"
    parts = [f"{label}: " + "; ".join(items) for label, items in
             (("helped", helped), ("hurt", hurt), (within, same),
              ("not separated (inconclusive)", unsure)) if items]  # fmt: skip
    return head + ". ".join(parts) + "." + robust


def _baseline(table: Table, keys, exact: tuple[str, str], match) -> tuple[str, str] | None:
    """The baseline cell: `exact` where the table has it, else, where its task's rates are
    tuned, the one cell with its regularizer whose row `match`es (the same optimizer, tuned
    to other values); an untuned table's rates are settings written by hand, not matched."""
    if exact in keys:
        return exact
    if not tasks.task(table.task).tunable:
        return None
    found = [k for k in keys if k[1] == exact[1] and match(k[0])]
    return found[0] if len(found) == 1 else None


def regularizer_effects(table: Table) -> str | None:
    """Each regularizer against `none` under the same optimizer (and schedule), each cell at
    the rates its own tuning chose (a baseline at another rate is named with it)."""
    keys = table.cells()
    pairs = []
    for row, reg in keys:
        same = same_optimizer(row)
        base = _baseline(table, keys, (row, "none"), lambda r, s=same: same_optimizer(r) == s)
        if reg != "none" and base is not None:
            pairs.append(((row, reg), base))
    return _effects(table, "regularizer", "`none` under the same optimizer", pairs)


def schedule_effects(table: Table) -> str | None:
    """Each schedule against `constant` with the same optimizer and regularizer."""
    keys = table.cells()
    pairs = []
    for row, reg in keys:
        optimizer, schedule = same_optimizer(row)
        exact = (split_row_label(row)[0], reg)
        constant = (optimizer, "constant")
        base = _baseline(table, keys, exact, lambda r, c=constant: same_optimizer(r) == c)
        if schedule != "constant" and base is not None:
            pairs.append(((row, reg), base))
    return _effects(table, "schedule", "`constant` with the same optimizer and regularizer",
                    pairs)  # fmt: skip
