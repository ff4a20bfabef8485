"""Run one trial: build the model, `fit` it, evaluate on the test split, return its record.

The hot path is plain `model.fit` on in-memory arrays. Every callback works at epoch level
(an epoch monitor for wall time and divergence; with a checkpoint folder, Keras's
`BackupAndRestore` and `CSVLogger`), so there is no per-batch Python overhead. With a
checkpoint folder a killed trial resumes from its last finished epoch: weights and optimizer
state come back from the backup, and the history of the epochs before the kill from the CSV.
How a task trains (loss, metrics, schedules, augmentation, divergence) is in
`zoo.bench.run.training`; a model's task comes from the registry. GANs (`generation`) fit on
images alone and are scored by `zoo.metrics.gan` (FID, class coverage, a sample grid stored
beside the record).
"""

from __future__ import annotations

import resource
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np

from zoo.backend import set_seed
from zoo.bench.output.store import SCHEMA
from zoo.bench.plan.trial import Trial
from zoo.bench.run import reuse
from zoo.bench.run.history import read_history, time_to_target
from zoo.bench.run.provenance import environment
from zoo.bench.run.training import (
    AveragedWeightsForEvaluation,
    Backup,
    EpochMonitor,
    batches,
    build_optimizer,
    chance_losses,
    loss_and_metrics,
    steps_per_epoch,
    targets,
    to_averaged_weights,
    training_input,
    validation_input,
)
from zoo.data import load_dataset
from zoo.errors import ZooError
from zoo.models import model_info
from zoo.specs import parse_schedule

keras.config.disable_interactive_logging()
if keras.backend.backend() == "tensorflow":  # silence tf.function retracing chatter
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")

GENERATION = "generation"  # GANs: `compile(g_optimizer, d_optimizer)`, scored by FID


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _floats(values) -> list[float]:
    return [float(v) for v in values]


