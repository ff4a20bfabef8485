"""Run one trial, step by step, and return its record (the caller stores it):

    prepare_data -> build_and_compile -> fit (with callbacks) -> evaluate -> TrialRecord

The hot path is plain `model.fit` on `tf.data` pipelines of in-memory arrays. Every callback
works at epoch level (an epoch monitor for wall time and divergence; the best validation
epoch's weights, which the trial is tested at; with a checkpoint folder, Keras's
`BackupAndRestore` and `CSVLogger`), so there is no per-batch Python overhead. With a
checkpoint folder a killed trial resumes from its last finished epoch: weights, optimizer
state and the best epoch so far come back from the backup, and the history of the epochs
before the kill from the CSV.
What differs by task (loss, targets, chance-level losses) comes from its `Task`
(`zoo.specs.tasks`); how a classifier or a GAN compiles, fits and is scored from its trainer
(`zoo.bench.run.trainers`); inputs, schedules and divergence from `zoo.bench.run.training`.
"""

from __future__ import annotations

import hashlib
import resource
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras

from zoo.backend import set_seed
from zoo.bench.output.record import Labels, TimeToTarget, TrialRecord
from zoo.bench.plan.trial import Trial
from zoo.bench.run import interrupts, reuse
from zoo.bench.run.epochs import Backup, BestEpoch
from zoo.bench.run.history import read_history, time_to_target
from zoo.bench.run.provenance import environment
from zoo.bench.run.trainers import Classifier, Generator, trainer
from zoo.bench.run.training import (
    AveragedWeightsForEvaluation,
    EpochMonitor,
    steps_per_epoch,
    to_averaged_weights,
)
from zoo.data import Dataset, load_dataset
from zoo.errors import ZooError
from zoo.models import model_info
from zoo.specs import parse_schedule
from zoo.specs.tasks import Task, task

keras.config.disable_interactive_logging()
if keras.backend.backend() == "tensorflow":  # silence tf.function retracing chatter
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def trial_task(trial: Trial) -> Task:
    """The task of `trial`'s model (`zoo.specs.tasks`)."""
    return task(model_info(trial.model).task)


def run_trial(
    trial: Trial,
    *,
    data_dir: str | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    checkpoint_dir: Path | None = None,
    save_weights: bool = False,
    tensorboard_dir: Path | None = None,
) -> TrialRecord:
    """Train and evaluate `trial`; return its record (status `ok`, `diverged` or `failed`).

    A `ZooError` (bad data, bad config) propagates: it is the user's to fix, not a result.
    Any other exception is caught and stored as a `failed` record with its traceback.
    `on_epoch(epoch, logs)` is called after every epoch (for progress display).
    `checkpoint_dir`: where per-epoch checkpoints go, and a killed trial resumes from; the
    caller removes it once the record is stored.
    `tensorboard_dir`: write Keras's TensorBoard logs (losses and metrics per epoch) there.
    `save_weights`: keep the trained weights (`weights.h5`) and, for text, the vocabulary
    (`vocabulary.txt`) as files of the record, with their SHA-256 (`make weights` uses them).
    """
    started, t0 = _now(), time.perf_counter()
    try:
        outcome = _steps(trial, data_dir, on_epoch, checkpoint_dir, save_weights, tensorboard_dir)
    except ZooError:
        raise
    except Exception as exc:
        if _interrupted(exc) or interrupts.came():  # Ctrl-C, surfaced as another error
            raise KeyboardInterrupt from exc
        outcome = {
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(limit=20),
        }
    return TrialRecord(
        config_hash=trial.config_hash,
        config=trial.config(),
        labels=Labels(trial.optimizer_label, trial.regularizer.label, trial.schedule_label),
        task=trial_task(trial).name,
        env=environment(),
        started_at=started,
        wall_time_s=time.perf_counter() - t0,
        peak_memory_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        finished_at=_now(),
        **outcome,
    )


