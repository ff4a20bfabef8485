"""Running trials: claim each missing one, run it here or in workers, store its record.

suite (TOML) --expand--> [Trial] --run_trial--> record --Store.write--> results/<hash>.json

Crash safety: a record is written atomically once its trial ends, so a killed run loses at
most the trial in flight, and that one resumes from its last checkpoint
(`<out>/checkpoints/<hash>/`, removed once the record is stored). Several processes may
work on one folder: each trial is claimed by one process (`Store.claim`) and run once.
"""

from __future__ import annotations

import concurrent.futures
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
from tqdm import tqdm

from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store
from zoo.bench.plan.preflight import preflight
from zoo.bench.plan.trial import Trial
from zoo.bench.run import interrupts
from zoo.bench.run.executors import Pools
from zoo.bench.run.runner import run_trial, trial_task
from zoo.errors import ZooError
from zoo.specs.tasks import Task


@dataclass
class RunSummary:
    """Trials run, skipped (stored already) and left to another process, by status; over one
    batch (`run_trials`) or, added up, over a whole campaign."""

    total: int = 0
    skipped: int = 0
    ran: int = 0
    elsewhere: int = 0  # claimed by another live process: left to it
    statuses: dict[str, int] = field(default_factory=dict)
    wall_time_s: float = 0.0

    def add(self, other: RunSummary) -> None:
        """Count `other`'s trials in this summary too (its wall time is not added)."""
        self.total += other.total
        self.ran += other.ran
        self.skipped += other.skipped
        self.elsewhere += other.elsewhere
        for status, n in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + n


def _epoch_metrics(logs: dict, t: Task) -> str:
    """What the progress bar shows after an epoch: the validation metric (the training one
    without a validation split), or a GAN's losses."""
    keys = t.losses if t.generative else [t.validation if t.validation in logs else t.metric]
    return "".join(f" {k} {logs[k]:.3f}" for k in keys if logs.get(k) is not None)


def _result(record: TrialRecord) -> str:
    """One finished trial, in a few words: `test accuracy 0.8812`, `FID 41.2, 10/10 classes`."""
    if record.status != "ok" or not record.test:
        return record.status
    t = record.task_info
    text = f"{t.label} {t.fmt(record.headline)}"
    if record.coverage is not None:
        text += f", {record.coverage.classes_covered}/{record.coverage.num_classes} classes"
    return text


def run_trials(
    trials: list[Trial],
    out: str | Path,
    *,
    data_dir: str | None = None,
    progress: bool = True,
    stream=None,
    save_weights: bool = False,
    tensorboard: bool = False,
    jobs: int = 1,
    executor: str = "local",
    address: str | None = None,
    pools=None,
) -> RunSummary:
    """Run every trial whose record is not yet in `out`; show progress and an ETA.

    `save_weights`: store each trained model's weights beside its record (see `run_trial`).
    `tensorboard`: write each trial's TensorBoard logs to `<out>/tensorboard/<config_hash>/`.
    `jobs`, `executor`, `address`: run the trials in worker processes or Ray tasks
    (`zoo.bench.run.executors`) instead of in this process; records are gathered and written here
    all the same. Trials under a Keras backend other than this process's always run in
    workers started under that backend. `pools` (`zoo.bench.run.executors.Pools`): worker pools
    that outlive this call (a campaign's); by default they are started and stopped here.
    """
    stream = stream or sys.stderr
    store = Store(out)
    done = _finished(store)
    summary = RunSummary(total=len(trials))
    todo = [t for t in trials if t.config_hash not in done]
    summary.skipped = len(trials) - len(todo)
    if todo:
        preflight(todo, data_dir, sizes=False)
    t0 = time.perf_counter()
    bar = tqdm(total=len(trials), initial=summary.skipped, unit="trial", file=stream,
               disable=not progress, dynamic_ncols=True, bar_format=BAR)  # fmt: skip
    if summary.skipped:
        tqdm.write(
            f"{summary.skipped} of {len(trials)} trials already done in {out}, skipped.",
            file=stream,
        )
    run = _Run(store, bar, summary, stream, tensorboard)
    kwargs = {"data_dir": data_dir, "save_weights": save_weights}
    own = pools is None
    pools = Pools(executor, jobs, address) if own else pools
    try:
        with bar, interrupts.noting_sigint():
            for backend, group in _by_backend(todo).items():
                if jobs == 1 and executor == "local" and not address and backend == _current():
                    run.serial(group, **kwargs)
                else:
                    run.parallel(group, pools.get(backend), **kwargs)
            interrupts.check()
            bar.set_description_str("done")
    except BaseException:  # an error or Ctrl-C: don't wait for the trials in flight
        pools.shutdown(cancel=True)
        raise
    if own:
        pools.shutdown()
    summary.wall_time_s = time.perf_counter() - t0
    return summary


BAR = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]"


def _finished(store: Store) -> set[str]:
    """The trials stored as finished. A damaged or foreign file in the store is a
    `UsageError` before anything is touched; leftovers of writes a kill cut off go, and so
    do the checkpoints and claims of trials killed between storing their record and
    dropping them."""
    if not store.results.is_dir():
        return set()
    done = {r.config_hash for r in store.check() if r.done}
    store.remove_stale_temporaries()
    store.drop_stale_claims(done)
    for key in done:
        Layout(store.out).drop_checkpoints(key)
    return done


