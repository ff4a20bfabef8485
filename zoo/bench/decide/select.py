"""Choosing a grid's optimizers from another grid's finished table (`optimizers = { best = 2,
of = "NAME" }`, `zoo.bench.plan.roles`): "the regularizers and schedules under the two best
optimizers" as a declared rule, not a hand-picked list.

- **What decides**: each cell's mean validation score at its seeds' best epochs
  (`TrialRecord.validation`, the number racing and tuning read) over the seeds the table
  gave it, racing's included; an optimizer ranks by its best cell in the named grid (per
  model, data set and backend). The test split is never read. Ties go to the label, in
  alphabetical order, so the choice is a function of the stored records alone.
- **Only what the grid can run**: a schedule-free optimizer is passed over for a grid that
  gives it only decaying schedules (it takes none), and the next one is chosen.
- **Written down, once**: `<out>/selections.json` holds each choice with its ranking. A
  resumed run takes the recorded choice (a trial that failed and ran again cannot change it
  under the trials already run); where the records now rank otherwise it says so.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

from zoo.bench.output.layout import Layout
from zoo.bench.output.store import Store, atomic_write
from zoo.bench.plan.roles import runnable
from zoo.bench.plan.trial import Trial
from zoo.metrics.stats import describe
from zoo.models import model_info
from zoo.specs.tasks import task

RULE = (
    "mean validation score at each seed's best epoch over the cell's seeds (racing's "
    "included), an optimizer ranked by its best cell in the named grid; ties by label"
)


def _key(t: Trial) -> dict[str, Any]:
    """What identifies one choice: the choosing grid, its source and count, the table."""
    pick = t.role.pick
    assert pick is not None
    return {"grid": t.role.grid, "of": pick.of, "best": pick.best, "model": t.model,
            "dataset": t.dataset, "backend": t.backend, "budget_of": t.role.budget_of}  # fmt: skip


def ranking(source: list[Trial], store: Store) -> list[dict[str, Any]]:
    """The optimizers of `source` (one table's trials of the named grid, every seed run),
    best first: each with its best cell's label, mean validation score and seed count."""
    if not source:
        return []
    t = task(model_info(source[0].model).task)
    sign = 1 if t.higher_is_better else -1
    cells: dict[str, list[Trial]] = defaultdict(list)
    for trial in source:
        cells[trial.cell].append(trial)
    best: dict[str, dict[str, Any]] = {}
    for trials in cells.values():
        records = [store.read(x.config_hash) for x in trials]
        mean, _, n = describe([r.validation if r is not None else math.nan for r in records])
        written = (trials[0].role.written or trials[0].optimizer).label
        cell = trials[0].label.rsplit(" seed=", 1)[0].split(" ", 1)[1]  # without the model
        row = {"optimizer": written, "cell": cell,
               t.validation: mean if n else None, "seeds": n}  # fmt: skip
        old = best.get(written)
        if old is None or (n and (old[t.validation] is None or
                                  sign * mean > sign * old[t.validation])):  # fmt: skip
            best[written] = row
    return sorted(best.values(), key=lambda r: (r[t.validation] is None,
                  -sign * (r[t.validation] or 0.0), r["optimizer"]))  # fmt: skip


def _choose(ranked: list[dict], group: list[Trial], best: int,
            specs: dict[str, Any]) -> tuple[list[str], dict[str, str]]:  # fmt: skip
    """The first `best` ranked optimizers (`specs`: each by its label) that finished and
    that the grid can run; why others above them were passed over."""
    chosen, passed = [], {}
    for row in ranked:
        name = row["optimizer"]
        if len(chosen) == best:
            break
        if row["seeds"] == 0:
            passed[name] = "no finished seed"
        elif not any(runnable(specs[name], t.schedule) for t in group):
            passed[name] = "takes no schedule, and this grid gives only decaying ones"
        else:
            chosen.append(name)
    return chosen, passed


def resolve(stand_ins: list[Trial], ran: list[Trial], out: str | Path,
            log=None) -> tuple[list[Trial], list[dict[str, Any]]]:  # fmt: skip
    """The real trials of `stand_ins` (grids that take the best optimizers of a named grid),
    chosen from `ran`, every trial run so far; and each choice with its ranking (also
    written to selections.json)."""
    log = log or (lambda line: None)
    store, path = Store(out), Layout(out).selections_file
    recorded = json.loads(path.read_text())["selections"] if path.is_file() else []
    groups: dict[str, list[Trial]] = defaultdict(list)
    for t in stand_ins:
        groups[json.dumps(_key(t), sort_keys=True)].append(t)
    written = {(x.role.grid, (x.role.written or x.optimizer).label): x.role.written or x.optimizer
               for x in ran}  # fmt: skip
    resolved, selections = [], []
    for key, group in groups.items():
        k = json.loads(key)
        source = [x for x in ran if x.role.grid == k["of"] and x.table == group[0].table]
        ranked = ranking(source, store)
        options = {name: spec for (g, name), spec in written.items() if g == k["of"]}
        chosen, passed = _choose(ranked, group, k["best"], options)
        old = next((s for s in recorded if all(s.get(f) == v for f, v in k.items())), None)
        if old is not None and set(old["chosen"]) <= set(options):
            if old["chosen"] != chosen:
                log(
                    f"note: {_what(k)}: the records now rank {', '.join(chosen)} first; the "
                    f"choice recorded in {path.name} stands: {', '.join(old['chosen'])}."
                )
            chosen = old["chosen"]
        entry = {**k, "metric": task(model_info(k["model"]).task).validation, "rule": RULE,
                 "ranking": ranked, "chosen": chosen, "passed_over": passed}  # fmt: skip
        selections.append(entry)
        log(f"chosen: {_what(k)}: {', '.join(chosen) or 'none'}")
        for t in group:
            rank = t.role.pick.rank
            if rank < len(chosen) and runnable(options[chosen[rank]], t.schedule):
                spec = options[chosen[rank]]
                role = dataclasses.replace(t.role, pick=None, written=spec)
                resolved.append(dataclasses.replace(t, optimizer=spec, role=role))
    keep = [s for s in recorded if not any(_same(s, x) for x in selections)]
    atomic_write(path, (json.dumps({"selections": keep + selections}, indent=1) + "\n").encode())
    return resolved, selections


def _same(a: dict, b: dict) -> bool:
    return all(a.get(f) == b.get(f) for f in ("grid", "of", "best", "model", "dataset",
                                              "backend", "budget_of"))  # fmt: skip


def _what(k: dict[str, Any]) -> str:
    grid = f"grid {k['grid']!r}" if k["grid"] else "a grid"
    axis = f" (the budget axis of {k['budget_of']!r})" if k["budget_of"] else ""
    return f"{grid}{axis} takes the best {k['best']} of {k['of']!r} for {k['model']}"
