"""Tuning: every optimizer's hyperparameters chosen on validation by the same bracketing
search, with seeds no table counts.

Optimizer comparisons at default hyperparameters favour whichever optimizer's default happens
to suit the problem (Schmidt et al. 2021, "Descending through a Crowded Valley"), and a
search space decides a ranking as much as the optimizers do (Choi et al. 2019, "On Empirical
Comparisons of Optimizers for Deep Learning"). With a budget (`--tune lr` or `lr+wd`,
`zoo.specs.search`), each cell of the grid (model, optimizer, regularizer, settings) is
searched in the same declared space by the same rule (`zoo.bench.decide.search`): start at
three whole decades, extend past an edge while the best is there, refine to quarter decades
around the best; weight decay, where the optimizer decouples it, by coordinate descent.

- **What decides**: a candidate's validation score at its best epoch (`TrialRecord.validation`);
  the test split is never read.
- **Tuning seeds are apart**: every candidate trains with seed `TUNING_SEED`, which no table
  uses; the chosen configuration then runs with the cell's own seeds (racing may add more:
  `zoo.bench.decide.racing`), so the scores a table shows are not the maxima the choice
  selected.
- **Written down**: `<out>/tuning.json` holds, per cell, the search space, every candidate
  (value, phase, validation score), the chosen values, their bracket (the tried neighbours
  either side) and whether a limit or the cap left the choice at an edge (a budget axis's
  cells apart, under `budget_cells`). The reports show it, with the expected best
  validation score after k trials (`zoo.metrics.stats`).
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from zoo.bench.decide.search import Outcome, Point, advance, search
from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store, atomic_write
from zoo.bench.plan.trial import Trial
from zoo.errors import UsageError
from zoo.models import model_info
from zoo.specs import OptimizerSpec
from zoo.specs.schedules import row_label
from zoo.specs.search import (
    DECAY_WHILE_RATE_IS_SEARCHED,
    DECOUPLED_DECAY,
    LEARNING_RATE,
    Budget,
    Coordinate,
    parse_budget,
)
from zoo.specs.tasks import Task, task

TUNING_SEED = 1000  # the seed of every tuning candidate; tables' seeds must differ


def tunable(trial: Trial, t: Task) -> str | None:
    """Why `trial` cannot be tuned on validation (None if it can)."""
    if not t.tunable:
        return (f"a {t.name} model has no validation metric (its {t.label} is measured on the "
                "test split)")  # fmt: skip
    if trial.d_optimizer is not None:
        return "a generator/discriminator pair"
    if not trial.val_size:
        return "no validation split (val_size = 0)"
    return None


def score(record: TrialRecord | None) -> float | None:
    """A candidate's validation score at its best epoch; NaN if it diverged or failed, None
    if it has not run."""
    if record is None:
        return None
    return record.validation if record.done else math.nan


@dataclasses.dataclass
class Cell:
    """One tuned cell: its first trial (the grid's settings), its seeds, what is tuned."""

    trial: Trial
    seeds: list[int]
    task: Task
    skip: str | None
    coords: list[Coordinate]
    outcome: Outcome | None = None

    def candidate(self, point: Point, seed: int = TUNING_SEED) -> Trial:
        """The cell's trial at lattice `point` (learning rate, then weight decay), `seed`."""
        kwargs = dict(self.trial.optimizer.kwargs)
        decay_keys = DECOUPLED_DECAY.get(self.trial.optimizer.name, ("weight_decay",))
        for c, q in zip(self.coords, point, strict=True):
            for key in decay_keys if c.key == "weight_decay" else (c.key,):
                kwargs[key] = c.value(q)
        optimizer = OptimizerSpec(self.trial.optimizer.name, kwargs)
        return dataclasses.replace(self.trial, optimizer=optimizer, seed=seed)

    def allowed(self, point: Point) -> bool:
        """Decoupled decay with lr x wd >= 1 zeroes the weights in a step: never tried."""
        values = [c.value(q) for c, q in zip(self.coords, point, strict=True)]
        return len(values) < 2 or values[0] * values[1] < 1

    def base(self) -> Point:
        middle = LEARNING_RATE.start[len(LEARNING_RATE.start) // 2]
        return (middle, DECAY_WHILE_RATE_IS_SEARCHED)[: len(self.coords)]

    def search(self, cap: int):
        n_val = self.trial.val_size
        return search(self.coords, self.base(), cap=cap, higher=self.task.higher_is_better,
                      noise=lambda s: self.task.noise(s, n_val), allowed=self.allowed)  # fmt: skip


def plan(trials: list[Trial], budget: Budget) -> dict[str, Cell]:
    """The cells of `trials` (each with its seeds) and what tuning does with each."""
    cells: dict[str, Cell] = {}
    for t in trials:
        if t.cell in cells:
            cells[t.cell].seeds.append(t.seed)
            continue
        tk = task(model_info(t.model).task)
        skip = tunable(t, tk)
        coords = [] if skip else budget.coordinates(t.optimizer.name)
        cells[t.cell] = Cell(t, [t.seed], tk, skip, coords)
    for cell in cells.values():
        if not cell.skip and TUNING_SEED in cell.seeds:
            raise UsageError(
                f"seed {TUNING_SEED} is tuning's own (its candidates train with it, so no "
                "table counts a seed that chose its configuration); give the tables other "
                "seeds."
            )
    return cells


def run_tuning(
    trials: list[Trial], out: str | Path, spec: str, run, **run_kwargs
) -> tuple[dict[str, Any], list[Trial]]:
    """Tune every tunable cell of `trials` with budget `spec`: search round by round, each
    round's candidates of every cell run as one batch with `run(trials, out, **run_kwargs)`
    (stored ones are skipped, as everywhere in the harness); write tuning.json.

    Returns the summary and, for every cell, its trials at the chosen values with the cell's
    own seeds; the caller runs those. A cell that cannot be tuned keeps its trials.
    """
    budget = parse_budget(spec)
    cells = plan(trials, budget)
    store = Store(out)
    active = [c for c in cells.values() if not c.skip]
    while active:
        batch = []
        for cell in active:
            known = lambda p, c=cell: score(store.read(c.candidate(p).config_hash))  # noqa: E731
            missing, cell.outcome = advance(lambda c=cell: c.search(budget.cap), known)
            batch += [cell.candidate(p) for p in missing]
        active = [c for c in active if c.outcome is None]
        if batch:
            run(batch, out, **run_kwargs)
    chosen = [t for cell in cells.values() for t in chosen_trials(cell)]
    summary = {
        "budget": budget.spec,
        "rule": budget.rule,
        "tuning_seed": TUNING_SEED,
        "cells": [_cell_json(c) for c in cells.values() if not c.trial.role.budget_of],
    }
    apart = [_cell_json(c) | {"epochs": c.trial.epochs, "budget_of": c.trial.role.budget_of}
             for c in cells.values() if c.trial.role.budget_of]  # fmt: skip
    if apart:  # a budget axis's cells (`zoo.bench.plan.roles`): its tables are apart
        summary["budget_cells"] = apart
    atomic_write(Layout(out).tuning_file, (json.dumps(summary, indent=1) + "\n").encode())
    return summary, chosen


def chosen_trials(cell: Cell) -> list[Trial]:
    """The cell's trials with its seeds: at the chosen point where tuning chose one."""
    if cell.skip or cell.outcome is None or cell.outcome.best is None:
        return [dataclasses.replace(cell.trial, seed=s) for s in cell.seeds]
    return [cell.candidate(cell.outcome.best, s) for s in cell.seeds]


def _values(cell: Cell, point: Point) -> dict[str, float]:
    return {c.short: c.value(q) for c, q in zip(cell.coords, point, strict=True)}


def _cell_json(cell: Cell) -> dict[str, Any]:
    t = cell.trial
    out: dict[str, Any] = {
        "model": t.model,
        "optimizer": row_label(t.optimizer_label, t.schedule_label),
        "regularizer": t.regularizer.label,
    }
    if cell.skip:
        return out | {"skipped": cell.skip}
    metric, o = cell.task.validation, cell.outcome
    assert o is not None
    out |= {
        "metric": metric,
        "tuned": [c.short for c in cell.coords],
        "space": [c.space for c in cell.coords],
        "candidates": [
            {
                **_values(cell, p),
                "phase": o.phases[p],
                "config_hash": cell.candidate(p).config_hash,
                metric: s if math.isfinite(s) else None,
            }
            for p, s in o.tried.items()
        ],  # fmt: skip
        "trials": len(o.tried),
        "capped": o.capped,
        "at_edge": dict(o.at_edge),
    }
    if o.best is None:
        return out | {"chosen": None}
    chosen = _values(cell, o.best)
    return out | {
        "chosen": chosen,
        "chosen_lr": chosen["lr"],
        "bracket": _bracket(cell, o),
        "chosen_hashes": [c.config_hash for c in chosen_trials(cell)],
    }


def _bracket(cell: Cell, o: Outcome) -> dict[str, list[float | None]]:
    """Per coordinate, the nearest tried values below and above the chosen one on its line
    (None: nothing was tried on that side)."""
    out = {}
    b = o.best
    assert b is not None
    for i, c in enumerate(cell.coords):
        line = [p[i] for p in o.tried if p[:i] + p[i + 1 :] == b[:i] + b[i + 1 :]]
        below = [q for q in line if q < b[i]]
        above = [q for q in line if q > b[i]]
        out[c.short] = [c.value(max(below)) if below else None,
                        c.value(min(above)) if above else None]  # fmt: skip
    return out


def read_tuning(path: Path) -> dict[str, Any]:
    """A tuning.json, each tuned cell naming its validation metric (`metric`) and its chosen
    values (`chosen`); files written before bracketing (a fixed `lr:K` grid) read alike."""
    summary = json.loads(Path(path).read_text())
    for cell in summary.get("cells", []):
        if "candidates" in cell:
            cell.setdefault("metric", summary.get("metric"))
            cell.setdefault("chosen", {"lr": cell.get("chosen_lr")})
            cell.setdefault("tuned", ["lr"])
            cell.setdefault("trials", len(cell["candidates"]))
    return summary


def candidate_score(cell: dict[str, Any], candidate: dict[str, Any]) -> float | None:
    """A tuning candidate's validation score (None if it did not finish), from a cell of
    `read_tuning`."""
    return candidate.get(cell["metric"])


def edges(cell: dict[str, Any]) -> dict[str, str]:
    """For a tuned cell of `read_tuning`, each tuned coordinate whose chosen value is the
    highest or the lowest of those tried beside it (the other coordinates at their chosen
    values; finished candidates only): {"lr": "highest"}. Empty: every choice is bracketed,
    a better value cannot lie outside what was tried without a worse one in between."""
    chosen = cell.get("chosen") or {}
    out = {}
    for key in cell.get("tuned", []):
        if chosen.get(key) is None:
            continue
        others = {k: v for k, v in chosen.items() if k != key}
        line = sorted(x[key] for x in cell["candidates"] if candidate_score(cell, x) is not None
                      and all(x.get(k, v) == v for k, v in others.items()))  # fmt: skip
        if chosen[key] == 0 and line and line[0] == 0:  # no decay: nothing lies below it
            continue
        if len(line) >= 2 and chosen[key] in (line[0], line[-1]):
            out[key] = "highest" if chosen[key] == line[-1] else "lowest"
        elif len(line) < 2:
            out[key] = "only value tried"
    return out


def candidate_hashes(summary: dict[str, Any]) -> list[str]:
    """Every candidate trial tuning ran (one seed each), a budget axis's included."""
    cells = summary.get("cells", []) + summary.get("budget_cells", [])
    return sorted({c["config_hash"] for cell in cells for c in cell.get("candidates", [])})
