"""The report's tables from the summary frame (`zoo.report.frames`): the optimizer x
regularizer table of formatted cells, tables of one column, time-to-target, and Markdown.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zoo.report.frames import optimizer_order, regularizer_order
from zoo.specs.tasks import task


def fmt_cell(row: pd.Series, show_seeds: bool = False) -> str:
    """`mean ± 95% CI half-width` of the task's headline metric (with its seed count where
    `show_seeds`; and a GAN's coverage), or why there is none; `(at chance)` where the
    configuration is not better than chance (`frames.summary_frame`'s `at_chance`)."""
    if row["ok"] == 0:
        if row["diverged"]:
            return f"diverged ({row['diverged']}/{row['seeds']})"
        return f"failed ({row['failed']}/{row['seeds']})"
    h = task(row["task"])
    mean, ci, d = row[f"{h.column}_mean"], row[f"{h.column}_ci95"], h.digits
    cell = f"{mean:.{d}f} ± {ci:.{d}f}" if row["ok"] > 1 else f"{mean:.{d}f} (1 seed)"
    if show_seeds and row["ok"] > 1:
        cell += f" ({row['ok']})"
    if h.generative:
        cell += f", {row['classes_covered_mean']:.3g}/{row['num_classes']:.0f} classes"
        if row["mode_collapse"]:
            cell += f", collapsed ({row['mode_collapse']}/{row['ok']})"
    bad = row["seeds"] - row["ok"]
    if bad:
        cell += f" ({bad} of {row['seeds']} seeds diverged/failed)"
    if row.get("at_chance", False):
        cell += " (at chance)"
    return cell


def best_row(summary: pd.DataFrame, model: str) -> pd.Series | None:
    """The summary row of `model`'s best configuration by its task's headline metric."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    if sub.empty:
        return None
    h = task(sub["task"].iloc[0])
    col = sub[f"{h.column}_mean"]
    return sub.loc[col.idxmax() if h.higher_is_better else col.idxmin()]


def ranked(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """`model`'s configurations with results, best first by the task's headline metric."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    if sub.empty:
        return sub
    h = task(sub["task"].iloc[0])
    return sub.sort_values(f"{h.column}_mean", ascending=not h.higher_is_better)


def value_table(summary: pd.DataFrame, model: str, column: str, digits: int, signed=False):
    """Optimizer x regularizer table of one summary column (blank where it is undefined)."""
    sub = summary[(summary["model"] == model) & summary[column].notna()]
    if sub.empty:
        return None
    fmt = f"{{:+.{digits}f}}" if signed else f"{{:.{digits}f}}"
    cells = sub.assign(cell=sub[column].map(fmt.format))
    table = cells.pivot(index="optimizer", columns="regularizer", values="cell")
    table = table.reindex(
        index=optimizer_order(sub["optimizer"]), columns=regularizer_order(sub["regularizer"])
    ).fillna("—")
    table.index.name = "optimizer \\ regularizer"
    table.columns.name = None
    return table


def metric_table(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """Optimizer x regularizer table of formatted cells for one model; best cell in bold."""
    sub = summary[summary["model"] == model]
    # Racing gives cells different seed counts: then each cell says its own.
    counts = sub.loc[sub["ok"] > 0, "ok"].nunique() > 1
    cells = sub.assign(cell=sub.apply(fmt_cell, axis=1, show_seeds=counts))
    table = cells.pivot(index="optimizer", columns="regularizer", values="cell")
    table = table.reindex(
        index=optimizer_order(sub["optimizer"]), columns=regularizer_order(sub["regularizer"])
    ).fillna("—")
    best = best_row(summary, model)
    if best is not None:
        table.loc[best["optimizer"], best["regularizer"]] = (
            f"**{table.loc[best['optimizer'], best['regularizer']]}**"
        )
    table.index.name = "optimizer \\ regularizer"
    table.columns.name = None
    return table


def time_to_target_table(summary: pd.DataFrame, model: str, cpu: str | None) -> pd.DataFrame | None:
    """`model`'s configurations ranked by epochs (then optimizer steps) to the target
    validation score, means over seeds (a configuration counts as reaching it only if every
    seed does); training seconds only where every trial ran on one CPU kind (`cpu`)."""
    sub = summary[(summary["model"] == model) & summary["target"].notna()]
    if sub.empty:
        return None
    sub = sub.sort_values(["target_epoch_mean", "target_steps_mean", "target_reached"],
                          ascending=[True, True, False])  # fmt: skip
    rows = []
    for _, r in sub.iterrows():
        done = not np.isnan(r["target_epoch_mean"])
        row = {
            "configuration": f"{r['optimizer']} + {r['regularizer']}",
            "epochs to target": f"{r['target_epoch_mean']:.1f}" if done else "not reached",
            "optimizer steps": f"{r['target_steps_mean']:.0f}" if done else "—",
        }
        if cpu:
            row["seconds (one CPU kind)"] = f"{r['target_seconds_mean']:.1f}" if done else "—"
        row["seeds reaching it"] = f"{int(r['target_reached'])}/{int(r['seeds'])}"
        rows.append(row)
    table = pd.DataFrame(rows).set_index("configuration")
    table.index.name = "configuration (fastest first)"
    return table


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no `tabulate` dependency)."""
    header = [table.index.name or "", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        lines.append("| " + " | ".join([f"`{idx}`", *map(str, row.values)]) + " |")
    return "\n".join(lines)
