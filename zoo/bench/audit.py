"""`zoo audit DIR`: re-run a seeded sample of a report's trials and check their numbers.

    zoo audit reports/standard --trials 12 --seed 0
    -> audit of reports/standard: 12/12 trials reproduced (9 exactly, 3 within tolerance)

The sample is spread over the report's tables (model, data set, backend) round-robin, drawn
with `--seed`, so two audits with one seed re-run the same trials. Each trial is rebuilt
from its record's config (`trial_of`: the same config hash, or it is not audited), re-run in a
scratch folder, and its headline metric compared with the record's: exactly where this
machine, the library versions and the thread count match the record's, else within
the task's reproduction tolerance (`Task.reproduce`: accuracy ±1.5 pp absolute, FID ±10%
relative), as `zoo compare` uses.

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

from zoo.bench.campaign import load_records
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store
from zoo.bench.plan.trial import trial_of
from zoo.bench.run.trials import run_trials

# Bit-identical numbers are expected only where all of these match (a record from before
# `cpu_id` was recorded never counts as the same machine).
SAME_MACHINE = ("cpu_id", "cpu_count", "threads", "keras", "backend", "python", "numpy")


def sample(records: list[TrialRecord], n: int, seed: int) -> list[TrialRecord]:
    """`n` finished records, spread round-robin over the tables, drawn with `seed`."""
    rng = random.Random(seed)
    tables: dict[tuple, list[TrialRecord]] = {}
    for r in sorted(records, key=lambda r: r.config_hash):
        if r.done:
            tables.setdefault(r.table, []).append(r)
    for group in tables.values():
        rng.shuffle(group)
    chosen: list[TrialRecord] = []
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


def _compare(old: TrialRecord, new: TrialRecord | None) -> tuple[str, str]:
    """('exact' | 'close' | 'differs', what was compared)."""
    if new is None:
        return "differs", f"status {old.status} vs missing"
    t = old.task_info
    a, b = old.headline, new.headline
    shown = f"{t.label} {a:.{t.digits + 2}f} vs {b:.{t.digits + 2}f}"
    if old.status != new.status:
        return "differs", f"status {old.status} vs {new.status}"
    if math.isnan(a) and math.isnan(b):
        return "exact", "no metric on either side"
    if _same_machine(old.env, new.env):
        return ("exact" if a == b else "differs"), shown + " (same machine: must be equal)"
    return ("close" if t.reproduce.allows(a, b) else "differs"), shown


def matching_jobs(records: list[TrialRecord]) -> int:
    """Trials at a time on this machine such that each gets the thread count most of
    `records` ran with (a report made with `--jobs 2` on 2 cores ran each trial on 1)."""
    counts = Counter(r.env.get("threads") or 0 for r in records)
    threads = counts.most_common(1)[0][0] if counts else 0
    return max(1, (os.cpu_count() or 1) // threads) if threads else 1


def audit(
    folder: str | Path, *, trials: int = 12, seed: int = 0, scratch: str | Path | None = None,
    data_dir: str | None = None, progress: bool = True, jobs: int | None = None,
) -> Audit:  # fmt: skip
    """Re-run a seeded sample of `folder`'s trials and compare their headline metrics
    (`jobs` None: `matching_jobs` of the sample)."""
    records, _ = load_records(Path(folder))
    result = Audit(str(folder))
    picked = []
    for record in sample(records, trials, seed):
        trial = trial_of(record.config, record.config_hash)
        if trial is None:
            result.skipped.append(f"{record.config_hash}: its config does not rebuild to its "
                                  "hash (made by another zoo version)")  # fmt: skip
        else:
            picked.append((record, trial))
    with tempfile.TemporaryDirectory(prefix="zoo-audit-") as tmp:
        out = Path(scratch) if scratch else Path(tmp)
        jobs = jobs or matching_jobs([r for r, _ in picked])
        run_trials([t for _, t in picked], out, data_dir=data_dir, progress=progress, jobs=jobs)
        store = Store(out)
        for record, trial in picked:
            verdict, shown = _compare(record, store.read(trial.config_hash))
            if verdict == "exact":
                result.exact += 1
            elif verdict == "close":
                result.close += 1
            else:
                result.differ.append(f"{trial.label} ({trial.config_hash}): {shown}")
    return result
