"""Trial records to pandas tables: one row per trial, and a summary per configuration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zoo.metrics.stats import ci95
from zoo.specs import OPTIMIZERS, REGULARIZERS, SCHEDULES
from zoo.specs.schedules import row_label, split_row_label
from zoo.specs.tasks import Task, task

# A table's row is an optimizer, or an optimizer under a schedule (`adam @ cosine`) where a
# trial has one: the schedule is a dimension of the tables wherever a suite varies it.
KEYS = ["model", "dataset", "optimizer", "regularizer"]


def headline(task_name: str) -> Task:
    """The metric a task's tables rank by (`zoo.specs.tasks`)."""
    return task(task_name)


def _last(history: dict[str, list[float]], key: str) -> float:
    values = (history or {}).get(key) or []
    return float(values[-1]) if values else np.nan


def results_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per trial record, with the fields a reader compares."""
    rows = []
    for r in records:
        c, env, hist = r["config"], r.get("env", {}), r.get("history") or {}
        test = r.get("test") or {}
        val_acc = hist.get("val_accuracy") or []
        coverage = r.get("coverage") or {}
        rows.append(
            {
                "config_hash": r["config_hash"],
                "task": r.get("task", "classification"),
                "model": c["model"],
                "dataset": c["dataset"],
                "optimizer": row_label(r["labels"]["optimizer"], r["labels"].get("schedule")),
                "schedule": r["labels"].get("schedule", "constant"),
                "regularizer": r["labels"]["regularizer"],
                "seed": c["seed"],
                "status": r["status"],
                "test_accuracy": test.get("accuracy", np.nan),
                "test_loss": test.get("loss", np.nan),
                "final_train_accuracy": _last(hist, "accuracy"),
                "final_val_accuracy": _last(hist, "val_accuracy"),
                "best_val_accuracy": max(val_acc) if val_acc else np.nan,
                "fid": test.get("fid", np.nan),
                "fid_samples": (r.get("fid") or {}).get("n_generated", np.nan),
                "fid_untrained": (r.get("fid") or {}).get("untrained", np.nan),
                "classes_covered": test.get("classes_covered", np.nan),
                "num_classes": coverage.get("num_classes", np.nan),
                "kl_uniform": test.get("kl_uniform", np.nan),
                "mode_collapse": r.get("mode_collapse", np.nan),
                "final_d_loss": _last(hist, "d_loss"),
                "final_g_loss": _last(hist, "g_loss"),
                "samples_png": (r.get("files") or {}).get("samples.png"),
                "target": (r.get("target") or {}).get("value", np.nan),
                "target_epoch": (r.get("target") or {}).get("epoch", np.nan),
                "target_seconds": (r.get("target") or {}).get("seconds", np.nan),
                "epochs": c["epochs"],
                "epochs_run": r.get("epochs_run", np.nan),
                "diverged_epoch": r.get("diverged_epoch"),
                "train_size": (r.get("data_sizes") or {}).get("train", c["train_size"]),
                "test_size": (r.get("data_sizes") or {}).get("test", c["test_size"]),
                "batch_size": c["batch_size"],
                "learning_rate": c["optimizer"]["kwargs"].get("learning_rate"),
                "params": r.get("params"),
                "wall_time_s": r.get("wall_time_s"),
                "fit_time_s": r.get("fit_time_s"),
                "throughput_samples_per_s": r.get("throughput_samples_per_s"),
                "peak_memory_mb": r.get("peak_memory_mb"),
                "backend": env.get("backend"),
                "keras": env.get("keras"),
                "git_commit": env.get("git_commit"),
                "started_at": r.get("started_at"),
                "error": r.get("error"),
            }
        )
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return sort_frame(df, extra=["seed"])


def _order(label: str, names: list[str]) -> tuple[int, str]:
    """Sort key: canonical names in their order, then variants (`adam:lr=...`) by their base."""
    if label in names:
        return (names.index(label), label)
    base = label.split(":")[0].split("+")[0]
    rank = names.index(base) if base in names else len(names)
    return (len(names) + rank, label)


def optimizer_order(labels) -> list[str]:
    """Row labels in the canonical optimizer order, each optimizer's schedules in theirs."""

    def key(label: str):
        optimizer, schedule = split_row_label(label)
        return (_order(optimizer, list(OPTIMIZERS)), _order(schedule, list(SCHEDULES)))

    return sorted(set(labels), key=key)


def regularizer_order(labels) -> list[str]:
    return sorted(set(labels), key=lambda s: _order(s, REGULARIZERS))


def sort_frame(df: pd.DataFrame, extra: list[str] | None = None) -> pd.DataFrame:
    """Sort rows by model, the canonical optimizer order, regularizer order, then `extra`."""
    opt = {o: i for i, o in enumerate(optimizer_order(df["optimizer"]))}
    reg = {r: i for i, r in enumerate(regularizer_order(df["regularizer"]))}
    key = df.assign(_o=df["optimizer"].map(opt), _r=df["regularizer"].map(reg))
    by = ["model", "dataset", "_o", "_r", *(extra or [])]
    return key.sort_values(by).drop(columns=["_o", "_r"]).reset_index(drop=True)


