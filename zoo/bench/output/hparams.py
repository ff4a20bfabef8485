"""TensorBoard's HParams view of a run (`--tensorboard`): every trial's optimizer, schedule,
regularizer, learning rate, weight decay and seed as hyperparameters and its headline
metrics as metrics, so `tensorboard --logdir OUT/tensorboard` shows the comparison table.

    OUT/tensorboard/                 the experiment: which hyperparameters and metrics exist
    OUT/tensorboard/<hash>/          one trial: its hyperparameters and metrics, beside
                                     Keras's train/ and validation/ curves (`run_trials`)

Written with TensorBoard's own API (`tensorboard.plugins.hparams.api`, through TensorFlow's
summary writers) at the end of a run, replacing what an earlier call wrote, so a resumed
run shows each trial once. Metrics: the test headline (`test_accuracy`, `fid`), the
best validation score (what tuning and racing read) and the trial's seconds.
"""

from __future__ import annotations

import math
from pathlib import Path

from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord

WALL = "wall_time_s"


def trial_hparams(r: TrialRecord, tuning: bool = False) -> dict[str, str | float]:
    """A trial's hyperparameters as HParams takes them (strings and numbers; a learning rate
    or weight decay the optimizer does not have is left out)."""
    kwargs = r.config["optimizer"]["kwargs"]
    values: dict[str, str | float] = {
        "model": r.model,
        "dataset": r.dataset,
        "optimizer": r.labels.optimizer,
        "schedule": r.labels.schedule,
        "regularizer": r.labels.regularizer,
        "seed": float(r.seed),
        "phase": "tuning" if tuning else "table",
    }
    for key in ("learning_rate", "weight_decay"):
        if isinstance(kwargs.get(key), int | float):
            values[key] = float(kwargs[key])
    return values


def trial_metrics(r: TrialRecord) -> dict[str, float]:
    """A trial's metrics: the test headline (`Task.column`), the best validation score
    (`best_val_<metric>`, where the task has one) and its seconds; non-finite ones left out."""
    t = r.task_info
    found = {t.column: r.headline, WALL: r.wall_time_s or math.nan}
    if t.validation:
        found[f"best_{t.validation}"] = r.validation
    return {k: float(v) for k, v in found.items() if v is not None and math.isfinite(v)}


def write_hparams(out: str | Path, records: list[TrialRecord], tuning: set[str]) -> Path:
    """Write the HParams summaries of `records` (those whose hash is in `tuning` marked as
    tuning's candidates) under `OUT/tensorboard/`; return that folder."""
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    layout = Layout(out)
    root = layout.tensorboard_root
    rows = [(r, trial_hparams(r, r.config_hash in tuning), trial_metrics(r)) for r in records]
    names = sorted({k for _, h, _ in rows for k in h})
    metrics = sorted({k for _, _, m in rows for k in m})
    _clear(root)
    with tf.summary.create_file_writer(str(root)).as_default():
        hp.hparams_config(
            hparams=[hp.HParam(name) for name in names],
            metrics=[hp.Metric(m, display_name=m) for m in metrics],
        )
    for r, values, scores in rows:
        folder = layout.tensorboard(r.config_hash)
        _clear(folder)
        with tf.summary.create_file_writer(str(folder)).as_default():
            hp.hparams(values, trial_id=r.config_hash)
            for name, value in scores.items():
                tf.summary.scalar(name, value, step=r.epochs_run or r.epochs)
    return root


def _clear(folder: Path) -> None:
    """Remove the event files an earlier call wrote directly in `folder` (Keras's curves, in
    its train/ and validation/ subfolders, stay)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("events.out.tfevents.*"):
        old.unlink()