def _current() -> str:
    return keras.backend.backend()


def _by_backend(trials: list[Trial]) -> dict[str, list[Trial]]:
    """Trials grouped by the backend they run under, this process's first."""
    groups: dict[str, list[Trial]] = {_current(): []}
    for t in trials:
        groups.setdefault(t.backend or _current(), []).append(t)
    return {b: ts for b, ts in groups.items() if ts}


@dataclass
class _Run:
    """The bookkeeping of `run_trials`: claims, records, checkpoints, progress lines."""

    store: Store
    bar: object
    summary: RunSummary
    stream: object
    tensorboard: bool = False

    def write(self, line: str) -> None:
        tqdm.write(line, file=self.stream)

    def take(self, trial: Trial) -> bool:
        """Claim `trial` for this run; False (and the bar moves on) if it is not ours to run."""
        key = trial.config_hash
        if not self.store.claim(key):
            holder = self.store.claimant(key) or {}
            self.summary.elsewhere += 1
            self.write(
                f"  {trial.label}: being run by another process (pid {holder.get('pid')} "
                f"on {holder.get('host')}), left to it"
            )
            self.bar.update(1)
            return False
        if self.store.is_done(key):  # finished by another process since we looked
            self.store.release(key)
            self.summary.skipped += 1
            self.bar.update(1)
            return False
        return True

    def checkpoints(self, trial: Trial) -> Path:
        return Layout(self.store.out).checkpoints(trial.config_hash)

    def tensorboard_dir(self, trial: Trial) -> str | None:
        if not self.tensorboard:
            return None
        return str(Layout(self.store.out).tensorboard(trial.config_hash))

    def finish(self, trial: Trial, record: TrialRecord) -> None:
        """Store a finished trial's record, drop its checkpoints, report it."""
        self.store.write(record)
        Layout(self.store.out).drop_checkpoints(trial.config_hash)
        if record.resumed_from_epoch:
            self.write(
                f"  {trial.label}: resumed from its checkpoint after epoch "
                f"{record.resumed_from_epoch}"
            )
        self.summary.ran += 1
        self.summary.statuses[record.status] = self.summary.statuses.get(record.status, 0) + 1
        self.write(f"  {trial.label}: {_result(record)} ({record.wall_time_s:.1f}s)")
        self.bar.update(1)

    def serial(self, todo: list[Trial], **kwargs) -> None:
        for trial in todo:
            self.bar.set_description_str(trial.label)

            def on_epoch(epoch: int, logs: dict, trial: Trial = trial) -> None:
                interrupts.check()
                shown = _epoch_metrics(logs, trial_task(trial))
                self.bar.set_postfix_str(f"epoch {epoch}/{trial.epochs}{shown}")

            interrupts.check()
            try:  # from the claim on: an interrupt anywhere gives the claim back
                if not self.take(trial):
                    continue
                record = run_trial(
                    trial,
                    on_epoch=on_epoch,
                    checkpoint_dir=self.checkpoints(trial),
                    tensorboard_dir=self.tensorboard_dir(trial),
                    **kwargs,
                )
                self.finish(trial, record)
            finally:
                self.store.release(trial.config_hash)

    def parallel(self, todo: list[Trial], pool, **kwargs) -> None:
        """Keep `pool.jobs` trials in flight; store each record as its worker returns it."""
        queue = list(todo)
        pending: dict = {}
        taking = None  # a trial between its claim and `pending`: an interrupt must release it
        pick = getattr(pool, "pick", lambda queue: 0)  # a local pool sends a shape to one worker
        try:
            while queue or pending:
                interrupts.check()
                while queue and len(pending) < pool.jobs:
                    taking = trial = queue.pop(pick(queue))
                    if self.take(trial):
                        future = pool.submit(
                            trial,
                            checkpoint_dir=str(self.checkpoints(trial)),
                            tensorboard_dir=self.tensorboard_dir(trial),
                            **kwargs,
                        )
                        pending[future] = trial
                    taking = None
                if not pending:
                    continue
                self.bar.set_description_str(f"{len(pending)} running")
                finished, _ = concurrent.futures.wait(
                    pending, return_when=concurrent.futures.FIRST_COMPLETED
                )
                for future in finished:
                    trial = pending[future]
                    try:
                        record = future.result()
                    except ZooError:
                        raise
                    except Exception as exc:  # the worker died (killed, out of memory)
                        raise ZooError(
                            f"the worker running {trial.label} died ({type(exc).__name__}: "
                            f"{exc}). Finished trials are saved; run the same command again "
                            "to resume."
                        ) from exc
                    else:
                        self.finish(trial, record)  # stored before the claim is given back
                    finally:
                        self.store.release(trial.config_hash)
                        pending.pop(future, None)
        finally:  # an error or Ctrl-C: give back the claims of the trials still in flight
            for trial in [*pending.values(), *([taking] if taking else [])]:
                self.store.release(trial.config_hash)
