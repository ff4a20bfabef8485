"""A fair tuning budget: `--tune lr:K` gives every optimizer the same K learning rates.

Optimizer comparisons at default hyperparameters favour whichever optimizer's default happens
to suit the problem (Schmidt et al. 2021, "Descending through a Crowded Valley"). With a budget
`lr:K`, each cell of the grid (model, optimizer, regularizer, settings) gets K trials with one
seed, at learning rates on a log grid around its default (factors of sqrt(10): K = 3 gives
default / 3.16, default, default x 3.16); the rate with the best *validation* accuracy at the
end of training is chosen (the test split is never looked at), and the chosen rate is then run
with every seed of the cell (racing may add seeds: `zoo.bench.decide.racing`). Candidates are
ordinary trials (`adam:lr=0.000316`), so the default-rate candidate is the grid's own seed-0
trial, stored once.

The tuned cell is what the model's table shows; what was tried and chosen is written to
`<out>/tuning.json`, and the report's tuning table shows each candidate's validation
accuracy (and the default rate's one-seed result) beside the tuned cell, with the budget.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any

from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store, atomic_write
from zoo.bench.plan.trial import Trial
from zoo.errors import UsageError
from zoo.models import model_info
from zoo.specs import OptimizerSpec
from zoo.specs.schedules import row_label
from zoo.specs.tasks import Task, task

FACTOR = math.sqrt(10)


def parse_budget(spec: str) -> int:
    """`lr:K` -> K (1 <= K <= 9); `UsageError` otherwise."""
    match = re.fullmatch(r"lr:(\d+)", spec.strip())
    if not match or not 1 <= int(match.group(1)) <= 9:
        raise UsageError(
            f"tuning budget {spec!r}: write lr:K, K learning rates per optimizer between 1 and "
            "9, e.g. --tune lr:3 (the default rate and one step of sqrt(10) either side)."
        )
    return int(match.group(1))


def lr_grid(default: float, k: int) -> list[float]:
    """K learning rates, log-spaced by sqrt(10) and centred on `default` (3 significant digits)."""
    return [float(f"{default * FACTOR ** (i - (k - 1) / 2):.3g}") for i in range(k)]


def with_lr(trial: Trial, lr: float, seed: int | None = None) -> Trial:
    """`trial` with learning rate `lr` (and another seed, if given)."""
    kwargs = {**trial.optimizer.kwargs, "learning_rate": lr}
    return dataclasses.replace(
        trial,
        optimizer=OptimizerSpec(trial.optimizer.name, kwargs),
        seed=trial.seed if seed is None else seed,
    )


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


def score(record: TrialRecord | None, t: Task) -> float:
    """A candidate's final validation score (`t.validation` at the last epoch); NaN if it did
    not finish."""
    if record is None or record.status != "ok":
        return math.nan
    values = record.curve(t.validation)
    return float(values[-1]) if values and math.isfinite(values[-1]) else math.nan


def choose(lrs: list[float], default: float, records: list[TrialRecord | None], t: Task) -> float:
    """The learning rate whose record scores best on validation (`t.validation`, in its
    direction); ties go to the rate nearest the default. Only the validation history is read:
    never a test metric."""

    def rank(pair: tuple[float, TrialRecord | None]) -> tuple[float, float]:
        value = score(pair[1], t)
        good = (value if t.higher_is_better else -value) if math.isfinite(value) else -math.inf
        return (-good, abs(math.log(pair[0] / default)))

    return sorted(zip(lrs, records, strict=True), key=rank)[0][0]


def plan(trials: list[Trial], k: int) -> dict[str, dict[str, Any]]:
    """The cells of `trials` that can be tuned, each with its candidates (first seed)."""
    cells: dict[str, dict[str, Any]] = {}
    for t in trials:
        key = t.cell
        if key in cells:
            cells[key]["seeds"].append(t.seed)
            continue
        default = t.optimizer.learning_rate
        lrs = lr_grid(default, k)
        cells[key] = {
            "trial": t,
            "seeds": [t.seed],
            "default_lr": default,
            "lrs": lrs,
            "task": task(model_info(t.model).task),
            "skip": tunable(t, task(model_info(t.model).task)),
        }
    return cells


def run_tuning(
    trials: list[Trial], out: str | Path, spec: str, run, **run_kwargs
) -> tuple[dict[str, Any], list[Trial]]:
    """Tune every tunable cell of `trials` with budget `spec`: run its candidates (one seed
    each; trials already stored are skipped, as everywhere in the harness) with
    `run(trials, out, **run_kwargs)`, and write tuning.json.

    Returns the summary and, for every cell, its trials at the chosen rate with the cell's
    seeds; the caller runs those (racing may add seeds). A cell that cannot be tuned keeps
    its trials as they are.
    """
    k = parse_budget(spec)
    cells = plan(trials, k)
    store = Store(out)
    candidates = []
    for cell in cells.values():
        if not cell["skip"]:
            first = min(cell["seeds"])
            cell["candidates"] = [with_lr(cell["trial"], lr, first) for lr in cell["lrs"]]
            candidates += cell["candidates"]
    if candidates:
        run(candidates, out, **run_kwargs)
    chosen_trials = []
    for cell in cells.values():
        if cell["skip"]:
            chosen_trials += [dataclasses.replace(cell["trial"], seed=s) for s in cell["seeds"]]
            continue
        records = [store.read(t.config_hash) for t in cell["candidates"]]
        cell["scores"] = [score(r, cell["task"]) for r in records]
        cell["chosen_lr"] = choose(cell["lrs"], cell["default_lr"], records, cell["task"])
        cell["chosen"] = [with_lr(cell["trial"], cell["chosen_lr"], s) for s in cell["seeds"]]
        chosen_trials += cell["chosen"]
    metrics = sorted({c["task"].validation for c in cells.values() if not c["skip"]})
    summary = {
        "budget": f"lr:{k}",
        **({"metric": metrics[0]} if len(metrics) == 1 else {}),
        "rule": f"{k} learning rates per cell, log-spaced by sqrt(10) around the default, one "
        "seed; the best final validation score is chosen and run with every seed",
        "cells": [_cell_json(c) for c in cells.values()],
    }
    atomic_write(Layout(out).tuning_file, (json.dumps(summary, indent=1) + "\n").encode())
    return summary, chosen_trials


def _cell_json(cell: dict[str, Any]) -> dict[str, Any]:
    t: Trial = cell["trial"]
    out: dict[str, Any] = {
        "model": t.model,
        "optimizer": row_label(t.optimizer_label, t.schedule_label),
        "regularizer": t.regularizer.label,
        "default_lr": cell["default_lr"],
    }
    if cell["skip"]:
        return out | {"skipped": cell["skip"]}
    metric = cell["task"].validation
    return out | {
        "metric": metric,
        "candidates": [
            {"lr": lr, "config_hash": c.config_hash, metric: s if math.isfinite(s) else None}
            for lr, c, s in zip(cell["lrs"], cell["candidates"], cell["scores"], strict=True)
        ],
        "chosen_lr": cell["chosen_lr"],
        "chosen_hashes": [c.config_hash for c in cell["chosen"]],  # the first seeds
    }


def read_tuning(path: Path) -> dict[str, Any]:
    """A tuning.json, each tuned cell naming its validation metric (`metric`; files written
    before cells named theirs name it once, at the top)."""
    summary = json.loads(Path(path).read_text())
    for cell in summary.get("cells", []):
        if "candidates" in cell:
            cell.setdefault("metric", summary.get("metric"))
    return summary


def candidate_score(cell: dict[str, Any], candidate: dict[str, Any]) -> float | None:
    """A tuning candidate's validation score (None if it did not finish), from a cell of
    `read_tuning`."""
    return candidate.get(cell["metric"])


def candidate_hashes(summary: dict[str, Any]) -> list[str]:
    """Every candidate trial tuning ran (one seed each)."""
    return sorted({c["config_hash"] for cell in summary.get("cells", [])
                   for c in cell.get("candidates", [])})  # fmt: skip
