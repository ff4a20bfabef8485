"""`zoo audit DIR`: re-run a seeded sample of a report's trials and check their numbers.

    zoo audit reports/standard --trials 12 --seed 0
    -> audit of reports/standard: 12/12 trials reproduced (9 exactly, 3 within tolerance)

The sample is spread over the report's tables (model, data set, backend) round-robin, drawn
with `--seed`, so two audits with one seed re-run the same trials. Each trial is rebuilt
from its record's config (`trial_of`: the same config hash, or it is not audited), re-run in a
scratch folder, and its headline metric compared with the record's: exactly where this
machine, the library versions and the thread count match the record's, else within
`zoo compare`'s tolerances (accuracy ±1.5 pp absolute, FID ±10% relative).

What a pass shows: the sampled numbers come out of the code and data as recorded. It does not
show that the unsampled trials would, nor that a different machine would give the same
seed-to-seed noise (only that its numbers agree within tolerance).
"""

from __future__ import annotations

import math
import os
import random
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zoo.bench.output.store import Store
from zoo.bench.plan.trial import trial_of
from zoo.specs.tasks import headline_value, task

ACCURACY_TOLERANCE = 0.015
FID_TOLERANCE = 0.10
# Bit-identical numbers are expected only where all of these match (a record from before
# `cpu_id` was recorded never counts as the same machine).
SAME_MACHINE = ("cpu_id", "cpu_count", "threads", "keras", "backend", "python", "numpy")


def sample(records: list[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """`n` finished records, spread round-robin over the tables, drawn with `seed`."""
    rng = random.Random(seed)
    tables: dict[tuple, list[dict[str, Any]]] = {}
    for r in sorted(records, key=lambda r: r["config_hash"]):
        if r.get("status") in ("ok", "diverged"):
            key = (r["config"]["model"], r["config"]["dataset"], r.get("env", {}).get("backend"))
            tables.setdefault(key, []).append(r)
    for group in tables.values():
        rng.shuffle(group)
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n and any(tables.values()):
        for key in sorted(tables, key=str):
            if tables[key] and len(chosen) < n:
                chosen.append(tables[key].pop())
    return chosen


@dataclass
class Audit:
    """The outcome: trials that matched exactly, within tolerance, and the rest."""

    folder: str
    exact: int = 0
    close: int = 0
    differ: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differ and (self.exact + self.close) > 0

    def lines(self) -> list[str]:
        n = self.exact + self.close + len(self.differ)
        head = (f"audit of {self.folder}: {self.exact + self.close}/{n} trials reproduced "
                f"({self.exact} exactly, {self.close} within tolerance)")  # fmt: skip
        return [head, *(f"  differs: {d}" for d in self.differ),
                *(f"  not audited: {s}" for s in self.skipped)]  # fmt: skip


def _same_machine(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return bool(a.get("cpu_id")) and all(a.get(k) == b.get(k) for k in SAME_MACHINE) and a.get(
        a.get("backend")) == b.get(b.get("backend"))  # fmt: skip


def _compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, str]:
    """('exact' | 'close' | 'differs', what was compared)."""
    t = task(old.get("task", "classification"))
    a, b = headline_value(old, t.name), headline_value(new, t.name)
    shown = f"{t.label} {a:.{t.digits + 2}f} vs {b:.{t.digits + 2}f}"
    if old["status"] != new["status"]:
        return "differs", f"status {old['status']} vs {new['status']}"
    if math.isnan(a) and math.isnan(b):
        return "exact", "no metric on either side"
    if _same_machine(old.get("env", {}), new.get("env", {})):
        return ("exact" if a == b else "differs"), shown + " (same machine: must be equal)"
    tol = FID_TOLERANCE * abs(a) if t.column == "fid" else ACCURACY_TOLERANCE
    return ("close" if abs(a - b) <= tol else "differs"), shown


def matching_jobs(records: list[dict[str, Any]]) -> int:
    """Trials at a time on this machine such that each gets the thread count most of
    `records` ran with (a report made with `--jobs 2` on 2 cores ran each trial on 1)."""
    counts = Counter((r.get("env") or {}).get("threads") or 0 for r in records)
    threads = counts.most_common(1)[0][0] if counts else 0
    return max(1, (os.cpu_count() or 1) // threads) if threads else 1


def audit(
    folder: str | Path, *, trials: int = 12, seed: int = 0, scratch: str | Path | None = None,
    data_dir: str | None = None, progress: bool = True, jobs: int | None = None,
) -> Audit:  # fmt: skip
    """Re-run a seeded sample of `folder`'s trials and compare their headline metrics
    (`jobs` None: `matching_jobs` of the sample)."""
    from zoo.bench.campaign import load_records
    from zoo.bench.run.trials import run_trials

    records, _ = load_records(Path(folder))
    result = Audit(str(folder))
    picked = []
    for record in sample(records, trials, seed):
        trial = trial_of(record)
        if trial is None:
            result.skipped.append(f"{record['config_hash']}: its config does not rebuild to its "
                                  "hash (made by another zoo version)")  # fmt: skip
        else:
            picked.append((record, trial))
    with tempfile.TemporaryDirectory(prefix="zoo-audit-") as tmp:
        out = Path(scratch) if scratch else Path(tmp)
        jobs = jobs or matching_jobs([r for r, _ in picked])
        run_trials([t for _, t in picked], out, data_dir=data_dir, progress=progress, jobs=jobs)
        store = Store(out)
        for record, trial in picked:
            new = store.read(trial.config_hash) or {"status": "missing", "env": {}}
            verdict, shown = _compare(record, new)
            if verdict == "exact":
                result.exact += 1
            elif verdict == "close":
                result.close += 1
            else:
                result.differ.append(f"{trial.label} ({trial.config_hash}): {shown}")
    return result
