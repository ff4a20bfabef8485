"""Findings: a few sentences written from a report's tables, each with its numbers, its seed
counts, its effect size with a 95% interval and a robustness verdict, and a link to its table.

The leading group (`zoo.report.leading`) and the effects of regularizers and schedules
(`zoo.report.effects`) claim a difference only where a t-test at 5% (paired on shared seeds,
else Welch's), Holm-corrected over the comparisons of its kind in its table
(`zoo.metrics.stats`), supports it, equivalence only inside a declared margin, and call the rest
inconclusive; each claim is re-checked with every seed left out and at the last epoch
(`zoo.report.claims.verdict`). Here: what tuning did, and time-to-target, reported as measured
(epochs and steps, means over seeds), without a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from zoo.bench.decide.tune import candidate_score, edges
from zoo.report.chance import beats_chance, chance
from zoo.report.claims import Table, name, seeds
from zoo.report.effects import regularizer_effects, schedule_effects
from zoo.report.leading import leading_group
from zoo.specs import tasks


def _at_chance(table: Table) -> Callable[[dict[str, Any]], bool]:
    """Whether a tuned cell of `table` scored at chance at every value tried: its best
    candidate's validation score is not better than chance beyond one seed's measurement
    noise at the validation split's size (`zoo.report.chance`)."""
    results = table.results
    level = chance(results)
    val = results["val_size"].median() if "val_size" in results else np.nan
    t = tasks.task(table.task)

    def flat(cell: dict[str, Any]) -> bool:
        scores = [s for x in cell["candidates"] if (s := candidate_score(cell, x)) is not None
                  and np.isfinite(s)]  # fmt: skip
        if not scores or not np.isfinite(level) or not np.isfinite(val):
            return False
        best = max(scores) if t.higher_is_better else min(scores)
        return not beats_chance(table.task, best, np.nan, val, level)

    return flat


def tuning_summary(tuning: dict[str, Any] | None, table: Table) -> str | None:
    """What tuning did for a table's cells: the budget, the trials per cell, the cells at
    chance at every value tried (nothing to bracket: their choice is arbitrary), and how
    many other choices sit at an edge of what was tried (`zoo.bench.decide.tune.edges`)."""
    model = table.results["model"].iloc[0]
    cells = [c for c in (tuning or {}).get("cells", []) if c["model"] == model and
             c.get("chosen")]  # fmt: skip
    if not cells:
        return None
    trials = sorted(c["trials"] for c in cells)
    at_chance = _at_chance(table)  # the table's chance level, computed once
    flat = [c for c in cells if at_chance(c)]
    at_edge = [c for c in cells if edges(c) and c not in flat]
    text = (
        f"tuning ({tuning['budget']}) searched {len(cells)} cells on validation with "
        f"{trials[0]}..{trials[-1]} trials each (median {trials[len(trials) // 2]}); "
    )
    if flat:
        text += (
            f"{len(flat)} scored at chance at every value tried ("
            + ", ".join(name((c["optimizer"], c["regularizer"])) for c in flat)
            + "): no optimum to bracket, so "
            + ("its chosen value is" if len(flat) == 1 else "their chosen values are")
            + " arbitrary; "
        )
    every = "every other" if flat else "every"
    if len(flat) == len(cells):
        return text.rstrip("; ") + "."
    if not at_edge:
        return text + f"{every} chosen value has a worse tried value on either side (bracketed)."
    named = "; ".join(
        f"{name((c['optimizer'], c['regularizer']))} "
        + ", ".join(f"{k} at the {v}" for k, v in edges(c).items())
        for c in at_edge
    )
    return text + (
        f"{len(at_edge)} of {'the other ' if flat else ''}{len(cells) - len(flat)} choices lie "
        f"at an edge of what was tried ({named}): a better value may lie beyond, so those "
        "cells show what this budget finds, not the best the optimizer can do."
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
    over = "each one's seeds" if len(level) > 1 else f"its {seeds(int(best['ok']))}"
    when = (f"{best['target_epoch_mean']:.1f} epochs, {best['target_steps_mean']:.0f} optimizer "
            f"steps, mean over {over}")  # fmt: skip
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
    runner_up = sub.sort_values(["target_epoch_mean", "target_steps_mean"]).iloc[len(level) :]
    second = runner_up.iloc[0] if len(runner_up) else None
    nxt = (f" The next, `{second['optimizer']}` + `{second['regularizer']}`, took "
           f"{second['target_epoch_mean']:.1f} epochs over {seeds(int(second['ok']))}: the fewest "
           "epochs on average, measured at whole epochs over seeds racing chose, not a tested "
           "difference." if second is not None else "")  # fmt: skip
    return f"{head}; {len(sub)} of {total} cells reached it with every seed.{nxt}"


def diverged(table: Table) -> str | None:
    bad = table.results[table.results["status"] == "diverged"]
    if bad.empty:
        return None
    counts = bad.groupby(["optimizer", "regularizer"], sort=False).size()
    tried = table.results.groupby(["optimizer", "regularizer"], sort=False).size()
    items = [f"{name(k)} ({n}/{tried[k]} seeds)" for k, n in counts.items()]
    return "diverged: " + ", ".join(items) + "."


def findings(
    tables: list[Table], summaries: dict[str, pd.DataFrame], tuning: dict[str, Any] | None
) -> list[str]:
    """The report's findings, one bullet per sentence, grouped by table."""
    out = []
    for table in tables:
        summary = summaries[table.title]
        sentences = [
            leading_group(table),
            regularizer_effects(table),
            schedule_effects(table),
            tuning_summary(tuning, table),
            time_to_target(summary),
            diverged(table),
        ]
        out += [f"{table.link}: {s}" for s in sentences if s]
    return out
