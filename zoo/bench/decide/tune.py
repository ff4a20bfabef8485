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
from zoo.bench.output.store import Store, atomic_write
from zoo.bench.plan.trial import Trial
from zoo.errors import UsageError
from zoo.specs import OptimizerSpec
from zoo.specs.schedules import row_label

FACTOR = math.sqrt(10)
METRIC = "val_accuracy"  # what the choice maximises: the last epoch's validation accuracy


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


def tunable(trial: Trial, task: str) -> str | None:
    """Why `trial` cannot be tuned on validation (None if it can)."""
    if task == "generation":
        return "a GAN has no validation metric (its FID is measured on the test images)"
    if trial.d_optimizer is not None:
        return "a generator/discriminator pair"
    if not trial.val_size:
        return "no validation split (val_size = 0)"
    return None


def score(record: dict[str, Any] | None) -> float:
    """A candidate's final validation accuracy; -inf if it did not finish."""
    if not record or record.get("status") != "ok":
        return -math.inf
    values = (record.get("history") or {}).get(METRIC) or []
    return float(values[-1]) if values and math.isfinite(values[-1]) else -math.inf


def choose(lrs: list[float], default: float, records: list[dict[str, Any] | None]) -> float:
    """The learning rate whose record scores best on validation; ties go to the rate nearest
    the default. Only `history["val_accuracy"]` is read: never a test metric."""
    ranked = sorted(
        zip(lrs, records, strict=True),
        key=lambda pair: (-score(pair[1]), abs(math.log(pair[0] / default))),
    )
    return ranked[0][0]


def plan(trials: list[Trial], k: int) -> dict[str, dict[str, Any]]:
    """The cells of `trials` that can be tuned, each with its candidates (first seed)."""
    from zoo.models import model_info

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
            "skip": tunable(t, model_info(t.model).task),
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
        cell["scores"] = [score(r) for r in records]
        cell["chosen_lr"] = choose(cell["lrs"], cell["default_lr"], records)
        cell["chosen"] = [with_lr(cell["trial"], cell["chosen_lr"], s) for s in cell["seeds"]]
        chosen_trials += cell["chosen"]
    summary = {
        "budget": f"lr:{k}",
        "metric": METRIC,
        "rule": f"{k} learning rates per cell, log-spaced by sqrt(10) around the default, one "
        "seed; the best final validation accuracy is chosen and run with every seed",
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
    return out | {
        "candidates": [
            {"lr": lr, "config_hash": c.config_hash, METRIC: s if math.isfinite(s) else None}
            for lr, c, s in zip(cell["lrs"], cell["candidates"], cell["scores"], strict=True)
        ],
        "chosen_lr": cell["chosen_lr"],
        "chosen_hashes": [c.config_hash for c in cell["chosen"]],  # the first seeds
    }


def candidate_hashes(summary: dict[str, Any]) -> list[str]:
    """Every candidate trial tuning ran (one seed each)."""
    return sorted({c["config_hash"] for cell in summary.get("cells", [])
                   for c in cell.get("candidates", [])})  # fmt: skip
