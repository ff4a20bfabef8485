"""Findings: a few sentences written from a report's tables, each with its numbers, its seed
counts and whether it holds after correction, and a link to its table.

Every claim of a difference rests on Welch's test at 5%, Holm-corrected over the comparisons
of its kind in its table (`zoo.metrics.stats`); a difference that does not pass is said to be
not significant, never "better". Rankings from one seed (tuning's candidates) are labelled as
hints. Time-to-target is reported as measured (means over seeds), without a test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from zoo.bench.decide.tune import edges
from zoo.data import dataset_info
from zoo.metrics.stats import (
    ALPHA,
    ci95,
    describe,
    diff_ci,
    equivalent,
    fmt_p,
    holm,
    separation,
    welch,
)
from zoo.report.document import anchor
from zoo.report.frames import same_optimizer
from zoo.specs import tasks
from zoo.specs.schedules import split_row_label


@dataclass
class Table:
    """One table of a report: a model on a data set (under one backend)."""

    title: str  # the section heading, e.g. "cnn_small on fashion_mnist"
    results: pd.DataFrame  # its trials (results_frame rows)
    last_epoch: bool = False  # read the test scores at the last epoch, not the tested one

    @property
    def task(self) -> str:
        return self.results["task"].iloc[0]

    @property
    def link(self) -> str:
        return f"[{self.title}](#{anchor(self.title)})"

    def cells(self) -> dict[tuple[str, str], list[float]]:
        """(row, regularizer) -> the headline metric of every finished seed."""
        col = tasks.task(self.task).column
        if self.last_epoch and f"{col}_last" in self.results:
            col = f"{col}_last"
        cells: dict[tuple[str, str], list[float]] = {}
        for (row, reg), sub in self.results.groupby(["optimizer", "regularizer"], sort=False):
            ok = sub[sub["status"] == "ok"][col]
            cells[(row, reg)] = [float(v) for v in ok if math.isfinite(v)]
        return cells


def variants(table: Table) -> list[tuple[str, Table]]:
    """The checks a finding must survive to be robust ("would it flip?"): the table with each
    seed left out in turn, and read at the last epoch instead of the best-validation one
    (where the two differ)."""
    out = [(f"seed {s} left out", Table(table.title, table.results[table.results["seed"] != s]))
           for s in sorted(table.results["seed"].unique())]  # fmt: skip
    col = tasks.task(table.task).column
    last = table.results.get(f"{col}_last")
    if last is not None and not last.equals(table.results[col]):
        out.append(("the last epoch tested", Table(table.title, table.results, last_epoch=True)))
    return out


def verdict(table: Table, claim) -> str:
    """ " Robust: ..." where `claim(table)` (what a finding asserts, comparable) is the same in
    every variant (`variants`), else which checks change it."""
    base = claim(table)
    flips = [label for label, v in variants(table) if claim(v) != base]
    if not flips:
        return " Robust: it holds with each seed left out in turn and at the last epoch."
    shown = ", ".join(flips[:3]) + (f" and {len(flips) - 3} more" if len(flips) > 3 else "")
    return f" Not robust: it changes with {shown}."


def _name(cell: tuple[str, str]) -> str:
    return f"`{cell[0]}` + `{cell[1]}`"


def _fmt(task: str, value: float) -> str:
    return tasks.task(task).fmt(value)


def _diff(task: str, d: float) -> str:
    return tasks.task(task).diff(d)


def noise_floor(table: Table) -> tuple[float, str]:
    """The equivalence margin a table's claims use, and how it was set: for a share (accuracy)
    the test split's binomial noise floor, 1.96 x sqrt(p (1 - p) / n) at the best cell's mean
    over its n test examples (about 0.6 pp at 10,000 images near 0.9); else none (0)."""
    t = tasks.task(table.task)
    ok = table.results[table.results["status"] == "ok"]
    if not t.percent or ok.empty:
        return 0.0, ""
    n = int(ok["test_size"].median())
    best = max(v for v in (sum(x) / len(x) for x in table.cells().values() if x))
    margin = 1.96 * t.noise(best if t.higher_is_better else 1 - best, n)
    return margin, f"the test split's binomial noise floor at {t.fmt(best)} over {n:,} examples"


def chance(table: Table) -> float | None:
    """What a predictor without skill scores on the table's headline metric: 1/classes for a
    classifier (0.5 binary), the untrained generator's FID for a GAN; None if unknown."""
    t = tasks.task(table.task)
    if t.generative:
        untrained = table.results["fid_untrained"].dropna()
        return float(untrained.mean()) if len(untrained) else None
    if not t.percent:
        return None
    k = t.classes or dataset_info(table.results["dataset"].iloc[0]).num_classes
    return 1.0 / k if k else None


