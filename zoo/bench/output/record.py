"""A trial's record: what one training run produced, as one typed, versioned value.

The runner (`zoo.bench.run.runner`) builds a `TrialRecord`, the store
(`zoo.bench.output.store`) keeps it as `<out>/results/<config_hash>.json`, and tuning,
racing, audits, the reports and the weights tools read its attributes. This module is the
only one that knows the JSON's keys:

    record = TrialRecord.from_json(json.loads(path.read_text()))   # ValueError if not one
    record.status, record.headline, record.history["val_accuracy"], record.fid.untrained
    path.write_text(json.dumps(record.to_json()))

`SCHEMA` is the layout's version; `from_json` reads every earlier layout (fields a record was
written without take their defaults), so the committed reports keep loading.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from zoo.specs.schedules import row_label
from zoo.specs.tasks import Task, task

SCHEMA = 1
DONE = ("ok", "diverged")  # statuses of a finished trial; a `failed` one is run again


@dataclass(frozen=True)
class Labels:
    """How the reports name a trial's optimizer (`adam`, `g/d` for a GAN pair), schedule and
    regularizer."""

    optimizer: str
    regularizer: str
    schedule: str = "constant"  # records from before schedules existed have none


@dataclass(frozen=True)
class TimeToTarget:
    """The first epoch (1-based) whose `metric` reached `value`, and the training seconds
    until then; both None if it never did."""

    metric: str
    value: float
    epoch: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class FID:
    """A generator's Fréchet distance (`zoo.metrics.gan`): `value` between `n_generated` and
    `n_real` images in the feature space of the classifier `features` names; `untrained`:
    the same generator's before training (the scale a trained one is judged on);
    `comparable`: False where fewer images a side than feature dimensions made the
    covariance singular (`fid_note` says so)."""

    value: float
    n_generated: int
    n_real: int
    features: str
    untrained: float | None = None
    comparable: bool = True


@dataclass(frozen=True)
class Coverage:
    """Which classes a generator's images fall in, by the FID classifier (`zoo.metrics.gan`)."""

    classes_covered: int
    num_classes: int
    kl_uniform: float
    mode_collapse: bool
    shares: list[float] = field(default_factory=list)


_NESTED = {"labels": Labels, "target": TimeToTarget, "fid": FID, "coverage": Coverage}


@dataclass(frozen=True)
class TrialRecord:
    """One trial's result. Times are seconds, memory MiB, timestamps ISO 8601 in UTC."""

    config_hash: str
    config: dict[str, Any]  # `zoo.bench.plan.trial.Trial.config()`, which the hash names
    labels: Labels
    status: str  # "ok", "diverged" or "failed"
    task: str = "classification"  # `zoo.specs.tasks`; records from before tasks: classifiers
    schema: int = SCHEMA
    env: dict[str, Any] = field(default_factory=dict)  # `zoo.bench.run.provenance.environment`
    started_at: str | None = None
    finished_at: str | None = None
    history: dict[str, list[float]] = field(default_factory=dict)  # per-epoch logs
    test: dict[str, float] | None = None  # test-split scores, the task's headline among them
    # The 1-based epoch whose weights `test` scored: the best on validation (the first of
    # equal ones). None: no choice (no validation split or metric): the last epoch's.
    best_epoch: int | None = None
    test_last: dict[str, float] | None = None  # the test at the last epoch, where chosen
    epochs_run: int | None = None
    data_sizes: dict[str, int] = field(default_factory=dict)  # train, val, test
    params: int | None = None
    wall_time_s: float | None = None
    fit_time_s: float | None = None
    eval_time_s: float | None = None
    throughput_samples_per_s: float | None = None  # steady state: first epoch left out
    peak_memory_mb: float | None = None
    target: TimeToTarget | None = None
    fid: FID | None = None
    fid_note: str | None = None  # why an FID is missing or not comparable
    coverage: Coverage | None = None
    mode_collapse: bool | None = None
    diverged_epoch: int | None = None
    diverged_because: str | None = None
    resumed_from_epoch: int | None = None
    error: str | None = None
    traceback: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # name -> file beside the record
    file_sha256: dict[str, str] = field(default_factory=dict)
    # Files not yet written (name -> bytes): the store writes them beside the record.
    attachments: dict[str, bytes] = field(default_factory=dict, compare=False, repr=False)

    # -- JSON ---------------------------------------------------------------------------

    @classmethod
    def from_json(cls, data: Any) -> TrialRecord:
        """The record a JSON object holds; `ValueError` saying why if it is not one."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema {data.get('schema')!r}, not {SCHEMA}")
        names = {f.name for f in dataclasses.fields(cls)} - {"attachments"}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown fields {', '.join(unknown)}")
        values = {k: v for k, v in data.items() if v is not None}
        if "task" not in data or data["task"] is None:
            values.pop("task", None)
        for key, kind in _NESTED.items():
            if isinstance(values.get(key), dict):
                values[key] = kind(**values[key])
        try:
            return cls(**values)
        except TypeError as exc:
            raise ValueError(str(exc)) from None

    def to_json(self) -> dict[str, Any]:
        """The JSON object `from_json` reads back: every field but the unwritten attachments;
        optional fields that are unset are left out (`test` is always there)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            unset = f.name != "test" and not required and value in (None, {})
            if f.name == "attachments" or unset:
                continue
            if f.name in _NESTED:
                value = dataclasses.asdict(value)
                if isinstance(getattr(self, f.name), FID) and value["untrained"] is None:
                    del value["untrained"]  # records before it was measured
            out[f.name] = value
        return out

    def replace(self, **changes: Any) -> TrialRecord:
        return dataclasses.replace(self, **changes)

    # -- what readers ask ----------------------------------------------------------------

    @property
    def task_info(self) -> Task:
        return task(self.task)

    @property
    def done(self) -> bool:
        """Finished (`ok` or `diverged`): a run skips it; `failed` trials run again."""
        return self.status in DONE

    @property
    def headline(self) -> float:
        """The task's headline test metric; NaN unless the trial is `ok` with a finite one."""
        value = (self.test or {}).get(self.task_info.metric) if self.status == "ok" else None
        return float(value) if value is not None and math.isfinite(value) else math.nan

    @property
    def validation(self) -> float:
        """The task's validation score at the trial's best epoch (the best over its epochs):
        what decisions (tuning, racing) read, never the test split. NaN unless the trial is
        `ok` with a finite validation score (a GAN has none)."""
        t = self.task_info
        values = [v for v in self.curve(t.validation) if math.isfinite(v)] if t.validation else []
        if self.status != "ok" or not values:
            return math.nan
        return float(max(values) if t.higher_is_better else min(values))

    @property
    def model(self) -> str:
        return self.config["model"]

    @property
    def dataset(self) -> str:
        return self.config["dataset"]

    @property
    def seed(self) -> int:
        return self.config["seed"]

    @property
    def epochs(self) -> int:
        return self.config["epochs"]

    @property
    def learning_rate(self) -> float | None:
        return self.config["optimizer"]["kwargs"].get("learning_rate")

    @property
    def row(self) -> str:
        """The row of the report's table: the optimizer, under its schedule where it has one."""
        return row_label(self.labels.optimizer, self.labels.schedule)

    @property
    def backend(self) -> str | None:
        return self.env.get("backend")

    @property
    def table(self) -> tuple[str, str, str | None]:
        """The report table the record belongs to: (model, data set, backend)."""
        return (self.model, self.dataset, self.backend)

    def curve(self, key: str) -> list[float]:
        """One per-epoch log (`val_accuracy`, `d_loss`, ...); empty if the trial has none."""
        return list(self.history.get(key) or [])
