"""A trial's per-epoch history: read back from its CSV log (epochs before a resume included),
and when it first reached its target validation score (time-to-target)."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

from zoo.specs.tasks import Task


def read_history(path: Path) -> dict[str, list[float]]:
    """Per-epoch logs from a CSVLogger file; an epoch written twice (killed between the CSV
    row and the backup, then re-run) keeps its last row; columns that are all NA go."""
    rows: dict[int, dict[str, str]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            rows[int(row.pop("epoch"))] = row
    ordered = [rows[e] for e in sorted(rows)]
    keys = [k for k in (ordered[0] if ordered else {}) if any(r[k] != "NA" for r in ordered)]
    return {k: [float(r[k]) if r[k] != "NA" else math.nan for r in ordered] for k in keys}


def time_to_target(history: dict[str, list[float]], value: float, t: Task) -> dict[str, Any]:
    """The first epoch (1-based) at which the task's validation metric reached `value` (at
    least it, or at most it where lower is better), and the training seconds until then (the
    sum of those epochs' times); both None if it never did."""
    reached = {"metric": t.validation, "value": value, "epoch": None, "seconds": None}
    times = history.get("epoch_time_s") or []
    for i, v in enumerate(history.get(t.validation) or []):
        if math.isfinite(v) and (v == value or t.better(v, value)):
            return reached | {"epoch": i + 1, "seconds": float(sum(times[: i + 1]))}
    return reached
