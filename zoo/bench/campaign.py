"""One `zoo bench` run, from a suite's trials to a finished folder.

    tune (candidates, one seed) -> each table's cells with their first seeds
        -> racing rounds (more seeds where contested) -> run.json, racing.json

`run_campaign` is what the CLI calls after it has parsed and checked the flags: tuning picks
each tunable cell's learning rate (`zoo.bench.decide.tune`), racing decides how many seeds each cell
gets (`zoo.bench.decide.racing`), `zoo.bench.run_trials` runs every batch (skipping stored trials),
and `run.json` lists the trials of the run's tables (the report reads those) and tuning's
candidates. A resumed run repeats the same decisions from the stored records.
"""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from zoo.bench.decide import racing
from zoo.bench.decide.estimate import trial_range
from zoo.bench.decide.racing import run_race
from zoo.bench.decide.select import resolve
from zoo.bench.decide.tune import candidate_hashes, plan, run_tuning
from zoo.bench.output.hparams import write_hparams
from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store, atomic_write
from zoo.bench.plan.trial import Trial
from zoo.bench.run.executors import Pools
from zoo.bench.run.trials import RunSummary, run_trials
from zoo.errors import UsageError
from zoo.specs.search import parse_budget


def tuning_budget(trials: list[Trial]) -> str | None:
    """The run's one tuning budget (`lr+wd:24`), or None; two different ones are a usage error."""
    budgets = sorted({t.tune for t in trials if t.tune})
    if len(budgets) > 1:
        raise UsageError(
            f"one tuning budget per run, got {budgets}: give the grids one `tune` value, or "
            "override it with --tune."
        )
    return budgets[0] if budgets else None


def _counted(trials: list[Trial]) -> list[Trial]:
    """The trials a run's count goes by: a stand-in (`zoo.bench.plan.roles`) that is already
    a real trial of the run is not counted twice."""
    real = {t.config_hash for t in trials if not t.role.pick}
    return [t for t in trials if not t.role.pick or t.config_hash not in real]


def trial_counts(trials: list[Trial]) -> tuple[int, int, list[str]]:
    """The fewest and the most trials a run of `trials` takes, tuning and racing included,
    and lines that say how (what `zoo bench --dry-run` prints)."""
    lines = [f"{len(trials)} trials"]
    trials = _counted(trials)
    low, high = racing.trial_counts([t for t in trials if not t.tune])
    spec = tuning_budget(trials)
    if spec:
        budget = parse_budget(spec)
        cells = list(plan([t for t in trials if t.tune], budget).values())
        tuned = [c for c in cells if not c.skip]
        ranges = [trial_range(c, budget) for c in tuned]
        # A tuned cell: its search's candidates (one tuning seed), then its own seeds at the
        # chosen values (racing may add seeds up to its MAX).
        for c, (lo, hi) in zip(tuned, ranges, strict=True):
            race = c.trial.race
            low += lo + len(c.seeds)
            high += hi + max(len(c.seeds), race[1] if race else 0)
        for c in cells:
            if c.skip:
                seeds = [dataclasses.replace(c.trial, seed=s) for s in c.seeds]
                fewest, most = racing.trial_counts(seeds)
                low, high = low + fewest, high + most
        lows = sorted({lo for lo, _ in ranges})
        lines.append(
            f"tuning {spec}: {len(tuned)} cells, {'/'.join(map(str, lows))} to "
            f"{budget.cap} candidates each (one seed, not counted by any table)"
        )
    lines += _role_lines(trials)
    if any(t.race for t in trials):
        lines.append(f"racing: between {low} and {high} trials in all")
    else:
        lines.append(f"{low}..{high} trials in all" if low != high else f"{low} trials in all")
    return low, high, lines


def _role_lines(trials: list[Trial]) -> list[str]:
    """What the dry run says of grids that choose later, budget axes and rulesets."""
    lines = []
    stand: dict[tuple, set[str]] = {}
    for t in trials:
        if t.role.pick:
            key = (t.role.grid or "a grid", t.role.pick.of, t.role.pick.best, t.model)
            stand.setdefault(key, set()).add(t.cell)
    for (grid, of, best, model), cells in stand.items():
        lines.append(f"{grid} ({model}): the best {best} of {of!r}, chosen on validation once "
                     f"it is finished; counted as {len(cells)} cells of stand-ins")  # fmt: skip
    apart = {t.cell for t in trials if t.role.budget_of}
    if apart:
        lines.append(f"budget axis: {len(apart)} cells, tuned and raced apart from the tables")
    fixed = {t.cell for t in trials if t.role.ruleset}
    if fixed:
        lines.append(f"self-tuning: {len(fixed)} cells at fixed settings, not tuned")
    return lines