def _beats_chance(table: Table, stats: tuple[float, float, int]) -> bool | None:
    """Whether a cell's mean is better than chance beyond its 95% interval (one seed: beyond
    the noise floor); None where chance is unknown."""
    level = chance(table)
    if level is None:
        return None
    t = tasks.task(table.task)
    mean, std, n = stats
    half = ci95(std, n) if n >= 2 else noise_floor(table)[0]
    edge = mean - half if t.higher_is_better else mean + half
    return t.better(edge, level) if math.isfinite(edge) else t.better(mean, level)


def _versus(table: Table, cell: str, sep) -> str:
    """`cell` (mean, seeds; difference to the leader with its 95% interval)."""
    t = tasks.task(table.task)
    d, low, high = diff_ci(sep.stats[cell], sep.stats[sep.leader])
    mean, _, n = sep.stats[cell]
    gap = f"; {t.diff(d)}, 95% CI {t.diff(low)} to {t.diff(high)}" if math.isfinite(low) else ""
    return f"{cell} ({_fmt(table.task, mean)}, {_seeds(n)}{gap})"


def _listed(table: Table, cells: list[str], sep) -> str:
    shown = ", ".join(_versus(table, c, sep) for c in cells[:4])
    return shown + (f" and {len(cells) - 4} more" if len(cells) > 4 else "")


def _group(table: Table, margin: float | None):
    """The leader's separation (`zoo.metrics.stats.separation`), the cells equivalent to it
    within the margin and those inconclusive, and the margin with its reason."""
    cells = table.cells()
    h = tasks.task(table.task)
    sep = separation({_name(k): v for k, v in cells.items()}, higher_is_better=h.higher_is_better)
    rest = [c for c in sep.tied if c != sep.leader]
    floor, why = (margin, "the margin given") if margin is not None else noise_floor(table)
    same = [c for c in rest if equivalent(diff_ci(sep.stats[c], sep.stats[sep.leader]), floor)]
    return sep, same, [c for c in rest if c not in same], floor, why


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
    lead = f"{sep.leader} ({_fmt(table.task, mean)}, {_seeds(n)})"
    if _beats_chance(table, sep.stats[sep.leader]) is False:
        return (f"no cell is better than chance ({_fmt(table.task, chance(table))}): the best, "
                f"{lead}, is not ranked.")  # fmt: skip
    if len(cells) == 1:
        return f"{lead} is the only cell."
    if n < 2:
        return f"{lead} leads, but one seed cannot separate it from the rest."
    if not sep.adjusted_p:
        others = len(cells) - 1
        return f"{lead} is the only cell with a result (no seed of the other {others} finished)."
    k = _comparisons(len(sep.adjusted_p))
    robust = verdict(table, lambda v: _lead_claim(v, margin))
    if not same and not unsure:
        least = min(sep.stats[c][2] for c in sep.adjusted_p)
        return (f"{lead} leads, separated from every other cell (Welch, Holm-corrected over {k}, "
                f"5%; the others have {least}+ seeds).{robust}")  # fmt: skip
    separated = len(sep.adjusted_p) - len(same) - len(unsure)
    text = (f"{lead} leads; separated from it: {separated} of the other {len(cells) - 1} cells "
            f"(Welch, Holm-corrected over {k}, 5%).")  # fmt: skip
    if same:
        within = "±" + h.diff(floor).lstrip("+")
        text += (f" Equivalent to it within {within} ({why}; two one-sided tests: the 95% CI "
                 f"of the difference inside it): {_listed(table, same, sep)}.")  # fmt: skip
    if unsure:
        text += (" Not separated from it, and not shown equivalent (inconclusive): "
                 f"{_listed(table, unsure, sep)}.")  # fmt: skip
    return text + robust


