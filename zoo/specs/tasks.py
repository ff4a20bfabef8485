"""The task table: everything that differs by task, in one place.

A model declares its task when it is registered (`zoo.models.registry`). From its `Task` the
harness knows how to compile and train it (its loss, its targets, what a chance-level
predictor's loss is, whether it trains a generator/discriminator pair), what tuning, racing
and time-to-target read (its validation metric and direction), how the reports show it (its
headline metric, column, digits, units) and how closely a re-run must agree (its
tolerances) and what a user's own model and targets must look like (`labels`). No other
module compares a task's or a metric's name.

The built-in tasks: classification, binary_classification, generation (a GAN), regression.
Adding a task is one `register_task(Task(...))`:

    register_task(Task("regression_mae", metric="mae", label="test MAE",
                       higher_is_better=False, digits=4, loss=lambda reg: ("mae", ["mae"]),
                       chance=lambda k: {}, labels="real",
                       reproduce=Tolerance(relative=0.1), remeasure=Tolerance(relative=0.01)))
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from zoo.errors import UsageError, unknown_name
from zoo.specs.regularizers import AUGMENTATIONS, Regularization


@dataclass(frozen=True)
class Tolerance:
    """How far a repeated measurement may lie from its reference: `absolute` (metric units)
    plus `relative` (a fraction of the reference)."""

    absolute: float = 0.0
    relative: float = 0.0

    def resized(self, size: float) -> Tolerance:
        """A tolerance of the same kind (absolute or relative) of `size`."""
        return Tolerance(relative=size) if self.relative else Tolerance(absolute=size)

    def allows(self, reference: float, value: float) -> bool:
        if not (math.isfinite(reference) and math.isfinite(value)):
            return False
        return abs(value - reference) <= self.absolute + self.relative * abs(reference)


def _sparse(reg: Regularization) -> tuple[Any, list]:
    """Softmax classifiers: sparse cross-entropy; with label smoothing, mixup or cutmix,
    Keras's `CategoricalCrossentropy(label_smoothing=s)` on one-hot (soft) targets, its
    accuracy named `accuracy` so histories read alike."""
    if reg.soft_labels:
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=reg.label_smoothing)
        return loss, [keras.metrics.CategoricalAccuracy(name="accuracy")]
    return "sparse_categorical_crossentropy", ["accuracy"]


def _binary(reg: Regularization) -> tuple[Any, list]:
    """Sigmoid classifiers: binary cross-entropy (`BinaryCrossentropy(label_smoothing=s)`)."""
    if reg.label_smoothing:
        return keras.losses.BinaryCrossentropy(label_smoothing=reg.label_smoothing), ["accuracy"]
    return "binary_crossentropy", ["accuracy"]


def _no_loss(reg: Regularization) -> tuple[Any, list]:
    """A GAN compiles its two optimizers and computes its losses in its own `train_step`."""
    return None, []


@dataclass(frozen=True)
class Task:
    """A task: how its models train, what decides among them and how the reports show it."""

    name: str
    metric: str  # the headline metric: its key in a record's `test` scores (and Keras name)
    label: str  # how the reports name the headline metric
    higher_is_better: bool
    digits: int  # decimals shown
    loss: Callable[[Regularization], tuple[Any, list]]  # `compile`'s loss and metrics
    chance: Callable[[int], dict[str, float]]  # a chance-level predictor's training losses
    reproduce: Tolerance  # a re-run trial agrees within this (`zoo compare`, `zoo audit`)
    remeasure: Tolerance  # the same weights, evaluated again (`zoo.tools.weights verify`)
    column: str = ""  # the headline's column in results.csv; default `test_<metric>`
    percent: bool = False  # a share in [0, 1]: differences in percentage points
    generative: bool = False  # a generator/discriminator pair fit on inputs alone (a GAN)
    soft_labels: bool = False  # soft-target regularizers train on one-hot targets
    # Regularizers the harness applies around any builder of the task, in its loss or its
    # training batches (the augmentations on image data only: `zoo.models.registry`).
    harness_regularizers: tuple[str, ...] = ()
    classes: int | None = None  # a data set must have this many classes (binary: 2)
    own_dataset_only: str = ""  # why its models train on their registered data set only
    losses: tuple[str, ...] = ("loss",)  # the training losses `fit` logs
    # What a user's targets hold, checked against a user's own model and data
    # (`check_outputs`, `check_targets`): "classes" (ids 0..K-1, one softmax unit per class),
    # "binary" (0 or 1, one sigmoid unit), "real" (numbers, one unit per target); None: not
    # checked (the task takes no user's model).
    labels: str | None = None

    def __post_init__(self) -> None:
        if not self.column:
            object.__setattr__(self, "column", f"test_{self.metric}")

    @property
    def validation(self) -> str | None:
        """The per-epoch validation metric tuning, racing's plan and time-to-target read
        (None for a GAN: no validation metric, its FID is measured on the test images)."""
        return None if self.generative else f"val_{self.metric}"

    @property
    def tunable(self) -> bool:
        """Learning rates can be chosen on a validation split."""
        return self.validation is not None

    def noise(self, value: float, n: int) -> float:
        """One standard error of a validation score `value` measured on `n` examples: the
        binomial sqrt(p (1 - p) / n) for a share (accuracy), in its units; 0 for other
        metrics (any worse value counts as worse). Tuning's extension reads it."""
        if not self.percent or n <= 0 or not math.isfinite(value):
            return 0.0
        p = min(max(value, 0.0), 1.0)
        return math.sqrt(p * (1 - p) / n)

    def better(self, a: float, b: float) -> bool:
        """Whether headline value `a` beats `b`."""
        return a > b if self.higher_is_better else a < b

    def fmt(self, value: float) -> str:
        return f"{value:.{self.digits}f}"

    def diff(self, d: float) -> str:
        """A difference of headline values as the reports write it: `+1.2 pp`, `-3.4 FID`."""
        if self.percent:  # below 0.05 pp: two decimals, so "-0.0" never hides a sign
            return f"{d * 100:+.2f} pp" if 0 < abs(d * 100) < 0.05 else f"{d * 100:+.1f} pp"
        return f"{d:+.{max(self.digits, 1)}f} {self.label}"

    def targets(self, y: np.ndarray, reg: Regularization, num_classes: int) -> np.ndarray:
        """Labels as the loss wants them: one-hot for soft targets, else as they are."""
        if self.soft_labels and reg.soft_labels:
            return keras.utils.to_categorical(y, num_classes).astype("float32")
        return y

    def output_classes(self, units: int) -> int:
        """The classes of a data set for a model with `units` outputs (a `DatasetInfo`'s
        `num_classes`): the units for a softmax classifier, 2 for a binary one, 0 for real
        targets (regression: kept as float32)."""
        return {"classes": units, "binary": 2}.get(self.labels or "", 0)

    def check_outputs(self, outputs: np.ndarray) -> None:
        """Raise `UsageError` unless `outputs`, a user's model's predictions on a few examples
        (batch first), fit this task's loss: a softmax row per example for "classes", one
        probability for "binary", numbers for "real"."""
        shape = "(batch, " + ", ".join(map(str, outputs.shape[1:])) + ")"
        units = int(np.prod(outputs.shape[1:])) if outputs.ndim > 1 else 1
        if self.labels == "classes":
            if outputs.ndim != 2 or units < 2:
                raise UsageError(
                    f"the model's output has shape {shape}; task {self.name!r} needs (batch, K): "
                    "one unit per class, ending in a softmax (keras.layers.Dense(K, "
                    "activation='softmax')). For two classes and one sigmoid unit, use task "
                    "'binary_classification'."
                )
            sums = outputs.sum(axis=1)
            if outputs.min() < 0 or not np.allclose(sums, 1.0, atol=1e-3):
                raise UsageError(
                    f"the model's outputs are not probabilities (row sums {sums.min():.3g} to "
                    f"{sums.max():.3g}, not 1): task {self.name!r} trains with sparse "
                    "categorical cross-entropy on probabilities; end the model in "
                    f"keras.layers.Dense({units}, activation='softmax')."
                )
        elif self.labels == "binary":
            if units != 1:
                raise UsageError(
                    f"the model's output has shape {shape}; task {self.name!r} needs one unit, "
                    "(batch, 1), ending in a sigmoid (keras.layers.Dense(1, activation="
                    "'sigmoid')). For more classes, use task 'classification'."
                )
            if outputs.min() < 0 or outputs.max() > 1:
                raise UsageError(
                    f"the model's outputs are not probabilities (from {outputs.min():.3g} to "
                    f"{outputs.max():.3g}): task {self.name!r} trains with binary cross-entropy "
                    "on probabilities; end the model in keras.layers.Dense(1, "
                    "activation='sigmoid')."
                )

    def check_targets(self, y: np.ndarray, where: str, outputs: tuple[int, ...]) -> None:
        """Raise `UsageError` unless targets `y` (the array called `where`, e.g. `y_train`)
        fit this task and a model whose output shape, batch left out, is `outputs`."""
        if self.labels in ("classes", "binary"):
            k = outputs[-1] if self.labels == "classes" else 2
            valid = f"integers 0..{k - 1}"
            if y.ndim != 1:
                raise UsageError(
                    f"{where} has shape {y.shape}; task {self.name!r} takes class ids, one per "
                    f"example, shape ({len(y)},) of {valid} (from one-hot rows: "
                    f"{where}.argmax(axis=1))."
                )
            if y.size and not (np.all(np.mod(y, 1) == 0) and y.min() >= 0 and y.max() < k):
                raise UsageError(
                    f"{where} holds labels from {y.min():g} to {y.max():g}; for task "
                    f"{self.name!r} and a model with {k if self.labels == 'classes' else 1} "
                    f"output{'s' * (self.labels == 'classes')} they must be {valid}. Give the "
                    "model one output per class, or number the classes from 0."
                )
        elif self.labels == "real":
            shape = y.shape[1:] or (1,)
            if tuple(shape) != tuple(outputs) and int(np.prod(shape)) != int(np.prod(outputs)):
                raise UsageError(
                    f"{where} has shape {y.shape} and the model's output {('batch', *outputs)}: "
                    f"task {self.name!r} needs one output per target, shape "
                    f"{('batch', *shape)}."
                )


