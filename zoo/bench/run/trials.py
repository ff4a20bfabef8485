"""Running trials: claim each missing one, run it here or in workers, store its record.

suite (TOML) --expand--> [Trial] --run_trial--> record --Store.write--> results/<hash>.json

Crash safety: a record is written atomically once its trial ends, so a killed run loses at
most the trial in flight, and that one resumes from its last checkpoint
(`<out>/checkpoints/<hash>/`, removed once the record is stored). Several processes may
work on one folder: each trial is claimed by one process (`Store.claim`) and run once.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from zoo.bench.output.layout import Layout
from zoo.bench.output.store import DONE, Store
from zoo.bench.plan.trial import Trial


@dataclass
class RunSummary:
    total: int = 0
    skipped: int = 0
    ran: int = 0
    elsewhere: int = 0  # claimed by another live process: left to it
    statuses: dict[str, int] = field(default_factory=dict)
    wall_time_s: float = 0.0


def preflight(trials: list[Trial], data_dir: str | None, sizes: bool = True) -> None:
    """Read each data set once and (`sizes`) check every trial's split sizes against it,
    before any training (and, from the CLI, before the output folder is made): missing data
    or an impossible size fails fast and leaves nothing behind."""
    from zoo.data import load_dataset

    if data_dir is not None and not Path(data_dir).is_dir():
        from zoo.errors import UsageError

        what = "a file" if Path(data_dir).exists() else "missing"
        raise UsageError(
            f"--data-dir {data_dir}: {what}, not a folder. Give the folder that holds the data "
            "files (or leave it out to search ZOO_DATA_DIR, the Keras cache and "
            "/usr/share/datasets)."
        )
    wanted = dict.fromkeys(
        (t.dataset, tuple(sorted(t.data_options.items())),
         *((t.train_size, t.val_size, t.test_size) if sizes else (1, 0, 1)))
        for t in trials
    )  # fmt: skip
    for name, options, train, val, test in wanted:
        load_dataset(name, train_size=train, val_size=val, test_size=test, data_dir=data_dir,
                     **dict(options))  # fmt: skip


def _epoch_metrics(logs: dict) -> str:
    """What the progress bar shows after an epoch: accuracy, or a GAN's two losses."""
    keys = ["d_loss", "g_loss"] if "d_loss" in logs else []
    keys = keys or ["val_accuracy" if "val_accuracy" in logs else "accuracy"]
    return "".join(f" {k} {logs[k]:.3f}" for k in keys if logs.get(k) is not None)


def _result(record: dict) -> str:
    """One finished trial, in a few words: `test acc 0.8812`, `FID 41.2, 10/10 classes`."""
    test = record.get("test") or {}
    if record["status"] != "ok" or not test:
        return record["status"]
    if "fid" in test:
        k = (record.get("coverage") or {}).get("num_classes", "?")
        return f"FID {test['fid']:.1f}, {test['classes_covered']}/{k} classes"
    return f"test acc {test['accuracy']:.4f}"


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
    from tqdm import tqdm

    stream = stream or sys.stderr
    store = Store(out)
    done: set[str] = set()
    if store.results.is_dir():
        # A damaged or foreign file there: stop before touching anything.
        done = {r["config_hash"] for r in store.check() if r.get("status") in DONE}
        store.remove_stale_temporaries()
        # A process killed between storing a record and dropping its checkpoints left them.
        for key in done:
            Layout(store.out).drop_checkpoints(key)
    summary = RunSummary(total=len(trials))
    todo = [t for t in trials if t.config_hash not in done]
    summary.skipped = len(trials) - len(todo)
    if todo:
        preflight(todo, data_dir, sizes=False)
    t0 = time.perf_counter()
    bar = tqdm(
        total=len(trials),
        initial=summary.skipped,
        unit="trial",
        file=stream,
        disable=not progress,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
    )
    if summary.skipped:
        tqdm.write(
            f"{summary.skipped} of {len(trials)} trials already done in {out}, skipped.",
            file=stream,
        )
    run = _Run(store, bar, summary, stream, tensorboard)
    kwargs = {"data_dir": data_dir, "save_weights": save_weights}
    from zoo.bench.run.executors import Pools

    own = pools is None
    pools = Pools(executor, jobs, address) if own else pools
    try:
        with bar:
            for backend, group in _by_backend(todo).items():
                if jobs == 1 and executor == "local" and not address and backend == _current():
                    run.serial(group, **kwargs)
                else:
                    run.parallel(group, pools.get(backend), **kwargs)
            bar.set_description_str("done")
    except BaseException:  # an error or Ctrl-C: don't wait for the trials in flight
        pools.shutdown(cancel=True)
        raise
    if own:
        pools.shutdown()
    summary.wall_time_s = time.perf_counter() - t0
    return summary


def _current() -> str:
    import keras

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
        from tqdm import tqdm

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

    def finish(self, trial: Trial, record: dict) -> None:
        """Store a finished trial's record, drop its checkpoints, report it."""
        self.store.write(record)
        Layout(self.store.out).drop_checkpoints(trial.config_hash)
        if record.get("resumed_from_epoch"):
            self.write(
                f"  {trial.label}: resumed from its checkpoint after epoch "
                f"{record['resumed_from_epoch']}"
            )
        status = record["status"]
        self.summary.ran += 1
        self.summary.statuses[status] = self.summary.statuses.get(status, 0) + 1
        self.write(f"  {trial.label}: {_result(record)} ({record['wall_time_s']:.1f}s)")
        self.bar.update(1)

    def serial(self, todo: list[Trial], **kwargs) -> None:
        from zoo.bench.run.runner import run_trial

        for trial in todo:
            self.bar.set_description_str(trial.label)

            def on_epoch(epoch: int, logs: dict, trial: Trial = trial) -> None:
                self.bar.set_postfix_str(f"epoch {epoch}/{trial.epochs}{_epoch_metrics(logs)}")

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
        import concurrent.futures

        from zoo.errors import ZooError

        queue = list(todo)
        pending: dict = {}
        taking = None  # a trial between its claim and `pending`: an interrupt must release it
        pick = getattr(pool, "pick", lambda queue: 0)  # a local pool sends a shape to one worker
        try:
            while queue or pending:
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
