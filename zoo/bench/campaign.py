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
from zoo.bench.decide.racing import run_race
from zoo.bench.decide.tune import candidate_hashes, plan, run_tuning, trial_range
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


def trial_counts(trials: list[Trial]) -> tuple[int, int, list[str]]:
    """The fewest and the most trials a run of `trials` takes, tuning and racing included,
    and lines that say how (what `zoo bench --dry-run` prints)."""
    low, high = racing.trial_counts([t for t in trials if not t.tune])
    lines = [f"{len(trials)} trials"]
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
    if any(t.race for t in trials):
        lines.append(f"racing: between {low} and {high} trials in all")
    else:
        lines.append(f"{low}..{high} trials in all" if low != high else f"{low} trials in all")
    return low, high, lines


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

    `run_kwargs` go to `zoo.bench.run_trials` (data_dir, progress, jobs, executor, ...);
    `log(line)` reports the phases. Worker processes, where any, are started once and serve
    every phase (`zoo.bench.run.executors.Pools`).
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

    with pools:
        budget = tuning_budget(trials)
        table_trials = [t for t in trials if not t.tune]
        tuning = None
        if budget:
            to_tune = [t for t in trials if t.tune]
            log(f"tuning: budget {budget} for the cells of {len(to_tune)} trials")
            tuning, chosen = run_tuning(to_tune, out, budget, run, **run_kwargs)
            table_trials += chosen
        if any(t.race for t in table_trials):
            log("racing: more seeds where a table's leader is not yet separated")
        ran, racing = run_race(table_trials, out, run, **run_kwargs)
    atomic_write(Layout(out).racing_file, (json.dumps(racing, indent=1) + "\n").encode())
    hashes = sorted({t.config_hash for t in ran})
    info = {
        **(about or {}),
        "trials": len(hashes),
        "trial_hashes": hashes,
        **(
            {"tuning_hashes": sorted(set(candidate_hashes(tuning)) - set(hashes))} if tuning else {}
        ),  # fmt: skip
        "racing_rounds": racing["rounds"],
        "ran": totals.ran,
        "skipped": totals.skipped,
        "started_at": started,
        "wall_time_s": time.perf_counter() - t0,
    }
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
        others = [r for r in records if r.config_hash not in wanted]
        records = [r for r in records if r.config_hash in wanted]
        if others and warn:
            warn(
                f"note: {len(others)} record(s) in {store.results} are not trials of the last "
                f"run ({run.get('command')}): other settings or versions; left out of the report."
            )
    if not records:
        raise UsageError(f"{store.results} holds no trial records: nothing to report.")
    return records, run
