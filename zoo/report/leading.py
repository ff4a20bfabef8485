"""The leading-group finding: a table's leader, whom it is separated from, and for every cell
it is not, the difference with its 95% interval, called equivalent only within a declared
margin (two one-sided tests; by default the test split's binomial noise floor) and
inconclusive otherwise; a leader no better than chance is not ranked."""

from __future__ import annotations

import math

from zoo.metrics.stats import ci95, equivalent, separation, tests_named
from zoo.report.chance import beats_chance
from zoo.report.chance import chance as table_chance
from zoo.report.claims import Table, comparisons, fmt, name, seeds, variants, verdict
from zoo.specs import tasks


def noise_floor(table: Table) -> tuple[float, str]:
    """The equivalence margin a table's claims use, and how it was set: for a share (accuracy)
    the test split's binomial noise floor, 1.96 x sqrt(p (1 - p) / n) at the best cell's mean
    over its n test examples (about 0.6 pp at 10,000 images near 0.9); else none (0)."""
    t = tasks.task(table.task)
    ok = table.results[table.results["status"] == "ok"]
    if not t.percent or ok.empty:
        return 0.0, ""
    n = int(ok["test_size"].median())
    means = [sum(x.values()) / len(x) for x in table.cells().values() if x]
    if not means:
        return 0.0, ""
    best = max(means) if t.higher_is_better else min(means)
    margin = 1.96 * t.noise(best if t.higher_is_better else 1 - best, n)
    return margin, f"the test split's binomial noise floor at {t.fmt(best)} over {n:,} examples"


def equivalence_margin(table: Table, given: float | None = None) -> tuple[float, str]:
    """The margin a table's equivalence claims use, and why: `given`, else the table's
    declared margin (`zoo report --margin`), else its noise floor (`noise_floor`)."""
    given = given if given is not None else table.margin
    return (given, "the margin given") if given is not None else noise_floor(table)


def chance(table: Table) -> float | None:
    """What a predictor without skill scores on the table's headline metric
    (`zoo.report.chance.chance`: 1/classes, 0.5 binary, the untrained generator's FID);
    None if unknown."""
    level = table_chance(table.results)
    return level if math.isfinite(level) else None


def _beats_chance(table: Table, stats: tuple[float, float, int]) -> bool | None:
    """Whether a cell's mean is better than chance beyond its 95% interval (one seed: beyond
    its measurement noise); None where chance is unknown."""
    level = chance(table)
    if level is None:
        return None
    mean, std, n = stats
    half = ci95(std, n) if n >= 2 else math.nan
    return beats_chance(table.task, mean, half, table.results["test_size"].median(), level)


def _versus(table: Table, cell: str, sep) -> str:
    """`cell` (mean, seeds; difference to the leader with its 95% interval)."""
    t = tasks.task(table.task)
    diff = sep.diffs[cell]
    mean, _, n = sep.stats[cell]
    on = f" on {diff.n} shared seeds" if diff.test == "paired" and diff.n < n else ""
    gap = (f"; {t.diff(diff.d)}{on}, 95% CI {t.diff(diff.low)} to {t.diff(diff.high)}"
           if math.isfinite(diff.low) else "")  # fmt: skip
    return f"{cell} ({fmt(table.task, mean)}, {seeds(n)}{gap})"


def _listed(table: Table, cells: list[str], sep) -> str:
    shown = ", ".join(_versus(table, c, sep) for c in cells[:4])
    return shown + (f" and {len(cells) - 4} more" if len(cells) > 4 else "")


def _group(table: Table, margin: float | None):
    """The leader's separation (`zoo.metrics.stats.separation`), the cells equivalent to it
    within the margin and those inconclusive, and the margin with its reason."""
    cells = table.cells()
    h = tasks.task(table.task)
    sep = separation({name(k): v for k, v in cells.items()}, higher_is_better=h.higher_is_better)
    rest = [c for c in sep.tied if c != sep.leader]
    floor, why = equivalence_margin(table, margin)
    same = [c for c in rest if equivalent(sep.diffs[c].interval, floor)]
    return sep, same, [c for c in rest if c not in same], floor, why


