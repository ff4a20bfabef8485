"""How a trial trains: its optimizers with their learning-rate schedule, its training input
(augmented batches for the augmentation regularizers), when a run has diverged, and the
weights it is evaluated at. Its loss and targets come from its task (`zoo.specs.tasks`).

- **Training order.** Under every backend the training batches come from a `tf.data`
  pipeline (Keras 3's `fit` takes one under JAX and torch too) that draws a new permutation
  of the examples every epoch, the sequence of permutations fixed by the trial seed
  (`shuffled`). Keras's own shuffling of arrays repeats the first epoch's order on every
  epoch once a global seed is set (`ArrayDataAdapter`; `fit(x, y, shuffle=True)` under JAX
  and torch likewise), which every trial sets. Evaluation batches keep the arrays' order.
- **Augmentation** (`augment`, `random_erasing`, `mixup`, `cutmix`) runs on the training
  batches only, in that pipeline, through Keras's own layers (`RandomFlip`,
  `RandomTranslation`, `RandomErasing`, `MixUp`, `CutMix`) seeded with the trial seed. The
  validation and test arrays, and the model, are untouched, so evaluation is the same with
  and without it. Every `tf.data` pipeline here runs with autotuning off (`_no_autotune`).
- **Divergence.** A trial has diverged when an epoch's mean training loss is NaN or infinite,
  or more than `EXPLOSION` (100) times the loss of a chance-level predictor: ln K for a
  K-class classifier, ln 2 for a binary one, 2 ln 2 for a GAN's discriminator and ln 2 for its
  generator. No healthy run comes near it (the committed reports' largest training loss is
  about 3 times chance), while a blown-up one (e.g. `sgd:lr=1000`) is billions of times it.
- **Schedule-Free AdamW** trains at its interpolated weights y but is meant to be evaluated at
  its averaged weights x = (y - (1 - beta_1) z) / beta_1 (Defazio et al. 2024): validation
  swaps them in and back, and after training the model keeps x for the test, FID and saved
  weights.

The best validation epoch a trial is tested at, and the backups a killed trial resumes from:
`zoo.bench.run.epochs`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np
from keras import layers

from zoo.specs import OptimizerSpec, Regularization
from zoo.specs.schedules import ScheduleSpec

EXPLOSION = 100.0  # a training loss this many times a chance-level predictor's has diverged


def steps_per_epoch(examples: int, batch_size: int) -> int:
    return max(1, math.ceil(examples / batch_size))


def build_optimizer(spec: OptimizerSpec, schedule: ScheduleSpec, total_steps: int):
    """A fresh Keras optimizer for `spec`, its learning rate following `schedule` over the
    trial's `total_steps` (which also size a `warmup` share: `OptimizerSpec.build`)."""
    rate = schedule.build(spec.learning_rate, total_steps)
    return spec.build(learning_rate=rate, total_steps=total_steps)


def augmentation_layers(reg: Regularization, seed: int) -> list[tuple[str, keras.layers.Layer]]:
    """Keras's augmentation layers for `reg`, in the order they apply, each seeded, each
    parameter with its documented meaning. Keras's `RandomErasing(factor=f)` and
    `CutMix(factor=f)` read a bare `f` as the upper end of a range they draw the parameter
    from per batch (an erasing probability from U(0, f), measured 25.5% of images at f = 0.5;
    CutMix's alpha from U(0, f)); the range (f, f) fixes it: `random_erasing:p` erases a box
    in a share p of the images (Zhong et al. 2017's probability), `cutmix:a` draws the mixing
    weight from Beta(a, a) (Yun et al. 2019), as `MixUp(alpha=a)` does (Zhang et al. 2018).
    """
    out: list[tuple[str, keras.layers.Layer]] = []
    if reg.augment:
        shift = reg.augment
        out.append(("image", layers.RandomFlip("horizontal", seed=seed)))
        out.append(("image", layers.RandomTranslation(shift, shift, "constant", seed=seed + 1)))
    if reg.random_erasing:
        out.append(
            (
                "image",
                layers.RandomErasing((reg.random_erasing,) * 2, value_range=(0, 1), seed=seed + 2),
            )  # fmt: skip
        )
    if reg.mixup:
        out.append(("pair", layers.MixUp(alpha=reg.mixup, seed=seed + 3)))
    if reg.cutmix:
        out.append(("pair", layers.CutMix(factor=(reg.cutmix,) * 2, seed=seed + 4)))
    return out