def run_trial(
    trial: Trial,
    *,
    data_dir: str | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    checkpoint_dir: Path | None = None,
    save_weights: bool = False,
    tensorboard_dir: Path | None = None,
) -> dict[str, Any]:
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
    record: dict[str, Any] = {
        "schema": SCHEMA,
        "config_hash": trial.config_hash,
        "config": trial.config(),
        "labels": {
            "optimizer": trial.optimizer_label,
            "schedule": trial.schedule_label,
            "regularizer": trial.regularizer.label,
        },
        "task": model_info(trial.model).task,
        "started_at": _now(),
        "env": environment(),
    }
    t0 = time.perf_counter()
    try:
        record.update(
            _train(trial, data_dir, on_epoch, checkpoint_dir, save_weights, tensorboard_dir)
        )
    except ZooError:
        raise
    except Exception as exc:
        record.update(
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(limit=20),
        )
    record["wall_time_s"] = time.perf_counter() - t0
    record["peak_memory_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    record["finished_at"] = _now()
    return record


def deterministic_ops() -> None:
    """Make the backend's kernels deterministic (TensorFlow: `enable_op_determinism`)."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def _weights_bytes(model: keras.Model) -> bytes:
    """The model's weights as the bytes of a Keras `.weights.h5` file."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.weights.h5"
        model.save_weights(str(path))
        return path.read_bytes()


def _keep_files(out: dict[str, Any], model: keras.Model, vocabulary: list[str] | None) -> None:
    """Add the trained weights (and the vocabulary of a text model) to the record's files."""
    import hashlib

    files = {"weights.h5": _weights_bytes(model)}
    if vocabulary is not None:
        files["vocabulary.txt"] = ("\n".join(vocabulary) + "\n").encode()
    out.setdefault("files", {}).update(files)
    out["file_sha256"] = {name: hashlib.sha256(b).hexdigest() for name, b in files.items()}


def _train(
    trial: Trial,
    data_dir: str | None,
    on_epoch,
    checkpoint_dir,
    save_weights: bool = False,
    tensorboard_dir=None,
) -> dict[str, Any]:
    info = model_info(trial.model)
    gan = info.task == GENERATION
    ds = load_dataset(
        trial.dataset,
        train_size=trial.train_size,
        val_size=trial.val_size,
        test_size=trial.test_size,
        seed=trial.seed,
        data_dir=data_dir,
        **trial.data_options,
    )
    deterministic_ops()
    set_seed(trial.seed)  # Keras's, without flushing TensorFlow's compiled functions
    # `jit_compile` is XLA for TensorFlow and torch.compile for torch (both off by default:
    # slower on CPU); JAX always compiles its step (un-jitted JAX runs op by op, ~10x slower).
    jit = trial.jit_compile or keras.backend.backend() == "jax"
    model = info.builder(**ds.model_kwargs, **trial.model_options, regularizer=trial.regularizer)
    reg, schedule = trial.regularizer, trial.schedule or parse_schedule(None)
    total_steps = trial.epochs * steps_per_epoch(len(ds.x_train), trial.batch_size)
    optimizers = [build_optimizer(trial.optimizer, schedule, total_steps)]
    if gan:
        optimizers.append(build_optimizer(trial.d_optimizer or trial.optimizer, schedule,
                                          total_steps))  # fmt: skip
        optimizers[0].build(model.generator.trainable_variables)
        optimizers[1].build(model.discriminator.trainable_variables)
    else:
        optimizers[0].build(model.trainable_variables)
    # A compiled model of the same shape from an earlier trial: set to this trial's fresh
    # state, it skips tracing (zoo.bench.run.reuse).
    shape = reuse.trial_key(trial) if not jit else None
    compiled = reuse.take(shape, model, optimizers)
    if compiled is not None:
        model, optimizers = compiled.model, compiled.optimizers
    elif gan:
        model.compile(g_optimizer=optimizers[0], d_optimizer=optimizers[1], jit_compile=jit)
    else:
        loss, metrics = loss_and_metrics(info.task, reg)
        model.compile(optimizer=optimizers[0], loss=loss, metrics=metrics, jit_compile=jit)
    if gan:
        train, validation = batches(ds.x_train, None, trial.batch_size, shuffle=True), None
    else:
        y_train, y_val = (
            targets(y, info.task, reg, ds.num_classes) for y in (ds.y_train, ds.y_val)
        )
        train = training_input(ds.x_train, y_train, reg, trial.batch_size, trial.seed)
        validation = validation_input(ds.x_val, y_val, trial.batch_size) if len(ds.x_val) else None
    monitor = EpochMonitor(on_epoch, chance_losses(info.task, ds.num_classes))
    callbacks: list[keras.callbacks.Callback] = [monitor, AveragedWeightsForEvaluation(optimizers)]
    if checkpoint_dir is not None:
        checkpoint_dir = Path(checkpoint_dir)
        checkpoint_dir.mkdir(parents=True, exist_ok=True)
        callbacks += [
            Backup(str(checkpoint_dir / "backup")),
            keras.callbacks.CSVLogger(str(checkpoint_dir / "history.csv"), append=True),
        ]
    if tensorboard_dir is not None:
        callbacks.append(keras.callbacks.TensorBoard(str(tensorboard_dir), write_graph=False))
    # The same generator before training: its FID is the scale a trained one is judged on.
    untrained = _score_generator(model, ds, trial).get("fid") if gan else None
    t_fit = time.perf_counter()
    history = model.fit(
        **train, validation_data=validation, epochs=trial.epochs, callbacks=callbacks, verbose=0
    )
    fit_time = time.perf_counter() - t_fit
    reuse.keep(shape, model, optimizers)
    for optimizer in optimizers:  # Schedule-Free AdamW: evaluate and keep its averaged weights
        to_averaged_weights(optimizer)
    csv_log = checkpoint_dir / "history.csv" if checkpoint_dir is not None else None
    if csv_log is not None and csv_log.is_file():
        hist = read_history(csv_log)  # every epoch, those before a resume included
    else:
        hist = {k: _floats(v) for k, v in history.history.items()}
    first_epoch = history.epoch[0] if history.epoch else trial.epochs
    # Steady-state throughput: leave out the first epoch (tracing / XLA compilation) if we can.
    all_times = hist.get("epoch_time_s", [])
    times = all_times[1:] or all_times
    throughput = len(ds.x_train) * len(times) / sum(times) if sum(times) > 0 else None
    out: dict[str, Any] = {
        "status": "ok",
        "history": hist,
        "epochs_run": len(all_times),
        "data_sizes": ds.sizes(),
        "params": int(model.count_params()),
        "fit_time_s": fit_time,
        "throughput_samples_per_s": throughput,
        "test": None,
    }
    if first_epoch > 0:
        out["resumed_from_epoch"] = first_epoch
    if trial.target is not None:
        out["target"] = time_to_target(hist, trial.target)
    if monitor.diverged_epoch is not None:
        out.update(
            status="diverged",
            diverged_epoch=monitor.diverged_epoch,
            diverged_because=monitor.diverged_why,
        )
        return out
    t_eval = time.perf_counter()
    if gan:
        out.update(_score_generator(model, ds, trial))
        if out.get("fid") and untrained:
            out["fid"]["untrained"] = untrained["value"]
    else:
        y_test = targets(ds.y_test, info.task, reg, ds.num_classes)
        test = batches(ds.x_test, y_test, max(trial.batch_size, 256), shuffle=False)
        scores = model.evaluate(**test, verbose=0, return_dict=True)
        out["test"] = {k: float(v) for k, v in scores.items()}
        if not all(np.isfinite(v) for v in out["test"].values()):
            out.update(status="diverged", diverged_epoch=len(all_times))
    out["eval_time_s"] = time.perf_counter() - t_eval
    if save_weights and out["status"] == "ok":
        _keep_files(out, model, ds.vocabulary)
    return out


def _score_generator(model, ds, trial: Trial) -> dict[str, Any]:
    """FID and class coverage against the test images, and the sample grid (as a file)."""
    from zoo.metrics.gan import evaluate_generator

    scores = evaluate_generator(model.generate, ds.x_test, num_samples=trial.fid_samples or 10000)
    out: dict[str, Any] = {"files": {"samples.png": scores.pop("sample_grid_png")}}
    fid, coverage = scores.get("fid"), scores.get("coverage")
    out.update(fid=fid, coverage=coverage)
    if scores.get("fid_note"):
        out["fid_note"] = scores["fid_note"]
    if fid is None or coverage is None:
        out["test"] = None
        if scores.get("fid_note") == "generated images are not finite":
            out.update(status="diverged", diverged_epoch=trial.epochs)
        return out
    out["test"] = {
        "fid": fid["value"],
        "classes_covered": coverage["classes_covered"],
        "kl_uniform": coverage["kl_uniform"],
    }
    out["mode_collapse"] = coverage["mode_collapse"]
    return out
