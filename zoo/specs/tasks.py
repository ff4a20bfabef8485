"""What each task means to the harness and the reports: its headline metric and direction.

A model declares its task when it is registered (`zoo.models.registry`); the harness trains
it accordingly (`zoo.bench.run.training`), racing and the reports rank its cells by the headline
metric read from the trial record's `test` scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Task:
    """A task: how its trials are ranked."""

    name: str
    metric: str  # the key of the headline metric in a record's `test` scores
    column: str  # its column in the report's tables (`zoo.report.tables.results_frame`)
    label: str  # how the reports name it
    higher_is_better: bool
    digits: int  # decimals shown
    tunable: bool  # learning rates can be chosen on a validation split


TASKS: dict[str, Task] = {
    "classification": Task("classification", "accuracy", "test_accuracy", "test accuracy",
                           True, 4, True),
    "binary_classification": Task("binary_classification", "accuracy", "test_accuracy",
                                  "test accuracy", True, 4, True),
    "generation": Task("generation", "fid", "fid", "FID", False, 1, False),
}  # fmt: skip


def task(name: str) -> Task:
    """The `Task` called `name` (classification when unknown, as records before tasks were)."""
    return TASKS.get(name, TASKS["classification"])


def headline_value(record: dict[str, Any], task_name: str) -> float:
    """A record's headline metric; NaN unless the trial finished (`ok`) with a finite one."""
    if record.get("status") != "ok":
        return math.nan
    value = (record.get("test") or {}).get(task(task_name).metric)
    return float(value) if value is not None and math.isfinite(value) else math.nan
