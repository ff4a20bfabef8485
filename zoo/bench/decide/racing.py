"""Adaptive seeds (racing): spend seeds where a table's ranking is contested.

`seeds = "3..8"` in a suite (`--seeds 3..8`): every cell of a table first gets 3 seeds. Then,
round by round, the table's leader and every cell not yet separated from it (a two-sided
t-test at 5%, Holm-corrected over the table's comparisons: paired on the seeds the two cells
share, since a seed fixes a trial's initialization and data order, else Welch's;
`zoo.metrics.stats.difference`) get one more seed, until every
remaining contender is separated or has 8 seeds. The race reads each trial's **validation**
score at its best epoch (`TrialRecord.validation`), never the test split: the test numbers
the tables show are measured on seeds whose count no test result decided. A table whose task
has no validation metric (a GAN: its FID is measured on the test images) is not raced: its
cells keep their first seeds. This is the idea
of racing methods for algorithm configuration (F-Race, Birattari et al. 2002; irace), applied
to the seeds of a benchmark: DeepOBS and Crowded Valley spend 10 seeds on every cell, which
two cores cannot afford.

A table is what the report shows as one table: the cells of one model on one data set (and
backend). The choice of the next round is a function of the stored records alone, so a
resumed run, `--jobs N` and Ray run exactly the trials a serial run does (given the same
numbers). Each cell's final state says why it stopped: `leader`, `separated` (from the
leader), `not separated at MAX`, or `no result` (every seed diverged or failed).

Caveat, stated in the reports: looking at the data after every round makes the 5% level
nominal (sequential testing); the reports' statements use the final seeds.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from typing import Any

from zoo.bench.decide.tune import TUNING_SEED
from zoo.bench.output.store import Store
from zoo.bench.plan.trial import Trial
from zoo.metrics.stats import separation
from zoo.models import model_info
from zoo.specs.tasks import task


def _cells(trials: list[Trial]) -> dict[str, list[Trial]]:
    cells: dict[str, list[Trial]] = defaultdict(list)
    for t in trials:
        cells[t.cell].append(t)
    return {k: sorted(v, key=lambda t: t.seed) for k, v in cells.items()}


def _tables(cells: dict[str, list[Trial]]) -> dict[tuple, list[str]]:
    tables: dict[tuple, list[str]] = defaultdict(list)
    for key, ts in cells.items():
        tables[ts[0].table].append(key)
    return tables


def _values(store: Store, trials: list[Trial]) -> dict[int, float]:
    """Each trial's validation score at its best epoch, by seed (NaN where there is none, or
    no result): what the race decides on."""
    records = {t.seed: store.read(t.config_hash) for t in trials}
    return {s: r.validation if r is not None else math.nan for s, r in records.items()}


def raced(trial: Trial) -> tuple[int, int] | None:
    """`trial`'s racing budget, None where its task has no validation metric to race on."""
    return trial.race if task(model_info(trial.model).task).validation else None


def assess(trials: list[Trial], store: Store) -> dict[tuple, dict[str, Any]]:
    """Each table's state from the stored records: its leader, and for every cell the seeds
    run, the Holm-adjusted p-value against the leader and its state."""
    out: dict[tuple, dict[str, Any]] = {}
    cells = _cells(trials)
    for table, keys in _tables(cells).items():
        t = task(model_info(table[0]).task)
        if t.validation is None:
            out[table] = {"leader": None, "cells": {k: _unraced(cells[k]) for k in keys}}
            continue
        values = {k: _values(store, cells[k]) for k in keys}
        sep = separation(values, higher_is_better=t.higher_is_better)
        states = {}
        for k in keys:
            budget = raced(cells[k][0])
            top = budget[1] if budget else len(cells[k])
            finite = [v for v in values[k].values() if v == v]
            if k == sep.leader:
                state = "leader"
            elif not finite:
                state = "no result"
            elif sep.separated(k):
                state = "separated"
            elif len(cells[k]) >= top:
                state = f"not separated at {len(cells[k])}" if budget else "not separated"
            else:
                state = "racing"
            states[k] = {
                "label": cells[k][0].label.rsplit(" seed=", 1)[0],
                "seeds": len(cells[k]),
                "min_seeds": budget[0] if budget else len(cells[k]),
                "max_seeds": top,
                "p_vs_leader_holm": sep.adjusted_p.get(k),
                "state": state,
            }
        out[table] = {"leader": sep.leader, "cells": states}
    return out


def _unraced(trials: list[Trial]) -> dict[str, Any]:
    n = len(trials)
    return {"label": trials[0].label.rsplit(" seed=", 1)[0], "seeds": n, "min_seeds": n,
            "max_seeds": n, "p_vs_leader_holm": None,
            "state": "not raced (no validation metric)"}  # fmt: skip


def next_round(trials: list[Trial], store: Store) -> list[Trial]:
    """The trials of the next racing round: one more seed for the leader and every cell not
    separated from it, in each table where such a contender has seeds left."""
    cells = _cells(trials)
    extra = []
    for table in assess(trials, store).values():
        states = table["cells"]
        contenders = [k for k, s in states.items() if s["state"] == "racing"]
        if not contenders:
            continue
        for k in [table["leader"], *contenders]:
            ts = cells[k]
            budget = raced(ts[0])
            if budget and len(ts) < budget[1]:
                seed = ts[-1].seed + 1
                seed += seed == TUNING_SEED  # tuning's seed chooses; it never scores
                extra.append(dataclasses.replace(ts[-1], seed=seed))
    return extra


def run_race(trials: list[Trial], out, run, **run_kwargs) -> tuple[list[Trial], dict]:
    """Run `trials` (each cell's first seeds), then racing rounds until none is left.

    `run(trials, out, **run_kwargs)` runs a batch of trials (`zoo.bench.run_trials`).
    Returns every trial run and the final assessment (what `racing.json` holds).
    """
    store = Store(out)
    done = list(trials)
    batch = list(trials)
    rounds = 0
    while batch:
        run(batch, out, **run_kwargs)
        batch = next_round(done, store)
        done += batch
        rounds += bool(batch)
    return done, {"rounds": rounds, "tables": _jsonable(assess(done, store))}


def _jsonable(tables: dict[tuple, dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"model": m, "dataset": d, "backend": b, **state} for (m, d, b), state in tables.items()
    ]


def trial_counts(trials: list[Trial]) -> tuple[int, int]:
    """The fewest and the most trials racing can run for `trials` (each cell's first seeds)."""
    low = high = 0
    for ts in _cells(trials).values():
        low += len(ts)
        budget = raced(ts[0])
        high += max(len(ts), budget[1] if budget else 0)
    return low, high
