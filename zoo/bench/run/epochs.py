"""What a trial keeps across its epochs: the weights of its best validation epoch, and the
backups a killed trial resumes from.

- **The tested epoch.** A trial with a validation split and metric keeps the weights of its
  best validation epoch (`BestEpoch`; the first of equal ones) and is tested there, and at
  its last epoch (`zoo.bench.run.trainers.Classifier.evaluate`): the choice of epoch reads
  validation only, as early stopping does (Prechelt 1998), so the test decides nothing.
- **Backups** (`Backup`): Keras's `BackupAndRestore`, at most every `ZOO_CHECKPOINT_EVERY`
  seconds, each file replaced whole, the best epoch so far saved and restored with them.
"""

from __future__ import annotations

import math
import os
import time

import keras
import numpy as np

from zoo.bench.run.training import to_averaged_weights


class BestEpoch(keras.callbacks.Callback):
    """Keeps the weights of the epoch whose validation `metric` is best (higher or lower by
    `higher_is_better`; the first of equal ones wins), as validation measured them:
    Schedule-Free AdamW's averaged x (`to_averaged_weights`, then back to y to train on).
    `epoch` is 1-based (None until a finite value came); `weights` are `get_weights()`'s."""

    def __init__(self, metric: str, higher_is_better: bool, optimizers: list) -> None:
        super().__init__()
        self.metric, self.higher_is_better = metric, higher_is_better
        self.optimizers = [o for o in optimizers if isinstance(o, keras.optimizers.Optimizer)]
        self.epoch: int | None = None
        self.value = math.nan
        self.weights: list[np.ndarray] | None = None

    def on_epoch_end(self, epoch, logs=None):
        value = float((logs or {}).get(self.metric, math.nan))
        better = value > self.value if self.higher_is_better else value < self.value
        if not math.isfinite(value) or not (self.epoch is None or better):
            return
        restore = [to_averaged_weights(o) for o in self.optimizers]
        self.weights = self.model.get_weights()
        for back in restore:
            back()
        self.epoch, self.value = epoch + 1, value

    def save(self, path: str) -> None:
        """Write the kept epoch, its value and weights to `path` (an .npz file)."""
        with open(path, "wb") as fh:
            np.savez(fh, *(self.weights or []), epoch=self.epoch, value=self.value)

    def load(self, path: str) -> None:
        """Take back what `save` wrote (a resumed trial's best epoch so far)."""
        with np.load(path) as data:
            self.epoch, self.value = int(data["epoch"]), float(data["value"])
            self.weights = [data[f"arr_{i}"] for i in range(len(data.files) - 2)]


CHECKPOINT_EVERY_S = 20.0  # default of ZOO_CHECKPOINT_EVERY: seconds between epoch backups


class Backup(keras.callbacks.BackupAndRestore):
    """Keras's `BackupAndRestore`, saving after an epoch only once `every` seconds have passed
    since the trial started or last saved: a killed trial loses at most that much, and short
    trials (most of a quick run) spend nothing on checkpoints. `every = 0`: every epoch.
    With `best`, the best epoch so far is saved with each backup and restored with it."""

    def __init__(self, backup_dir: str, every: float | None = None,
                 best: BestEpoch | None = None) -> None:  # fmt: skip
        super().__init__(backup_dir, delete_checkpoint=False)
        if every is None:
            every = float(os.environ.get("ZOO_CHECKPOINT_EVERY", CHECKPOINT_EVERY_S))
        self.every = every
        self.best = best
        self._best_path = os.path.join(backup_dir, "best_epoch.npz")
        self._saved_at = 0.0

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        self._saved_at = time.perf_counter()
        if self.best is not None and os.path.isfile(self._best_path):
            self.best.load(self._best_path)

    def _save_model(self):
        """Keras's backup, each file written beside its final name and moved into place,
        weights first: a kill mid-write leaves the last whole backup (not a truncated file).
        A kill between the two moves (microseconds) makes the resumed trial redo an epoch."""
        import json

        os.makedirs(self.backup_dir, exist_ok=True)
        weights = f"{self._weights_path}.new.weights.h5"  # save_weights wants this suffix
        metadata = f"{self._training_metadata_path}.new"
        self.model.save_weights(weights, overwrite=True)
        kept = self.best is not None and self.best.epoch is not None
        if kept:
            self.best.save(f"{self._best_path}.new")
        with open(metadata, "w") as fh:
            fh.write(json.dumps({"epoch": self._current_epoch, "batch": self._last_batch_seen}))
        os.replace(weights, self._weights_path)
        if kept:
            os.replace(f"{self._best_path}.new", self._best_path)
        os.replace(metadata, self._training_metadata_path)

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if time.perf_counter() - self._saved_at >= self.every:
            self._save_model()
            self._saved_at = time.perf_counter()
