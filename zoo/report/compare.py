"""Did a run reproduce another? Cell-by-cell comparison of two result folders.

    zoo compare reports/quick runs/quick     # reference first
    -> reproduced 90/92 cells within tolerance (accuracy ±1.5 pp, FID ±10%)

Tolerances are each task's `Task.reproduce` (`zoo.specs.tasks`); `zoo audit` uses the same.

A cell is one (model, data set, optimizer, regularizer) configuration, its headline metric
averaged over seeds, as in the report tables; a table's cell is matched by its optimizer's
name, whatever rate tuning chose for it (`summary_of`). Two folders may come from two machines, two
versions or two backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zoo.bench.campaign import load_records
from zoo.report.frames import optimizer_name, results_frame, summary_frame
from zoo.specs import tasks
from zoo.specs.tasks import TASKS, Task, Tolerance


def tolerances(overrides: dict[str, float] | None = None) -> dict[str, Tolerance]:
    """Each task's reproduction tolerance by headline metric (`Task.reproduce`), its size
    replaced where `overrides` names the metric (`{"accuracy": 0.03}`: ±3 pp)."""
    out = {}
    for t in TASKS.values():
        tol = t.reproduce
        if overrides and overrides.get(t.metric) is not None:
            tol = tol.resized(overrides[t.metric])
        out.setdefault(t.metric, tol)
    return out


def _describe(t: Task, tol: Tolerance) -> str:
    """`accuracy ±1.5 pp`, `FID ±10%`."""
    name = t.label.removeprefix("test ")
    if tol.relative:
        return f"{name} ±{tol.relative * 100:g}%"
    return f"{name} ±{tol.absolute * 100:g} pp" if t.percent else f"{name} ±{tol.absolute:g}"


@dataclass
class Comparison:
    """The outcome of `compare`: matched cells, those within tolerance, and the rest."""

    cells: int = 0
    reproduced: int = 0
    differ: list[str] = field(default_factory=list)
    only_reference: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    tolerances: dict[str, Tolerance] = field(default_factory=tolerances)

    @property
    def ok(self) -> bool:
        return self.reproduced == self.cells and not self.only_reference

    def verdict(self) -> str:
        shown = {t.metric: _describe(t, self.tolerances[t.metric]) for t in TASKS.values()}
        return (
            f"reproduced {self.reproduced}/{self.cells} cells within tolerance "
            f"({', '.join(shown.values())})"
        )

    def lines(self) -> list[str]:
        """The verdict, then every cell that differs or is missing on one side."""
        out = [self.verdict()]
        out += [f"  differs: {d}" for d in self.differ]
        out += [f"  only in the reference: {c}" for c in self.only_reference]
        out += [f"  only in the new run: {c}" for c in self.only_new]
        return out


def summary_of(folder: str | Path) -> pd.DataFrame:
    """The per-configuration summary of a result folder (its last run's trials), each row
    keyed by `cell`: a table's cell by its optimizer's name (`same_optimizer`: another
    machine's tuning may choose a neighbouring rate, and the cell is still the same cell),
    tuning's candidates by their full label."""
    records, run = load_records(Path(folder))
    summary = summary_frame(results_frame(records))
    if summary.empty:
        return summary.assign(cell=[])
    tables = set(run.get("trial_hashes") or [r.config_hash for r in records])
    table_rows = {r.row for r in records if r.config_hash in tables}
    untuned = summary["optimizer"].map(optimizer_name)
    in_table = summary["optimizer"].isin(table_rows)
    cell = untuned.where(in_table, "tuning: " + summary["optimizer"])
    key = summary[["model", "dataset", "regularizer"]].assign(cell=cell)
    unique = ~key.duplicated(keep=False)
    return summary.assign(cell=cell.where(unique, summary["optimizer"]))


def _name(row) -> str:
    a, b = row.get("optimizer_a"), row.get("optimizer_b")
    optimizer = row.get("optimizer") or (a if a == b or not isinstance(b, str) else
                                         b if not isinstance(a, str) else f"{a} / {b}")  # fmt: skip
    return f"{row['model']} {optimizer} {row['regularizer']}"


def _value(row) -> tuple[float, str]:
    """(headline mean, status word) of a summary row; NaN when no seed finished."""
    h = tasks.task(row["task"])
    if row["ok"] == 0:
        return np.nan, "diverged" if row["diverged"] else "failed"
    return float(row[f"{h.column}_mean"]), "ok"


def _change(t: Task, a: float, b: float) -> str:
    """`+2.00 pp`, or where the tolerance is relative (FID) `+3.1%`."""
    if t.reproduce.relative:
        return f"{(b - a) / a * 100:+.1f}%"
    return f"{(b - a) * 100:+.2f} pp" if t.percent else f"{b - a:+.{t.digits}g}"


def compare(
    reference: str | Path, new: str | Path, *, tolerance: dict[str, float] | None = None
) -> Comparison:
    """Compare `new` with `reference` cell by cell (headline metric, mean over seeds), each
    within its task's reproduction tolerance (`tolerance`: sizes by metric name instead,
    e.g. `{"accuracy": 0.03}`)."""
    a, b = summary_of(reference), summary_of(new)
    on = ["model", "dataset", "cell", "regularizer"]
    merged = a.merge(b, on=on, how="outer", suffixes=("_a", "_b"), indicator=True)
    result = Comparison(tolerances=tolerances(tolerance))
    for _, row in merged.iterrows():
        if row["_merge"] != "both":
            side = result.only_reference if row["_merge"] == "left_only" else result.only_new
            side.append(_name(row))
            continue
        result.cells += 1
        keys = dict(row[on])
        ra = {k[:-2]: v for k, v in row.items() if k.endswith("_a")} | keys
        rb = {k[:-2]: v for k, v in row.items() if k.endswith("_b")} | keys
        (va, sa), (vb, sb) = _value(ra), _value(rb)
        h = tasks.task(ra["task"])
        if sa != "ok" or sb != "ok":
            same = sa == sb
            shown = f"{sa} vs {sb}"
        else:
            same = result.tolerances[h.metric].allows(va, vb)
            shown = f"{h.label} {h.fmt(va)} vs {h.fmt(vb)} ({_change(h, va, vb)})"
        if same:
            result.reproduced += 1
        else:
            result.differ.append(f"{_name(row)}: {shown}")
    return result