def leading_cells(table: Table) -> tuple[tuple[str, str] | None, set[tuple[str, str]]]:
    """The table's leader (row, regularizer) and the cells not separated from it, for the
    figures; (None, empty) where the leader is no better than chance (not ranked)."""
    h = tasks.task(table.task)
    sep = separation(table.cells(), higher_is_better=h.higher_is_better)
    if sep.leader is None or _beats_chance(table, sep.stats[sep.leader]) is False:
        return None, set()
    return sep.leader, {c for c in sep.adjusted_p if not sep.separated(c)}


def _lead_claim(table: Table, margin: float | None = None) -> tuple:
    """What the leading-group finding asserts: the leader, whom it is separated from, and
    who is equivalent to it."""
    sep, same, _, _, _ = _group(table, margin)
    return sep.leader, frozenset(c for c in sep.adjusted_p if sep.separated(c)), frozenset(same)


def leading_group(table: Table, margin: float | None = None) -> str | None:
    """The table's leader with its seeds; which cells are separated from it; those that are
    not, each with its difference to the leader and that difference's 95% interval, called
    equivalent only where the interval lies inside the margin (`noise_floor`, or `margin`),
    else inconclusive; and its robustness verdict (`verdict`). A leader no better than chance
    is not ranked."""
    cells = table.cells()
    h = tasks.task(table.task)
    sep, same, unsure, floor, why = _group(table, margin)
    if sep.leader is None:
        return None
    mean, _, n = sep.stats[sep.leader]
    lead = f"{sep.leader} ({fmt(table.task, mean)}, {seeds(n)})"
    if _beats_chance(table, sep.stats[sep.leader]) is False:
        level = fmt(table.task, chance(table))
        level = f"an untrained generator's {h.label} {level}" if h.generative else level
        return (f"no cell is better than chance ({level}): the best, "
                f"{lead}, is not ranked.")  # fmt: skip
    if len(cells) == 1:
        return f"{lead} is the only cell."
    if n < 2:
        return f"{lead} leads, but one seed cannot separate it from the rest."
    if not sep.adjusted_p:
        others = len(cells) - 1
        return f"{lead} is the only cell with a result (no seed of the other {others} finished)."
    k = comparisons(len(sep.adjusted_p))
    robust = verdict(table, lambda v: _lead_claim(v, margin))
    moved = [label for label, v in variants(table) if _lead_claim(v, margin)[0] != sep.leader]
    if moved:
        more = f" and {len(moved) - 3} more" if len(moved) > 3 else ""
        robust += f" The leader itself changes with {', '.join(moved[:3])}{more}."
    test = tests_named(list(sep.diffs.values()))
    if not same and not unsure:
        least = min(sep.stats[c][2] for c in sep.adjusted_p)
        return (f"{lead} leads, separated from every other cell ({test}, Holm-corrected over "
                f"{k}, 5%; the others have {least}+ seeds).{robust}")  # fmt: skip
    separated = len(sep.adjusted_p) - len(same) - len(unsure)
    text = (f"{lead} leads; separated from it: {separated} of the other {len(cells) - 1} cells "
            f"({test}, Holm-corrected over {k}, 5%; the intervals below are per comparison, "
            "not adjusted).")  # fmt: skip
    if same:
        within = "±" + h.diff(floor).lstrip("+")
        text += (f" Equivalent to it within {within} ({why}; two one-sided tests: the 95% CI "
                 f"of the difference inside it): {_listed(table, same, sep)}.")  # fmt: skip
    if unsure:
        text += (" Not separated from it, and not shown equivalent (inconclusive): "
                 f"{_listed(table, unsure, sep)}.")  # fmt: skip
    return text + robust
