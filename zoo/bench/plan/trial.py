"""A trial: one training run, everything that determines its result, and its config hash.

The config (`Trial.config`) is what a record stores and the hash names it by; `trial_of`
rebuilds the trial from a stored record's config (`zoo audit` re-runs trials that way).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from zoo.specs import OptimizerSpec, Regularization, ScheduleSpec


@dataclass(frozen=True)
class Pick:
    """A stand-in optimizer: the grid takes the `best` best optimizers of grid `of` once that
    grid's table is finished (`zoo.bench.decide.select`); this trial stands for the one
    ranked `rank` (0: the best) until then, so a dry run can count the grid."""

    of: str
    best: int
    rank: int


@dataclass(frozen=True)
class Role:
    """What a trial's grid is for in its run (`zoo.bench.plan.roles`); no config hash
    includes it. `grid`: the grid's name; `written`: the optimizer as the grid wrote it,
    before tuning; `pick`: a stand-in; `budget_of`: a budget axis, the named grid's table at
    this trial's epochs (tuned, raced and reported apart); `ruleset`: `self-tuning`, fixed
    hyperparameters on every problem."""

    grid: str | None = None
    written: OptimizerSpec | None = None
    pick: Pick | None = None
    budget_of: str | None = None
    ruleset: str | None = None


@dataclass(frozen=True)
class Trial:
    """One training run: everything that determines its result."""

    model: str
    dataset: str
    optimizer: OptimizerSpec
    regularizer: Regularization
    seed: int
    epochs: int
    batch_size: int
    train_size: int | None
    val_size: int
    test_size: int | None
    jit_compile: bool = False
    data_options: dict[str, Any] = field(default_factory=dict, hash=False)
    versions: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    d_optimizer: OptimizerSpec | None = None  # GANs: the discriminator's, if not the same
    fid_samples: int | None = None  # GANs only
    model_options: dict[str, Any] = field(default_factory=dict, hash=False)
    target: float | None = None  # target validation accuracy (time-to-target)
    tune: str | None = field(default=None, compare=False)  # tuning budget; not a trial property
    schedule: ScheduleSpec | None = None  # the learning-rate schedule; None: constant
    race: tuple[int, int] | None = field(default=None, compare=False)  # seeds MIN..MAX
    dataset_version: str | None = None  # a TFDS data set's version
    role: Role = field(default=Role(), compare=False)  # its grid's part in the run; not hashed

    def __post_init__(self) -> None:
        if self.schedule is not None and self.schedule.constant:
            object.__setattr__(self, "schedule", None)  # one spelling of "no schedule"

    def config(self) -> dict[str, Any]:
        """The JSON-able config; its hash identifies the trial's record.

        Fields added after the first release (the GAN fields, `model_options`, a schedule)
        appear only when set, so the hashes of earlier trials, and their stored results, stay
        valid.
        """
        extra: dict[str, Any] = {}
        if self.dataset_version is not None:
            extra["dataset_version"] = self.dataset_version
        if self.schedule is not None:
            extra["schedule"] = self.schedule.to_config()
        if self.d_optimizer is not None:
            extra["d_optimizer"] = self.d_optimizer.to_config()
        if self.fid_samples is not None:
            extra["fid_samples"] = self.fid_samples
        if self.model_options:
            extra["model_options"] = dict(sorted(self.model_options.items()))
        if self.target is not None:
            extra["target"] = self.target
        return extra | {
            "model": self.model,
            "dataset": self.dataset,
            "optimizer": self.optimizer.to_config(),
            "regularizer": self.regularizer.to_config(),
            "seed": self.seed,
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "train_size": self.train_size,
            "val_size": self.val_size,
            "test_size": self.test_size,
            "jit_compile": self.jit_compile,
            "data_options": dict(sorted(self.data_options.items())),
            "versions": dict(self.versions),
        }

    @property
    def config_hash(self) -> str:
        blob = json.dumps(self.config(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def cell(self) -> str:
        """The trial's cell of a table: its config hash with seed 0 (same for every seed)."""
        return dataclasses.replace(self, seed=0).config_hash

    @property
    def table(self) -> tuple[str, str, str | None]:
        """The report table the trial's cell belongs to: (model, data set, backend)."""
        return (self.model, self.dataset, self.backend)

    @property
    def backend(self) -> str | None:
        """The Keras backend the trial runs under (None: whichever this process has)."""
        return self.versions.get("backend")

    @property
    def optimizer_label(self) -> str:
        """`adam`, or `generator/discriminator` labels for a two-time-scale GAN pair."""
        if self.d_optimizer is None:
            return self.optimizer.label
        return f"{self.optimizer.label}/{self.d_optimizer.label}"

    @property
    def schedule_label(self) -> str:
        return self.schedule.label if self.schedule is not None else "constant"

    @property
    def label(self) -> str:
        sched = f" {self.schedule.label}" if self.schedule is not None else ""
        pick = self.role.pick
        stand_in = f" [stand-in for the best {pick.rank + 1} of {pick.of}]" if pick else ""
        return (
            f"{self.model} {self.optimizer_label}{sched} {self.regularizer.label} "
            f"seed={self.seed}{stand_in}"
        )


def trial_of(c: dict[str, Any], config_hash: str) -> Trial | None:
    """The trial a record came from, rebuilt from its config `c` (`Trial.config`); None if
    the rebuilt trial's hash is not `config_hash`, the record's (a record from a version
    whose configs read differently)."""

    def optimizer(o: dict[str, Any]) -> OptimizerSpec:
        return OptimizerSpec(o["name"], dict(o["kwargs"]))

    schedule = c.get("schedule")
    trial = Trial(
        model=c["model"],
        dataset=c["dataset"],
        optimizer=optimizer(c["optimizer"]),
        regularizer=Regularization(**c["regularizer"]),
        seed=c["seed"],
        epochs=c["epochs"],
        batch_size=c["batch_size"],
        train_size=c["train_size"],
        val_size=c["val_size"],
        test_size=c["test_size"],
        jit_compile=c.get("jit_compile", False),
        data_options=dict(c.get("data_options", {})),
        versions=dict(c.get("versions", {})),
        d_optimizer=optimizer(c["d_optimizer"]) if "d_optimizer" in c else None,
        fid_samples=c.get("fid_samples"),
        model_options=dict(c.get("model_options", {})),
        target=c.get("target"),
        schedule=ScheduleSpec(schedule["name"], {k: v for k, v in schedule.items()
                                                 if k != "name"}) if schedule else None,
        dataset_version=c.get("dataset_version"),
    )  # fmt: skip
    return trial if trial.config_hash == config_hash else None