def _interrupted(exc: BaseException) -> bool:
    """Whether `exc` carries a KeyboardInterrupt in its chain (a library converted it):
    the trial was stopped, it did not fail."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _steps(trial, data_dir, on_epoch, checkpoint_dir, save_weights, tensorboard_dir) -> dict:
    """The record's fields from training and evaluating `trial`."""
    t = trial_task(trial)
    ds = prepare_data(trial, data_dir)
    session = build_and_compile(trial, t, ds)
    before = session.trainer.before_fit(session.model, ds, trial)
    fitted = fit(trial, t, ds, session, on_epoch, checkpoint_dir, tensorboard_dir)
    out = fitted.fields(trial, ds, session.model)
    if fitted.monitor.diverged_epoch is not None:
        why = fitted.monitor.diverged_why
        return out | {"status": "diverged", "diverged_epoch": fitted.monitor.diverged_epoch,
                      "diverged_because": why}  # fmt: skip
    t_eval = time.perf_counter()
    out |= session.trainer.evaluate(session.model, ds, trial, t, before, out["epochs_run"],
                                    fitted.best)  # fmt: skip
    out["eval_time_s"] = time.perf_counter() - t_eval
    if save_weights and out["status"] == "ok":
        out |= kept_files(session.model, ds.vocabulary, out.get("attachments", {}))
    return out


def prepare_data(trial: Trial, data_dir: str | None) -> Dataset:
    """The trial's data set, split with its sizes and seed (read once per process)."""
    return load_dataset(
        trial.dataset,
        train_size=trial.train_size,
        val_size=trial.val_size,
        test_size=trial.test_size,
        seed=trial.seed,
        data_dir=data_dir,
        **trial.data_options,
    )


def deterministic_ops() -> None:
    """Make the backend's kernels deterministic (TensorFlow: `enable_op_determinism`)."""
    if keras.backend.backend() == "tensorflow":
        tf.config.experimental.enable_op_determinism()


@dataclass
class Session:
    """A compiled model, its optimizers, its shape key (`zoo.bench.run.reuse`) and the
    trainer of its kind (`zoo.bench.run.trainers`)."""

    model: keras.Model
    optimizers: list
    shape: str | None
    trainer: Classifier | Generator


def build_and_compile(trial: Trial, t: Task, ds: Dataset) -> Session:
    """A fresh model and optimizers for `trial`, compiled, or a compiled model of the same
    shape from an earlier trial set to this trial's fresh state (it skips tracing)."""
    deterministic_ops()
    set_seed(trial.seed)  # Keras's, without flushing TensorFlow's compiled functions
    # `jit_compile` is XLA for TensorFlow and torch.compile for torch (both off by default:
    # slower on CPU); JAX always compiles its step (un-jitted JAX runs op by op, ~10x slower).
    jit = trial.jit_compile or keras.backend.backend() == "jax"
    builder = model_info(trial.model).builder
    model = builder(**ds.model_kwargs, **trial.model_options, regularizer=trial.regularizer)
    schedule = trial.schedule or parse_schedule(None)
    steps = trial.epochs * steps_per_epoch(len(ds.x_train), trial.batch_size)
    kind = trainer(t)
    optimizers = kind.optimizers(trial, model, schedule, steps)
    shape = reuse.trial_key(trial) if not jit else None
    compiled = reuse.take(shape, model, optimizers)
    if compiled is not None:
        return Session(compiled.model, compiled.optimizers, shape, kind)
    kind.compile(model, optimizers, t, trial, jit)
    return Session(model, optimizers, shape, kind)


