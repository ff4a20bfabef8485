"""What `zoo.benchmark` returns: the table's cells with their statistics, the leader and the
cells not separated from it, and where the report is.

The cells are read from the run's records (`zoo.bench.campaign.load_records`) as the report
reads them (`zoo.report.frames.results_frame`, `zoo.report.claims.Table`): one cell per
optimizer (under its schedule) and regularizer, the task's headline test metric per seed.
The leader and whom it is separated from come from `zoo.metrics.stats.separation` (paired
or Welch t-tests of each cell against the leader, Holm-corrected over the table, 5%), as in
the report's leading-group finding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from zoo.bench.campaign import load_records
from zoo.bench.output.layout import Layout
from zoo.metrics.stats import ci95, separation
from zoo.report.claims import Table
from zoo.report.frames import results_frame
from zoo.specs.tasks import Task, task

COLUMNS = ["cell", "optimizer", "regularizer", "mean", "ci95", "low", "high", "seeds",
           "learning_rate", "diff_vs_leader", "p_adjusted", "separated", "leader",
           "in_leading_group"]  # fmt: skip


def label(row: str, regularizer: str) -> str:
    """A cell's name: `adam + none`, `sgd (cosine) + l2`."""
    return f"{row} + {regularizer}"


@dataclass
class BenchmarkResult:
    """A finished benchmark (`zoo.benchmark`, `zoo.Benchmark.search`).

    `cells`: one row per cell, best first: `mean` of the headline test metric over its `seeds`,
    its 95% confidence interval (`ci95` half-width, `low`, `high`; t-distribution), its
    `learning_rate` (the tuned one where tuning ran), `diff_vs_leader`, `p_adjusted` (Holm),
    whether it is `separated` from the leader, and whether it is the `leader` or
    `in_leading_group` (not separated from it). `leader`: the best cell's name; `group`: the
    leader and every cell not separated from it, best first. `report`: the report's README.md,
    beside its index.html (None with `report=False`). `ran`, `skipped`: trials trained by this
    call, and found already done (a second call with the same arguments trains nothing)."""

    cells: pd.DataFrame
    leader: str | None
    group: list[str]
    task: Task
    directory: Path
    report: Path | None = None
    ran: int = 0
    skipped: int = 0
    title: str = ""
    notes: list[str] = field(default_factory=list)

    @classmethod
    def read(cls, directory: str | Path, **extra) -> BenchmarkResult:
        """The result of the run in `directory` (its last run's table trials)."""
        directory = Path(directory)
        records, run = load_records(directory)
        wanted = set(run.get("trial_hashes") or [r.config_hash for r in records])
        results = results_frame([r for r in records if r.config_hash in wanted])
        t = task(results["task"].iloc[0])
        title = f"{results['model'].iloc[0]} on {results['dataset'].iloc[0]}"
        cells = Table(title, results).cells()
        names = {label(*k): v for k, v in cells.items()}
        sep = separation(names, higher_is_better=t.higher_is_better)
        group = sep.tied
        rates = results.groupby(["optimizer", "regularizer"])["learning_rate"].first()
        rows = []
        for row, reg in cells:
            name = label(row, reg)
            mean, std, n = sep.stats[name]
            half = ci95(std, n) if n >= 2 else math.nan
            diff = sep.diffs.get(name)
            rows.append({
                "cell": name, "optimizer": row, "regularizer": reg, "mean": mean, "ci95": half,
                "low": mean - half, "high": mean + half, "seeds": n,
                "learning_rate": rates.get((row, reg)),
                "diff_vs_leader": diff.d if diff else (0.0 if name == sep.leader else math.nan),
                "p_adjusted": sep.adjusted_p.get(name, math.nan),
                "separated": sep.separated(name), "leader": name == sep.leader,
                "in_leading_group": name in group,
            })  # fmt: skip
        frame = pd.DataFrame(rows, columns=COLUMNS)
        sign = -1 if t.higher_is_better else 1

        def rank(i: int) -> tuple[bool, float]:  # the leader first, then the best mean
            mean = frame["mean"][i]
            return not frame["leader"][i], sign * mean if math.isfinite(mean) else math.inf

        frame = frame.iloc[sorted(range(len(frame)), key=rank)].reset_index(drop=True)
        return cls(frame, sep.leader, group, t, directory, title=title, **extra)

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        """The table as text: each cell's mean with its 95% CI and seeds, how it stands
        against the leader; then the leader, its group and the report."""
        t = self.task
        lines = [f"{self.title}: {t.label}, mean over seeds with its 95% CI"]
        width = max([len(c) for c in self.cells["cell"]] + [4])
        for _, c in self.cells.iterrows():
            ci = f"{t.fmt(c['low'])} to {t.fmt(c['high'])}" if math.isfinite(c["ci95"]) else "-"
            if c["leader"]:
                stand = "leader"
            elif c["separated"]:
                stand = f"separated (p={c['p_adjusted']:.3f})"
            else:
                stand = "not separated from the leader"
            lines.append(f"  {c['cell']:<{width}}  {t.fmt(c['mean'])}  [{ci}]  "
                         f"{c['seeds']} seed{'s' * (c['seeds'] != 1)}  {stand}")  # fmt: skip
        others = [g for g in self.group if g != self.leader]
        lines.append(
            f"leader: {self.leader}"
            + (f"; not separated from it: {', '.join(others)}" if others else "")
        )
        lines += self.notes
        if self.report:  # as `zoo bench` ends: the Markdown and the page to open
            html = Layout(self.directory).html
            lines += [f"report: {self.report}", f"        {html} (open it in a browser)"]
        return "\n".join(lines)
