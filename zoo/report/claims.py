"""A report's tables as the findings read them, and how a claim is re-checked.

`Table` is one table of a report (a model on a data set): its trials and, per cell, the
headline metric of each finished seed. `verdict` asks of any claim "would it flip?": it
re-computes the claim with each seed left out in turn and at the last epoch instead of the
best-validation one (`variants`), and says which checks change it. The few wording helpers
every finding shares live here too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from zoo.report.document import anchor
from zoo.specs import tasks


@dataclass
class Table:
    """One table of a report: a model on a data set (under one backend)."""

    title: str  # the section heading, e.g. "cnn_small on fashion_mnist"
    results: pd.DataFrame  # its trials (results_frame rows)
    last_epoch: bool = False  # read the test scores at the last epoch, not the tested one
    margin: float | None = None  # the equivalence margin given (None: the noise floor)

    @property
    def task(self) -> str:
        return self.results["task"].iloc[0]

    @property
    def link(self) -> str:
        return f"[{self.title}](#{anchor(self.title)})"

    def cells(self) -> dict[tuple[str, str], dict[int, float]]:
        """(row, regularizer) -> the headline metric of every finished seed, by seed."""
        col = tasks.task(self.task).column
        if self.last_epoch and f"{col}_last" in self.results:
            col = f"{col}_last"
        cells: dict[tuple[str, str], dict[int, float]] = {}
        for (row, reg), sub in self.results.groupby(["optimizer", "regularizer"], sort=False):
            ok = sub[sub["status"] == "ok"]
            cells[(row, reg)] = {int(s): float(v) for s, v in zip(ok["seed"], ok[col], strict=True)
                                 if math.isfinite(v)}  # fmt: skip
        return cells


def variants(table: Table) -> list[tuple[str, Table]]:
    """The checks a finding must survive to be robust ("would it flip?"): the table with each
    seed left out in turn, and read at the last epoch instead of the best-validation one
    (where the two differ)."""
    res = table.results
    out = [(f"seed {s} left out", Table(table.title, res[res["seed"] != s], margin=table.margin))
           for s in sorted(res["seed"].unique())]  # fmt: skip
    col = tasks.task(table.task).column
    last = table.results.get(f"{col}_last")
    if last is not None and not last.equals(table.results[col]):
        out.append(("the last epoch tested",
                    Table(table.title, res, last_epoch=True, margin=table.margin)))  # fmt: skip
    return out


def verdict(table: Table, claim) -> str:
    """ " Robust: ..." where `claim(table)` (what a finding asserts, comparable) is the same in
    every variant (`variants`), else which checks change it."""
    base = claim(table)
    checks = variants(table)
    flips = [label for label, v in checks if claim(v) != base]
    if not flips:
        last = any(label == "the last epoch tested" for label, _ in checks)
        also = (" and at the last epoch" if last else
                " (each trial was tested at its last epoch: no other epoch to check)")  # fmt: skip
        return f" Robust: it holds with each seed left out in turn{also}."
    shown = ", ".join(flips[:3]) + (f" and {len(flips) - 3} more" if len(flips) > 3 else "")
    return f" Not robust: it changes with {shown}."


def name(cell: tuple[str, str]) -> str:
    return f"`{cell[0]}` + `{cell[1]}`"


def fmt(task: str, value: float) -> str:
    return tasks.task(task).fmt(value)


def diff(task: str, d: float) -> str:
    return tasks.task(task).diff(d)


def seeds(n: int) -> str:
    return f"{n} seed" + ("" if n == 1 else "s")


def comparisons(n: int) -> str:
    return f"{n} comparison" + ("" if n == 1 else "s")
