"""Did a run reproduce another? Cell-by-cell comparison of two result folders.

    zoo compare reports/quick runs/quick     # reference first
    -> reproduced 90/92 cells within tolerance (accuracy ±1.5 pp, FID ±10%)

A cell is one (model, data set, optimizer, regularizer) configuration, its headline metric
averaged over seeds, as in the report tables. Two folders may come from two machines, two
versions or two backends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from zoo.report.tables import KEYS, headline, results_frame, summary_frame

ACCURACY_TOLERANCE = 0.015  # absolute: 1.5 percentage points
FID_TOLERANCE = 0.10  # relative: 10%


@dataclass
class Comparison:
    """The outcome of `compare`: matched cells, those within tolerance, and the rest."""

    cells: int = 0
    reproduced: int = 0
    differ: list[str] = field(default_factory=list)
    only_reference: list[str] = field(default_factory=list)
    only_new: list[str] = field(default_factory=list)
    accuracy_tol: float = ACCURACY_TOLERANCE
    fid_tol: float = FID_TOLERANCE

    @property
    def ok(self) -> bool:
        return self.reproduced == self.cells and not self.only_reference

    def verdict(self) -> str:
        return (
            f"reproduced {self.reproduced}/{self.cells} cells within tolerance "
            f"(accuracy ±{self.accuracy_tol * 100:g} pp, FID ±{self.fid_tol * 100:g}%)"
        )

    def lines(self) -> list[str]:
        """The verdict, then every cell that differs or is missing on one side."""
        out = [self.verdict()]
        out += [f"  differs: {d}" for d in self.differ]
        out += [f"  only in the reference: {c}" for c in self.only_reference]
        out += [f"  only in the new run: {c}" for c in self.only_new]
        return out


def summary_of(folder: str | Path) -> pd.DataFrame:
    """The per-configuration summary of a result folder (its last run's trials)."""
    from zoo.bench.campaign import load_records

    records, _ = load_records(Path(folder))
    return summary_frame(results_frame(records))


def _name(row) -> str:
    return f"{row['model']} {row['optimizer']} {row['regularizer']}"


def _value(row) -> tuple[float, str]:
    """(headline mean, status word) of a summary row; NaN when no seed finished."""
    h = headline(row["task"])
    if row["ok"] == 0:
        return np.nan, "diverged" if row["diverged"] else "failed"
    return float(row[f"{h.column}_mean"]), "ok"


def compare(
    reference: str | Path,
    new: str | Path,
    *,
    accuracy_tol: float = ACCURACY_TOLERANCE,
    fid_tol: float = FID_TOLERANCE,
) -> Comparison:
    """Compare `new` with `reference` cell by cell (headline metric, mean over seeds)."""
    a, b = summary_of(reference), summary_of(new)
    merged = a.merge(b, on=KEYS, how="outer", suffixes=("_a", "_b"), indicator=True)
    result = Comparison(accuracy_tol=accuracy_tol, fid_tol=fid_tol)
    for _, row in merged.iterrows():
        if row["_merge"] != "both":
            side = result.only_reference if row["_merge"] == "left_only" else result.only_new
            side.append(_name(row))
            continue
        result.cells += 1
        ra = {k[:-2]: v for k, v in row.items() if k.endswith("_a")} | dict(row[KEYS])
        rb = {k[:-2]: v for k, v in row.items() if k.endswith("_b")} | dict(row[KEYS])
        (va, sa), (vb, sb) = _value(ra), _value(rb)
        h = headline(ra["task"])
        if sa != "ok" or sb != "ok":
            same = sa == sb
            shown = f"{sa} vs {sb}"
        elif h.column == "fid":
            same = abs(vb - va) <= fid_tol * abs(va)
            shown = f"FID {va:.1f} vs {vb:.1f} ({(vb - va) / va * 100:+.1f}%)"
        else:
            same = abs(vb - va) <= accuracy_tol
            shown = f"{h.label} {va:.4f} vs {vb:.4f} ({(vb - va) * 100:+.2f} pp)"
        if same:
            result.reproduced += 1
        else:
            result.differ.append(f"{_name(ra)}: {shown}")
    return result
