"""How a trial trains and is scored, by the kind of model its task has (`Task.generative`):

- `Classifier`: one optimizer; `compile` with the task's loss and metrics; `fit` on (x, y)
  batches (augmented where a regularizer says so) with the validation split; scored by
  `evaluate` on the test split at its best validation epoch's weights, and at its last's.
- `Generator` (a GAN): a generator and a discriminator optimizer, `compile(g_optimizer,
  d_optimizer)`; `fit` on the images alone; scored by `zoo.metrics.gan` against the test
  images (FID, class coverage and a sample grid kept as a file of the record), with the
  untrained generator's FID as its scale.

`zoo.bench.run.runner` runs the steps and asks the trainer for what differs.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from zoo.bench.output.record import FID, Coverage
from zoo.bench.plan.trial import Trial
from zoo.bench.run.epochs import BestEpoch
from zoo.bench.run.training import batches, build_optimizer, training_input, validation_input
from zoo.data import Dataset
from zoo.metrics.gan import evaluate_generator
from zoo.specs.schedules import ScheduleSpec
from zoo.specs.tasks import Task


class Classifier:
    """A model with one optimizer and a loss (classifiers, and any task with `fit(x, y)`)."""

    def optimizers(self, trial: Trial, model, schedule: ScheduleSpec, steps: int) -> list:
        optimizer = build_optimizer(trial.optimizer, schedule, steps)
        optimizer.build(model.trainable_variables)
        return [optimizer]

    def compile(self, model, optimizers: list, task: Task, trial: Trial, jit: bool) -> None:
        loss, metrics = task.loss(trial.regularizer)
        model.compile(optimizer=optimizers[0], loss=loss, metrics=metrics, jit_compile=jit)

    def inputs(self, trial: Trial, task: Task, ds: Dataset) -> tuple[dict[str, Any], Any]:
        """`fit`'s training keyword arguments and its `validation_data` (None without one)."""
        reg = trial.regularizer
        y_train, y_val = (task.targets(y, reg, ds.num_classes) for y in (ds.y_train, ds.y_val))
        train = training_input(ds.x_train, y_train, reg, trial.batch_size, trial.seed)
        validation = validation_input(ds.x_val, y_val, trial.batch_size) if len(ds.x_val) else None
        return train, validation

    def before_fit(self, model, ds: Dataset, trial: Trial) -> dict[str, Any]:
        return {}

    def evaluate(self, model, ds: Dataset, trial: Trial, task: Task, before: dict[str, Any],
                 epochs: int, best: BestEpoch | None = None) -> dict[str, Any]:  # fmt: skip
        """The test split's scores (`diverged` if any is not finite) at the weights `model`
        holds, its last epoch's (`epochs`); where `best` kept another epoch's, `test_last`,
        and `test` at those weights, which the model then holds (and `save_weights` keeps)."""
        y_test = task.targets(ds.y_test, trial.regularizer, ds.num_classes)
        test = batches(ds.x_test, y_test, max(trial.batch_size, 256))

        def scores() -> dict[str, float]:
            result = model.evaluate(**test, verbose=0, return_dict=True)
            return {k: float(v) for k, v in result.items()}

        out: dict[str, Any] = {"status": "ok", "test": scores()}
        if best is not None and best.epoch is not None:
            out.update(best_epoch=best.epoch, test_last=dict(out["test"]))
            if best.epoch != epochs:
                model.set_weights(best.weights)
                out["test"] = scores()
        if not all(np.isfinite(v) for v in out["test"].values()):
            out.update(status="diverged", diverged_epoch=epochs)
        return out


class Generator:
    """A GAN (`zoo.models.dcgan.DCGAN`): two optimizers, images alone, scored by FID."""

    def optimizers(self, trial: Trial, model, schedule: ScheduleSpec, steps: int) -> list:
        g = build_optimizer(trial.optimizer, schedule, steps)
        d = build_optimizer(trial.d_optimizer or trial.optimizer, schedule, steps)
        g.build(model.generator.trainable_variables)
        d.build(model.discriminator.trainable_variables)
        return [g, d]

    def compile(self, model, optimizers: list, task: Task, trial: Trial, jit: bool) -> None:
        model.compile(g_optimizer=optimizers[0], d_optimizer=optimizers[1], jit_compile=jit)

    def inputs(self, trial: Trial, task: Task, ds: Dataset) -> tuple[dict[str, Any], Any]:
        """`fit`'s keyword arguments for the images alone (in a new order every epoch)."""
        return training_input(
            ds.x_train, None, trial.regularizer, trial.batch_size, trial.seed
        ), None

    def before_fit(self, model, ds: Dataset, trial: Trial) -> dict[str, Any]:
        """The same generator before training: its FID is the scale a trained one is judged on."""
        return {"untrained": score_generator(model, ds, trial).get("fid")}

    def evaluate(self, model, ds: Dataset, trial: Trial, task: Task, before: dict[str, Any],
                 epochs: int, best: BestEpoch | None = None) -> dict[str, Any]:  # fmt: skip
        """FID and coverage at the last epoch (a GAN has no validation to choose another)."""
        out = {"status": "ok", **score_generator(model, ds, trial)}
        untrained = before.get("untrained")
        if out.get("fid") and untrained:
            out["fid"] = dataclasses.replace(out["fid"], untrained=untrained.value)
        return out


def trainer(task: Task) -> Classifier | Generator:
    """The trainer of `task`'s models."""
    return Generator() if task.generative else Classifier()


def score_generator(model, ds: Dataset, trial: Trial) -> dict[str, Any]:
    """Record fields of a generator's scores against the test images: `fid`, `coverage`,
    `test` (FID, classes covered, KL to uniform), `mode_collapse`, and the sample grid as an
    attachment; `test` None (with `fid_note`) where no FID could be computed."""
    scores = evaluate_generator(model.generate, ds.x_test, num_samples=trial.fid_samples or 10000)
    out: dict[str, Any] = {"attachments": {"samples.png": scores.pop("sample_grid_png")}}
    fid, coverage = scores.get("fid"), scores.get("coverage")
    if scores.get("fid_note"):
        out["fid_note"] = scores["fid_note"]
    if fid is None or coverage is None:
        out["test"] = None
        if scores.get("fid_note") == "generated images are not finite":
            out.update(status="diverged", diverged_epoch=trial.epochs)
        return out
    out.update(fid=FID(**fid), coverage=Coverage(**coverage))
    out["mode_collapse"] = coverage["mode_collapse"]
    out["test"] = {
        "fid": fid["value"],
        "classes_covered": coverage["classes_covered"],
        "kl_uniform": coverage["kl_uniform"],
    }
    return out