def _no_autotune(ds):
    """`ds` with tf.data's autotuning off. Its background tuner, on a worker capped to one
    thread, made the iterator's clean-up at the end of `fit` wait up to an epoch's time
    (measured: 2.4 s after half of the quick LSTM trials under --jobs 2) and slowed training
    by ~10%; autotuning only sets buffer sizes and parallelism, never the batches' order."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return ds.with_options(options)


def batches(x: np.ndarray, y: np.ndarray | None, batch_size: int) -> dict[str, Any]:
    """The keyword arguments of `evaluate` (and `fit`'s validation) for arrays, in their
    order: under TensorFlow batches from slices with autotuning off (5-15x cheaper to build
    and start than Keras's adapter: no functions to trace, no threads); other backends: the
    arrays."""
    if keras.backend.backend() != "tensorflow":
        return {"x": x, "y": y, "batch_size": batch_size}
    import tensorflow as tf

    data = x if y is None else (x, y)
    return {"x": _no_autotune(tf.data.Dataset.from_tensor_slices(data).batch(batch_size))}


def shuffled(x: np.ndarray, y: np.ndarray | None, batch_size: int, seed: int):
    """Training batches of the arrays as a `tf.data.Dataset`: each iteration (each epoch of
    `fit`, which iterates it anew when it knows the epoch's length) a new permutation, drawn
    by `shuffle(reshuffle_each_iteration=True)` from the op seed `seed` and TensorFlow's
    global seed (`zoo.backend.set_seed` sets it to the trial seed), so a trial's sequence of
    orders is the same on every run (tests/bench/test_training_order.py)."""
    import tensorflow as tf

    data = x if y is None else (x, y)
    ds = tf.data.Dataset.from_tensor_slices(data)
    return ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).batch(batch_size)


def _fit_input(ds, batches_per_epoch: int) -> dict[str, Any]:
    """`fit`'s keyword arguments for a training pipeline: its epoch length asserted (Keras
    then knows the steps and iterates it anew each epoch), autotuning off, and no shuffling
    by `fit` (it would warn: the order is the pipeline's)."""
    import tensorflow as tf

    ds = ds.apply(tf.data.experimental.assert_cardinality(batches_per_epoch))
    return {"x": _no_autotune(ds), "y": None, "batch_size": None, "shuffle": False}


def validation_input(x: np.ndarray, y: np.ndarray, batch_size: int):
    """`fit`'s `validation_data` for arrays: as `batches` makes them (TensorFlow), or the pair."""
    data = batches(x, y, batch_size)
    return data["x"] if "y" not in data else (x, y)


def training_input(
    x: np.ndarray, y: np.ndarray | None, reg: Regularization, batch_size: int, seed: int
) -> dict[str, Any]:
    """The keyword arguments of `fit` for the training data (`y` None: inputs alone, a GAN):
    the arrays' batches in a new seeded order every epoch (`shuffled`), augmented where `reg`
    says so."""
    ds = shuffled(x, y, batch_size, seed)
    if reg.augments:
        chain = augmentation_layers(reg, seed)

        def augment(images, labels):
            for kind, layer in chain:
                if kind == "image":
                    images = layer(images, training=True)
                else:
                    mixed = layer({"images": images, "labels": labels}, training=True)
                    images, labels = mixed["images"], mixed["labels"]
            return images, labels

        # Sequential map: the layers' random streams advance in batch order, so reruns match.
        ds = ds.map(augment).prefetch(2)
    return _fit_input(ds, steps_per_epoch(len(x), batch_size))


class EpochMonitor(keras.callbacks.Callback):
    """Times each epoch, stops training when a run diverges (see the module docstring),
    reports progress."""

    def __init__(
        self,
        on_epoch: Callable[[int, dict], None] | None = None,
        chance: dict[str, float] | None = None,
    ) -> None:
        super().__init__()
        self.on_epoch = on_epoch
        self.chance = chance or {}
        self.epoch_times: list[float] = []
        self.diverged_epoch: int | None = None
        self.diverged_why: str | None = None
        self._start = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_times.append(time.perf_counter() - self._start)
        if logs is not None:  # shared with the callbacks after this one (History, CSVLogger)
            logs["epoch_time_s"] = self.epoch_times[-1]
        why = diverged(logs or {}, self.chance)
        if why:
            self.diverged_epoch, self.diverged_why = epoch + 1, why
            self.model.stop_training = True
        if self.on_epoch:
            self.on_epoch(epoch + 1, logs or {})


def diverged(logs: dict[str, Any], chance: dict[str, float]) -> str | None:
    """Why an epoch's logs show divergence (None if they do not): a non-finite loss, or a
    training loss over `EXPLOSION` times its chance-level value."""
    for key, value in logs.items():
        if key.endswith("loss") and not math.isfinite(float(value)):
            return f"{key} is {float(value)}"
    for key, base in chance.items():
        if key in logs and float(logs[key]) > EXPLOSION * base:
            return (
                f"{key} {float(logs[key]):.3g} > {EXPLOSION:g} x a chance-level predictor's "
                f"({base:.3f})"
            )
    return None


def _schedule_free(optimizer) -> bool:
    return isinstance(optimizer, keras.optimizers.ScheduleFreeAdamW) and optimizer.built


def to_averaged_weights(optimizer) -> Callable[[], None]:
    """Schedule-Free AdamW: set its variables to the averaged x; return a function that puts
    the training weights y back. Any other optimizer: nothing happens."""
    if not _schedule_free(optimizer):
        return lambda: None
    beta = float(optimizer.beta_1)
    saved = []
    for var, z in zip(optimizer._trainable_variables, optimizer._momentums, strict=True):
        y = keras.ops.convert_to_numpy(var)
        saved.append((var, y))
        var.assign((y - (1 - beta) * keras.ops.convert_to_numpy(z)) / beta)

    def restore() -> None:
        for var, y in saved:
            var.assign(y)

    return restore


class AveragedWeightsForEvaluation(keras.callbacks.Callback):
    """Validation inside `fit` sees Schedule-Free AdamW's averaged weights x; training goes
    on from y."""

    def __init__(self, optimizers: list) -> None:
        super().__init__()
        self.optimizers = [o for o in optimizers if isinstance(o, keras.optimizers.Optimizer)]
        self._restore: list[Callable[[], None]] = []

    def on_test_begin(self, logs=None):
        self._restore = [to_averaged_weights(o) for o in self.optimizers]

    def on_test_end(self, logs=None):
        for restore in self._restore:
            restore()
        self._restore = []