def summary_frame(results: pd.DataFrame) -> pd.DataFrame:
    """Aggregate over seeds: mean, std and 95% CI of the metrics, counts by status, the
    generalization gap (train - validation accuracy) and each regularizer's effect against
    `none` under the same optimizer."""
    if results.empty:
        return results
    ok = results[results["status"] == "ok"]
    g_all = results.groupby(KEYS, sort=False)
    counts = g_all["status"].value_counts().unstack(fill_value=0)
    for status in ("ok", "diverged", "failed"):
        if status not in counts:
            counts[status] = 0
    summary = pd.DataFrame(
        {
            "seeds": g_all.size(),
            "ok": counts["ok"],
            "diverged": counts["diverged"],
            "failed": counts["failed"],
        }
    )
    g = ok.groupby(KEYS, sort=False)
    summary["task"] = g_all["task"].first()
    for col in ("test_accuracy", "final_val_accuracy", "final_train_accuracy", "fid"):
        summary[f"{col}_mean"] = g[col].mean()
        summary[f"{col}_std"] = g[col].std(ddof=1)
    for col in ("test_accuracy", "fid"):
        summary[f"{col}_ci95"] = [
            ci95(s, n) for s, n in zip(summary[f"{col}_std"], summary["ok"], strict=True)
        ]
    gap = ok.assign(gap=ok["final_train_accuracy"] - ok["final_val_accuracy"])
    summary["generalization_gap_mean"] = gap.groupby(KEYS, sort=False)["gap"].mean()
    summary["classes_covered_mean"] = g["classes_covered"].mean()
    summary["num_classes"] = g["num_classes"].max()
    summary["kl_uniform_mean"] = g["kl_uniform"].mean()
    summary["mode_collapse"] = g["mode_collapse"].apply(lambda s: int((s == True).sum()))  # noqa: E712
    summary["wall_time_s_mean"] = g_all["wall_time_s"].mean()
    summary["throughput_samples_per_s_mean"] = g["throughput_samples_per_s"].mean()
    summary["params"] = g_all["params"].first()
    # Time-to-target: a cell reaches its target if every finished seed does.
    summary["target"] = g_all["target"].first()
    summary["target_reached"] = g["target_seconds"].count()
    summary["target_seconds_mean"] = g["target_seconds"].mean()
    summary["target_epoch_mean"] = g["target_epoch"].mean()
    summary.loc[summary["target_reached"] < summary["ok"], ["target_seconds_mean",
                "target_epoch_mean"]] = np.nan  # fmt: skip
    summary = summary.reset_index()
    summary["effect_vs_none"] = _effect_vs_none(summary)
    return sort_frame(summary)


def _effect_vs_none(summary: pd.DataFrame) -> list[float]:
    """Headline-metric mean minus that of `none` with the same model and optimizer."""
    out = []
    for _, row in summary.iterrows():
        col = f"{headline(row['task']).column}_mean"
        base = summary[
            (summary["model"] == row["model"])
            & (summary["optimizer"] == row["optimizer"])
            & (summary["regularizer"] == "none")
        ]
        known = not base.empty and row["regularizer"] != "none"
        out.append(row[col] - base[col].iloc[0] if known else np.nan)
    return out


def fmt_cell(row: pd.Series) -> str:
    """`mean ± 95% CI half-width` of the task's headline metric (and a GAN's coverage), or
    why there is none."""
    if row["ok"] == 0:
        if row["diverged"]:
            return f"diverged ({row['diverged']}/{row['seeds']})"
        return f"failed ({row['failed']}/{row['seeds']})"
    h = headline(row.get("task", "classification"))
    mean, ci, d = row[f"{h.column}_mean"], row[f"{h.column}_ci95"], h.digits
    cell = f"{mean:.{d}f} ± {ci:.{d}f}" if row["ok"] > 1 else f"{mean:.{d}f} (1 seed)"
    if h.column == "fid":
        cell += f", {row['classes_covered_mean']:.3g}/{row['num_classes']:.0f} classes"
        if row["mode_collapse"]:
            cell += f", collapsed ({row['mode_collapse']}/{row['ok']})"
    bad = row["seeds"] - row["ok"]
    if bad:
        cell += f" ({bad} of {row['seeds']} seeds diverged/failed)"
    return cell


def best_row(summary: pd.DataFrame, model: str) -> pd.Series | None:
    """The summary row of `model`'s best configuration by its task's headline metric."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    if sub.empty:
        return None
    h = headline(sub["task"].iloc[0])
    col = sub[f"{h.column}_mean"]
    return sub.loc[col.idxmax() if h.higher_is_better else col.idxmin()]


def ranked(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """`model`'s configurations with results, best first by the task's headline metric."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    if sub.empty:
        return sub
    h = headline(sub["task"].iloc[0])
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
    cells = sub.assign(cell=sub.apply(fmt_cell, axis=1))
    # Racing gives cells different seed counts: then each cell says its own.
    if sub.loc[sub["ok"] > 0, "ok"].nunique() > 1:
        cells["cell"] = [c if n < 2 else f"{c} ({n})" for c, n in zip(cells["cell"], sub["ok"],
                                                                       strict=True)]  # fmt: skip
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


def time_to_target_table(summary: pd.DataFrame, model: str) -> pd.DataFrame | None:
    """`model`'s configurations ranked by training seconds to the target validation accuracy
    (mean over seeds; a configuration counts as reaching it only if every seed does)."""
    sub = summary[(summary["model"] == model) & summary["target"].notna()]
    if sub.empty:
        return None
    sub = sub.sort_values(["target_seconds_mean", "target_reached"], ascending=[True, False])
    rows = []
    for _, r in sub.iterrows():
        done = not np.isnan(r["target_seconds_mean"])
        rows.append({
            "configuration": f"{r['optimizer']} + {r['regularizer']}",
            "seconds to target": f"{r['target_seconds_mean']:.1f}" if done else "not reached",
            "epoch": f"{r['target_epoch_mean']:.1f}" if done else "—",
            "seeds reaching it": f"{int(r['target_reached'])}/{int(r['seeds'])}",
        })  # fmt: skip
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