def _seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


def _comparisons(n: int) -> str:
    return f"{n} comparison" + ("" if n == 1 else "s")


def _contrasts(
    table: Table, pairs: list[tuple[tuple[str, str], tuple[str, str]]]
) -> list[tuple[tuple[str, str], tuple[str, str], tuple[float, float, float], float]]:
    """(cell, baseline, difference of means with its 95% CI, Holm-adjusted p) for each pair
    with seeds."""
    cells = table.cells()
    raw, diffs = {}, {}
    for cell, base in pairs:
        a, b = describe(cells.get(cell, [])), describe(cells.get(base, []))
        p, _, _ = welch(a, b)
        if math.isfinite(p):
            raw[(cell, base)] = p
            diffs[(cell, base)] = diff_ci(a, b)
    adjusted = holm(raw)
    return [(c, b, diffs[(c, b)], adjusted[(c, b)]) for c, b in raw]


def _effect(table: Table, interval: tuple[float, float, float]) -> str:
    """`+1.2 pp, 95% CI +0.3 pp to +2.1 pp`."""
    t = tasks.task(table.task)
    d, low, high = interval
    ci = f", 95% CI {t.diff(low)} to {t.diff(high)}" if math.isfinite(low) else ""
    return f"{t.diff(d)}{ci}"


def _effects(table: Table, what: str, baseline: str, pairs) -> str | None:
    """Each of `pairs` (cell against its baseline) with its effect size and 95% interval:
    which differ significantly (Welch, Holm-corrected), and which way; the rest are not
    separated, which is not the same as no effect (inconclusive)."""
    found = _contrasts(table, pairs)
    if not found:
        return None
    higher = tasks.task(table.task).higher_is_better
    helped, hurt, unsure = [], [], []
    for cell, base, interval, p in found:
        versus = _name(base) if cell[0] != base[0] and cell[1] != base[1] else \
            f"`{base[0] if cell[0] != base[0] else base[1]}`"  # fmt: skip
        words = f"{_name(cell)} vs {versus} ({_effect(table, interval)}"
        if p < ALPHA:
            words += f", {fmt_p(p, adjusted=True)})"
            (helped if (interval[0] > 0) == higher else hurt).append(words)
        else:
            unsure.append(words + ")")
    n = len(found)

    def claim(v: Table) -> frozenset:
        return frozenset((c, b, (i[0] > 0) == higher) for c, b, i, p in _contrasts(v, pairs)
                         if p < ALPHA)  # fmt: skip

    robust = verdict(table, claim)
    head = (f"{what}s against {baseline} ({_comparisons(n)}, Welch, Holm-corrected, 5%; "
            "intervals per comparison, not adjusted): ")  # fmt: skip
    parts = [f"{label}: " + "; ".join(items) for label, items in
             (("helped", helped), ("hurt", hurt), ("not separated (inconclusive)", unsure))
             if items]  # fmt: skip
    return head + ". ".join(parts) + "." + robust


def _baseline(keys, exact: tuple[str, str], match) -> tuple[str, str] | None:
    """The baseline cell: `exact` where the table has it, else the one cell with its
    regularizer whose row `match`es (the same optimizer, tuned to other values)."""
    if exact in keys:
        return exact
    found = [k for k in keys if k[1] == exact[1] and match(k[0])]
    return found[0] if len(found) == 1 else None


def regularizer_effects(table: Table) -> str | None:
    """Each regularizer against `none` under the same optimizer (and schedule), each cell at
    the rates its own tuning chose (a baseline at another rate is named with it)."""
    keys = table.cells()
    pairs = []
    for row, reg in keys:
        same = same_optimizer(row)
        base = _baseline(keys, (row, "none"), lambda r, s=same: same_optimizer(r) == s)
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
        base = _baseline(keys, exact, lambda r, o=optimizer: same_optimizer(r) == (o, "constant"))
        if schedule != "constant" and base is not None:
            pairs.append(((row, reg), base))
    return _effects(table, "schedule", "`constant` with the same optimizer and regularizer",
                    pairs)  # fmt: skip


