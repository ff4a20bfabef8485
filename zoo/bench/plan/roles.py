"""What a grid is for in its profile, beyond its cross product, written as data in the suite:

    name = "cnn-optimizers"                       # a name other grids refer to
    optimizers = { best = 2, of = "cnn-optimizers" }
        # the 2 best optimizers of that grid's table, on validation, once it is finished
    budget_of = "cnn-optimizers"                  # a budget axis: that grid's table at this
        # grid's epochs; tuned, raced and reported apart from the profile's tables
    ruleset = "self-tuning"                       # fixed hyperparameters on every problem,
        # no tuning (AlgoPerf's self-tuning ruleset); scored beside the tuned tables

Each trial carries its grid's part as a `Role` (`zoo.bench.plan.trial`), which no config
hash includes. A grid that takes the best optimizers of another is expanded with stand-ins
(that grid's first optimizers, those that tune two hyperparameters first, so the dry run's
count errs high) until the campaign chooses (`zoo.bench.decide.select`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from zoo.bench.plan.trial import Pick, Role, Trial
from zoo.errors import UsageError, unknown_name
from zoo.specs import parse_optimizer_pair, parse_schedule
from zoo.specs.optimizers import SCHEDULE_FREE
from zoo.specs.search import DECOUPLED_DECAY

RULESETS = {"self-tuning": "fixed hyperparameters on every problem, no tuning (AlgoPerf)"}
ROLE_KEYS = {"name", "budget_of", "ruleset"}
# Settings a budget axis shares with the grid it re-runs: only the epochs (and the seeds and
# target, which do not change what a trial is) may differ.
SAME_FOR_BUDGET = ("batch_size", "train_size", "val_size", "test_size", "jit_compile",
                   "data_options", "model_options", "tune", "backend", "fid_samples")  # fmt: skip


def picks(grid: dict[str, Any]) -> tuple[str, int] | None:
    """(the named grid, how many) where `grid` takes another grid's best optimizers."""
    o = grid.get("optimizers")
    return (o["of"], o["best"]) if isinstance(o, dict) else None


def check_roles(where: str, grids: list[dict[str, Any]]) -> None:
    """Names unique, references to named grids that exist, `best` a count, rulesets known;
    `UsageError` naming the grid otherwise."""
    names = [g["name"] for g in grids if "name" in g]
    for i, g in enumerate(grids):
        at = f"{where} grid #{i + 1}"
        if "name" in g and (not isinstance(g["name"], str) or not g["name"].strip()):
            raise UsageError(f"{at}: name must be a non-empty string, got {g['name']!r}.")
        if "name" in g and names.count(g["name"]) > 1:
            raise UsageError(f"{at}: two grids are named {g['name']!r}; give each its own name.")
        if "ruleset" in g and g["ruleset"] not in RULESETS:
            raise unknown_name("ruleset", str(g["ruleset"]), RULESETS)
        o = g.get("optimizers")
        if isinstance(o, dict):
            _check_pick(at, o, g, grids)
        for key in ("budget_of",):
            if key in g:
                _source(at, key, g[key], g, grids)


def _check_pick(at: str, o: dict, grid: dict, grids: list[dict]) -> None:
    if set(o) != {"best", "of"}:
        raise UsageError(
            f"{at}: optimizers = {o!r}: write a list of optimizers, or "
            '{ best = N, of = "GRID" } (the N best of a named grid, chosen on validation).'
        )
    best = o["best"]
    if isinstance(best, bool) or not isinstance(best, int) or best < 1:
        raise UsageError(f"{at}: best must be a count >= 1, got {best!r}.")
    source = _source(at, "of", o["of"], grid, grids)
    if picks(source):
        raise UsageError(f"{at}: grid {o['of']!r} takes its own optimizers from another grid; "
                         "name a grid that lists its optimizers.")  # fmt: skip
    if not isinstance(source.get("optimizers"), list) or best > len(source["optimizers"]):
        raise UsageError(f"{at}: the best {best} of {o['of']!r}, which has "
                         f"{len(source.get('optimizers') or [])} optimizers.")  # fmt: skip


def _source(at: str, key: str, name: Any, grid: dict, grids: list[dict]) -> dict:
    """The grid `name` that `grid` refers to by `key`, which runs every model `grid` does."""
    found = [g for g in grids if g.get("name") == name]
    if not found or found[0] is grid:
        valid = [g["name"] for g in grids if "name" in g and g is not grid]
        raise unknown_name(f"grid for {key} in {at}", str(name), valid, plural="grid names")
    missing = set(grid.get("models", [])) - set(found[0].get("models", []))
    if missing:
        raise UsageError(f"{at}: {key} = {name!r}, which does not run {sorted(missing)}.")
    return found[0]


def settings(grid: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    """A grid's settings under its ruleset: a self-tuning grid is never tuned (whatever its
    profile or `--tune` says; a `tune` of its own is a usage error)."""
    if grid.get("ruleset") == "self-tuning":
        if grid.get("tune") not in (None, "off"):
            raise UsageError(
                f"a self-tuning grid ({grid.get('name', grid['models'])}) takes no tuning, "
                f"and it sets tune = {grid['tune']!r}: remove it."
            )
        s = {**s, "tune": None}
    return s


def check_budget(grid: dict, s: dict, named: dict[str, tuple[dict, dict, dict]]) -> None:
    """A budget axis runs its grid's table at other epochs and otherwise alike (`named`:
    each named grid's (grid, settings, axes))."""
    other = named[grid["budget_of"]][1]
    differ = [k for k in SAME_FOR_BUDGET if s[k] != other[k]]
    if differ or s["epochs"] == other["epochs"]:
        what = (f"it differs in {', '.join(differ)}" if differ else
                f"both run {s['epochs']} epochs")  # fmt: skip
        raise UsageError(
            f"budget_of = {grid['budget_of']!r}: a budget axis is that grid's table at another "
            f"number of epochs, and {what}. Give it its own epochs and the same other settings."
        )


def runnable(optimizer, schedule) -> bool:
    """Whether an optimizer runs under a schedule (a schedule-free one takes none)."""
    return optimizer.name not in SCHEDULE_FREE or schedule is None or schedule.constant


def stand_ins(grid: dict, axes: dict, named: dict[str, tuple[dict, dict, dict]]) -> list[str]:
    """The optimizers a picking grid is counted with until it chooses: the first `best` of
    its source grid that run under one of its schedules, those whose weight decay is tuned
    too first (a count that errs high)."""
    of, best = picks(grid)
    written = named[of][2]["optimizers"]
    schedules = [parse_schedule(x) for x in axes["schedules"]]
    ok = [o for o in written
          if any(runnable(parse_optimizer_pair(o)[0], x) for x in schedules)]  # fmt: skip
    ok.sort(key=lambda o: parse_optimizer_pair(o)[0].name not in DECOUPLED_DECAY)
    return ok[:best]


def with_roles(trials: list[Trial], grid: dict, stand: list[str] | None) -> list[Trial]:
    """`trials` of `grid` with its role; a picking grid's as stand-ins ranked in order."""
    labels = [parse_optimizer_pair(o)[0].label for o in stand or []]
    pick = picks(grid) if stand is not None else None  # flags may list the optimizers
    out = []
    for t in trials:
        role = Role(
            grid=grid.get("name"),
            written=t.optimizer,
            pick=Pick(pick[0], pick[1], labels.index(t.optimizer.label)) if pick else None,
            budget_of=grid.get("budget_of"),
            ruleset=grid.get("ruleset"),
        )
        out.append(dataclasses.replace(t, role=role))
    return out