def _unique(trials: list[Trial]) -> list[Trial]:
    """`trials` without repeats (by config hash), each where it first appears."""
    seen: dict[str, Trial] = {}
    for t in trials:
        seen.setdefault(t.config_hash, t)
    return list(seen.values())


@dataclasses.dataclass
class _Stage:
    """What a campaign has run so far: the tables' trials (racing's seeds included), the budget
    axis's, tuning's summary and the racing states, and what grids chose."""

    ran: list[Trial] = dataclasses.field(default_factory=list)
    apart: list[Trial] = dataclasses.field(default_factory=list)
    tuning: dict[str, Any] | None = None
    racing: dict[str, Any] = dataclasses.field(default_factory=dict)
    racing_apart: dict[str, Any] | None = None
    selections: list[dict[str, Any]] = dataclasses.field(default_factory=list)


def _stage(ready: list[Trial], out: Path, done: _Stage, run, log, run_kwargs) -> None:
    """Tune the tunable cells of `ready`, then race the tables, and apart from them the budget
    axis, each continuing from the seeds already run (`done`, updated)."""
    budget = tuning_budget(ready)
    table = [t for t in ready if not t.tune]
    if budget:
        to_tune = [t for t in ready if t.tune]
        log(f"tuning: budget {budget} for the cells of {len(to_tune)} trials")
        done.tuning, chosen = run_tuning(to_tune, out, budget, run, **run_kwargs)
        table += chosen
    main = _unique(done.ran + [t for t in table if not t.role.budget_of])
    apart = _unique(done.apart + [t for t in table if t.role.budget_of])
    if any(t.race for t in main + apart):
        log("racing: more seeds where a table's leader is not yet separated")
    done.ran, done.racing = run_race(main, out, run, **run_kwargs)
    if apart:
        done.apart, done.racing_apart = run_race(apart, out, run, **run_kwargs)


def run_campaign(
    trials: list[Trial],
    out: str | Path,
    *,
    about: dict[str, Any] | None = None,
    log=None,
    **run_kwargs,
) -> tuple[RunSummary, dict[str, Any]]:
    """Tune, race and run `trials` into `out`; write run.json (with `about`: the command,
    suite and profile), racing.json and, with `tensorboard`, TensorBoard's HParams table
    (`zoo.bench.output.hparams`). Returns the totals and run.json's content.

    Grids that take another grid's best optimizers (stand-ins, `zoo.bench.plan.roles`) run
    in a second stage, once the tables they choose from are finished
    (`zoo.bench.decide.select`). `run_kwargs` go to `zoo.bench.run_trials` (data_dir,
    progress, jobs, executor, ...); `log(line)` reports the phases. Worker processes, where
    any, are started once and serve every phase (`zoo.bench.run.executors.Pools`).
    """
    out = Path(out)
    log = log or (lambda line: None)
    totals = RunSummary()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    t0 = time.perf_counter()
    pools = Pools(
        run_kwargs.get("executor", "local"), run_kwargs.get("jobs", 1), run_kwargs.get("address")
    )

    def run(batch: list[Trial], folder, **kwargs) -> None:
        totals.add(run_trials(batch, folder, pools=pools, **kwargs))

    tuning_budget(trials)  # one budget per run, stand-ins included
    ready = [t for t in trials if not t.role.pick]
    stand_ins = [t for t in trials if t.role.pick]
    done = _Stage()
    with pools:
        _stage(ready, out, done, run, log, run_kwargs)
        if stand_ins:
            log("choosing: grids that take the best optimizers of a finished table")
            resolved, done.selections = resolve(stand_ins, done.ran + done.apart, out, log)
            _stage(_unique(ready + resolved), out, done, run, log, run_kwargs)
    info = _run_info(done, about, totals, started)
    racing = {**done.racing, **({"budget_axis": done.racing_apart} if done.racing_apart else {})}
    atomic_write(Layout(out).racing_file, (json.dumps(racing, indent=1) + "\n").encode())
    info["wall_time_s"] = time.perf_counter() - t0
    atomic_write(Layout(out).run_file, (json.dumps(info, indent=1) + "\n").encode())
    if run_kwargs.get("tensorboard"):
        _hparams(out, info)
    totals.wall_time_s = info["wall_time_s"]
    return totals, info