def tuning_summary(tuning: dict[str, Any] | None, model: str) -> str | None:
    """What tuning did for a model's cells: the budget, the trials per cell, and how many
    choices sit at an edge of what was tried (`zoo.bench.decide.tune.edges`)."""
    cells = [c for c in (tuning or {}).get("cells", []) if c["model"] == model and
             c.get("chosen")]  # fmt: skip
    if not cells:
        return None
    trials = sorted(c["trials"] for c in cells)
    at_edge = [c for c in cells if edges(c)]
    text = (
        f"tuning ({tuning['budget']}) searched {len(cells)} cells on validation with "
        f"{trials[0]}..{trials[-1]} trials each (median {trials[len(trials) // 2]}); "
    )
    if not at_edge:
        return text + "every chosen value has a worse tried value on either side (bracketed)."
    named = "; ".join(
        f"{_name((c['optimizer'], c['regularizer']))} "
        + ", ".join(f"{k} at the {v}" for k, v in edges(c).items())
        for c in at_edge
    )
    return text + (
        f"{len(at_edge)} of {len(cells)} choices lie at an edge of what was tried ({named}): "
        "a better value may lie beyond, so those cells show what this budget finds, not the "
        "best the optimizer can do."
    )


def one_cpu(summary: pd.DataFrame) -> str | None:
    """The one CPU kind (`cpu_id`) every cell of `summary` ran on, or None: seconds are
    compared only between trials on the same kind of CPU."""
    kinds = summary["cpu_id"].tolist() if "cpu_id" in summary else []
    return kinds[0] if kinds and all(k == kinds[0] for k in kinds) and kinds[0] else None


def time_to_target(summary: pd.DataFrame) -> str | None:
    """The fastest cells to the target validation score (every seed reaching it), counted in
    epochs and optimizer steps, as measured (no test); seconds only where the whole table ran
    on one CPU kind. Cells level with the fastest are named with it."""
    sub = summary[summary["target"].notna() & summary["target_epoch_mean"].notna()]
    if sub.empty:
        return None
    best = sub.sort_values(["target_epoch_mean", "target_steps_mean"]).iloc[0]
    level = sub[(sub["target_epoch_mean"] == best["target_epoch_mean"])
                & (sub["target_steps_mean"] == best["target_steps_mean"])]  # fmt: skip
    names = ", ".join(f"`{r['optimizer']}` + `{r['regularizer']}`" for _, r in level.iterrows())
    total = int(summary["target"].notna().sum())
    metric = tasks.task(best["task"]).metric
    when = (f"{best['target_epoch_mean']:.1f} epochs, {best['target_steps_mean']:.0f} optimizer "
            "steps, mean over every seed")  # fmt: skip
    cpu = one_cpu(summary)
    if len(level) > 1:
        head = f"fastest to {best['target']:g} validation {metric}, level at {when}: {names}"
    elif cpu and pd.notna(best["target_seconds_mean"]):
        head = (
            f"fastest to {best['target']:g} validation {metric}: {names} ({when}; "
            f"{best['target_seconds_mean']:.1f} s of training, every trial on one CPU kind)"
        )
    else:
        head = (f"fastest to {best['target']:g} validation {metric}: {names} ({when}; seconds "
                "not compared: the trials ran on more than one kind of CPU)")  # fmt: skip
    return f"{head}; {len(sub)} of {total} cells reached it with every seed."


def diverged(table: Table) -> str | None:
    bad = table.results[table.results["status"] == "diverged"]
    if bad.empty:
        return None
    counts = bad.groupby(["optimizer", "regularizer"], sort=False).size()
    seeds = table.results.groupby(["optimizer", "regularizer"], sort=False).size()
    items = [f"{_name(k)} ({n}/{seeds[k]} seeds)" for k, n in counts.items()]
    return "diverged: " + ", ".join(items) + "."


def findings(
    tables: list[Table], summaries: dict[str, pd.DataFrame], tuning: dict[str, Any] | None
) -> list[str]:
    """The report's findings, one bullet per sentence, grouped by table."""
    out = []
    for table in tables:
        model = table.results["model"].iloc[0]
        summary = summaries[table.title]
        sentences = [
            leading_group(table),
            regularizer_effects(table),
            schedule_effects(table),
            tuning_summary(tuning, model),
            time_to_target(summary),
            diverged(table),
        ]
        out += [f"{table.link}: {s}" for s in sentences if s]
    return out