@dataclass
class Fitted:
    """What `fit` left: the per-epoch history, the monitor's verdict, the fit's seconds, the
    best validation epoch (None without a validation split or metric)."""

    history: dict[str, list[float]]
    monitor: EpochMonitor
    fit_time_s: float
    first_epoch: int  # 0, or the epoch a resumed trial started from
    best: BestEpoch | None = None

    def fields(self, trial: Trial, ds: Dataset, model: keras.Model) -> dict[str, Any]:
        """The record's fields about training (status `ok` until evaluation says otherwise)."""
        times = self.history.get("epoch_time_s", [])
        steady = times[1:] or times  # leave out the first epoch (tracing) if we can
        out: dict[str, Any] = {
            "status": "ok",
            "history": self.history,
            "epochs_run": len(times),
            "data_sizes": ds.sizes(),
            "params": int(model.count_params()),
            "fit_time_s": self.fit_time_s,
            "throughput_samples_per_s": len(ds.x_train) * len(steady) / sum(steady)
            if sum(steady) > 0
            else None,
        }
        if self.first_epoch > 0:
            out["resumed_from_epoch"] = self.first_epoch
        if trial.target is not None:
            reached = time_to_target(self.history, trial.target, trial_task(trial))
            out["target"] = TimeToTarget(**reached)
        return out


def fit(trial, t: Task, ds: Dataset, session: Session, on_epoch, checkpoint_dir,
        tensorboard_dir) -> Fitted:  # fmt: skip
    """`model.fit` with the epoch monitor, evaluation at averaged weights, the best validation
    epoch kept, checkpoints and TensorBoard logs; afterwards the model holds its last epoch's
    weights as they are evaluated (Schedule-Free AdamW's averaged x)."""
    train, validation = session.trainer.inputs(trial, t, ds)
    monitor = EpochMonitor(on_epoch, t.chance(ds.num_classes))
    best = None
    if validation is not None and t.validation is not None:
        best = BestEpoch(t.validation, t.higher_is_better, session.optimizers)
    callbacks = [monitor, AveragedWeightsForEvaluation(session.optimizers)]
    callbacks += [best] if best is not None else []
    callbacks += _checkpoints(checkpoint_dir, best)
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(str(tensorboard_dir), write_graph=False))
    t_fit = time.perf_counter()
    history = session.model.fit(**train, validation_data=validation, epochs=trial.epochs,
                                callbacks=callbacks, verbose=0)  # fmt: skip
    fit_time = time.perf_counter() - t_fit
    reuse.keep(session.shape, session.model, session.optimizers)
    for optimizer in session.optimizers:  # Schedule-Free AdamW: evaluate at averaged weights
        to_averaged_weights(optimizer)
    csv_log = Path(checkpoint_dir) / "history.csv" if checkpoint_dir is not None else None
    if csv_log is not None and csv_log.is_file():
        hist = read_history(csv_log)  # every epoch, those before a resume included
    else:
        hist = {k: [float(v) for v in vs] for k, vs in history.history.items()}
    first = history.epoch[0] if history.epoch else trial.epochs
    return Fitted(hist, monitor, fit_time, first, best)


def _checkpoints(checkpoint_dir, best: BestEpoch | None) -> list[keras.callbacks.Callback]:
    """Backups a killed trial resumes from (with its best epoch so far), and the per-epoch
    CSV log (none without a folder)."""
    if checkpoint_dir is None:
        return []
    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return [
        Backup(str(folder / "backup"), best=best),
        keras.callbacks.CSVLogger(str(folder / "history.csv"), append=True),
    ]


def kept_files(model: keras.Model, vocabulary: list[str] | None,
               attachments: dict[str, bytes]) -> dict[str, Any]:  # fmt: skip
    """The record's attachments with the trained weights (and a text model's vocabulary)
    added, and their SHA-256."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.weights.h5"
        model.save_weights(str(path))
        files = {"weights.h5": path.read_bytes()}
    if vocabulary is not None:
        files["vocabulary.txt"] = ("\n".join(vocabulary) + "\n").encode()
    return {
        "attachments": {**attachments, **files},
        "file_sha256": {name: hashlib.sha256(b).hexdigest() for name, b in files.items()},
    }