def _hparams(out: Path, info: dict[str, Any]) -> None:
    """TensorBoard's HParams table of every trial of the run (tuning's candidates marked)."""
    tuned = set(info.get("tuning_hashes", []))
    wanted = set(info["trial_hashes"]) | tuned
    write_hparams(out, [r for r in Store(out).check() if r.config_hash in wanted], tuned)


def _run_info(done: _Stage, about, totals: RunSummary, started: str) -> dict[str, Any]:
    """run.json: the tables' trials, and apart from them tuning's candidates, the budget
    axis's trials (with the pairs the report compares), the self-tuning cells and the
    choices grids made."""
    hashes = sorted({t.config_hash for t in done.ran})
    apart = sorted({t.config_hash for t in done.apart} - set(hashes))
    tuned = set(candidate_hashes(done.tuning)) if done.tuning else set()
    info = {
        **(about or {}),
        "trials": len(hashes),
        "trial_hashes": hashes,
        **({"tuning_hashes": sorted(tuned - set(hashes) - set(apart))} if done.tuning else {}),
        "racing_rounds": done.racing["rounds"],
        "ran": totals.ran,
        "skipped": totals.skipped,
        "started_at": started,
    }
    if apart:
        info["budget_hashes"] = apart
        info["budget_axis"] = _budget_pairs(done)
    fixed = sorted({t.config_hash for t in done.ran if t.role.ruleset})
    if fixed:
        info["self_tuning_hashes"] = fixed
    if done.selections:
        info["selections"] = done.selections
    return info


def _budget_pairs(done: _Stage) -> list[dict[str, Any]]:
    """Each budget axis: its table and the named grid's, by their trials' hashes."""
    pairs: dict[tuple, dict[str, Any]] = {}
    for t in done.apart:
        key = (t.role.grid, t.role.budget_of, *t.table)
        pair = pairs.setdefault(key, {
            "grid": t.role.grid, "of": t.role.budget_of, "model": t.model, "dataset": t.dataset,
            "backend": t.backend, "epochs": t.epochs, "hashes": [],
            "of_hashes": sorted({x.config_hash for x in done.ran if x.role.grid ==
                                 t.role.budget_of and x.table == t.table}),
            "of_epochs": next((x.epochs for x in done.ran if x.role.grid == t.role.budget_of
                               and x.table == t.table), None)})  # fmt: skip
        pair["hashes"].append(t.config_hash)
    return [{**p, "hashes": sorted(set(p["hashes"]))} for p in pairs.values()]


def load_records(out: Path, warn=None) -> tuple[list[TrialRecord], dict[str, Any]]:
    """The records of the last `zoo bench` run in `out` (per its run.json, also returned),
    or all of them when there is no run.json.

    A damaged or foreign file in `results/` is a `UsageError`, not a silently partial report.
    """
    store = Store(out)
    if not store.results.is_dir():
        raise UsageError(
            f"{out} has no results/ folder: nothing to report. Run `zoo bench --out {out}` first."
        )
    records = store.check()
    run_file = Layout(out).run_file
    run = json.loads(run_file.read_text()) if run_file.is_file() else {}
    if run.get("trial_hashes"):  # report the last `zoo bench` run's trials, not stale ones
        wanted = set(run["trial_hashes"]) | set(run.get("tuning_hashes", []))
        wanted |= set(run.get("budget_hashes", []))  # a budget axis: reported apart
        others = [r for r in records if r.config_hash not in wanted]
        records = [r for r in records if r.config_hash in wanted]
        if others and warn:
            warn(
                f"note: {len(others)} record(s) in {store.results} are not trials of the last "
                f"run ({run.get('command')}): other settings or versions; left out of the report."
            )
    if not records:
        raise UsageError(f"{store.results} holds no trial records: nothing to report.")
    lost = [f"{r.config_hash}: {name}" for r in records for name in r.files.values()
            if not (store.results / name).is_file()]  # fmt: skip
    if lost and warn:  # e.g. a GAN's sample grid not copied with its record
        warn(f"note: {len(lost)} file(s) that records in {store.results} list are missing "
             f"({', '.join(lost[:3])}{', ...' if len(lost) > 3 else ''}): copy a results "
             "folder whole, its records' files with them.")  # fmt: skip
    return records, run
