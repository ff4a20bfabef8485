"""Trial records to pandas tables: one row per trial, and a summary per configuration."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zoo.specs import OPTIMIZERS, REGULARIZERS

KEYS = ["model", "dataset", "optimizer", "regularizer"]


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
        rows.append(
            {
                "config_hash": r["config_hash"],
                "model": c["model"],
                "dataset": c["dataset"],
                "optimizer": r["labels"]["optimizer"],
                "regularizer": r["labels"]["regularizer"],
                "seed": c["seed"],
                "status": r["status"],
                "test_accuracy": test.get("accuracy", np.nan),
                "test_loss": test.get("loss", np.nan),
                "final_train_accuracy": _last(hist, "accuracy"),
                "final_val_accuracy": _last(hist, "val_accuracy"),
                "best_val_accuracy": max(val_acc) if val_acc else np.nan,
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
    return sorted(set(labels), key=lambda s: _order(s, list(OPTIMIZERS)))


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
    """Aggregate over seeds: mean and std of the metrics, and counts by status."""
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
    for col in ("test_accuracy", "final_val_accuracy", "final_train_accuracy"):
        summary[f"{col}_mean"] = g[col].mean()
        summary[f"{col}_std"] = g[col].std(ddof=1)
    summary["wall_time_s_mean"] = g_all["wall_time_s"].mean()
    summary["throughput_samples_per_s_mean"] = g["throughput_samples_per_s"].mean()
    summary["params"] = g_all["params"].first()
    return sort_frame(summary.reset_index())


def fmt_cell(row: pd.Series) -> str:
    """`mean ± std` of test accuracy, or why there is no number."""
    if row["ok"] == 0:
        if row["diverged"]:
            return f"diverged ({row['diverged']}/{row['seeds']})"
        return f"failed ({row['failed']}/{row['seeds']})"
    mean, std = row["test_accuracy_mean"], row["test_accuracy_std"]
    cell = f"{mean:.4f} ± {std:.4f}" if row["ok"] > 1 else f"{mean:.4f} (1 seed)"
    bad = row["seeds"] - row["ok"]
    if bad:
        cell += f" ({bad} of {row['seeds']} seeds diverged/failed)"
    return cell


def accuracy_table(summary: pd.DataFrame, model: str) -> pd.DataFrame:
    """Optimizer x regularizer table of formatted cells for one model; best cell in bold."""
    sub = summary[summary["model"] == model]
    cells = sub.assign(cell=sub.apply(fmt_cell, axis=1))
    table = cells.pivot(index="optimizer", columns="regularizer", values="cell")
    table = table.reindex(
        index=optimizer_order(sub["optimizer"]), columns=regularizer_order(sub["regularizer"])
    ).fillna("—")
    scored = sub[sub["ok"] > 0]
    if not scored.empty:
        best = scored.loc[scored["test_accuracy_mean"].idxmax()]
        table.loc[best["optimizer"], best["regularizer"]] = (
            f"**{table.loc[best['optimizer'], best['regularizer']]}**"
        )
    table.index.name = "optimizer \\ regularizer"
    table.columns.name = None
    return table


def to_markdown(table: pd.DataFrame) -> str:
    """A GitHub Markdown table (no `tabulate` dependency)."""
    header = [table.index.name or "", *map(str, table.columns)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for idx, row in table.iterrows():
        lines.append("| " + " | ".join([f"`{idx}`", *map(str, row.values)]) + " |")
    return "\n".join(lines)