TASKS: dict[str, Task] = {}


def register_task(t: Task) -> Task:
    """Add `t` to the table (replacing a task of the same name); return it."""
    TASKS[t.name] = t
    return t


ACCURACY = {"metric": "accuracy", "label": "test accuracy", "higher_is_better": True,
            "digits": 4, "percent": True, "reproduce": Tolerance(absolute=0.015),
            "remeasure": Tolerance(absolute=0.005)}  # fmt: skip
register_task(Task("classification", loss=_sparse, soft_labels=True, labels="classes",
                   harness_regularizers=("label_smoothing", *AUGMENTATIONS),
                   chance=lambda k: {"loss": math.log(max(k, 2))}, **ACCURACY))  # fmt: skip
register_task(Task("binary_classification", loss=_binary, classes=2, labels="binary",
                   harness_regularizers=("label_smoothing",),
                   chance=lambda k: {"loss": math.log(2)}, **ACCURACY))  # fmt: skip
register_task(Task(
    "generation", metric="fid", label="FID", column="fid", higher_is_better=False, digits=1,
    loss=_no_loss, generative=True, losses=("d_loss", "g_loss"),
    chance=lambda k: {"d_loss": 2 * math.log(2), "g_loss": math.log(2)},
    reproduce=Tolerance(relative=0.10), remeasure=Tolerance(relative=0.10),
    own_dataset_only="its FID comes from a classifier of that data set",
))  # fmt: skip
register_task(Task(
    "regression", metric="mse", label="test MSE", higher_is_better=False, digits=4,
    loss=lambda reg: ("mse", [keras.metrics.MeanSquaredError(name="mse")]), labels="real",
    chance=lambda k: {},  # no chance level: only a non-finite loss counts as diverged
    reproduce=Tolerance(relative=0.10), remeasure=Tolerance(relative=0.01),
))  # fmt: skip


def task(name: str) -> Task:
    """The `Task` called `name`; `UsageError` naming the valid ones if there is none."""
    if name not in TASKS:
        raise unknown_name("task", name, sorted(TASKS))
    return TASKS[name]
