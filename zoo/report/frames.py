"""Trial records to pandas frames: one row per trial (`results_frame`, results.csv) and a
summary per configuration over its seeds (`summary_frame`, summary.csv), in the canonical
order of optimizers, schedules and regularizers. Each task's columns come from the task
table (`zoo.specs.tasks`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from zoo.bench.output.record import TrialRecord
from zoo.bench.run.training import steps_per_epoch
from zoo.metrics.stats import ci95
from zoo.report.chance import at_chance, chance
from zoo.specs import OPTIMIZERS, REGULARIZERS, SCHEDULES
from zoo.specs.schedules import row_label, split_row_label
from zoo.specs.search import untuned
from zoo.specs.tasks import TASKS, task

# A table's row is an optimizer, or an optimizer under a schedule (`adam @ cosine`) where a
# trial has one: the schedule is a dimension of the tables wherever a suite varies it.
KEYS = ["model", "dataset", "optimizer", "regularizer"]


def _last(values: list[float]) -> float:
    return float(values[-1]) if values else np.nan


def _task_columns(r: TrialRecord) -> dict[str, float]:
    """Every task's headline and learning-curve columns (one set per metric): the record's own
    task's filled in, the others NaN, so frames of mixed tasks share their columns."""
    out: dict[str, float] = {}
    for t in TASKS.values():
        out[t.column] = out[f"{t.column}_last"] = np.nan
        if t.validation:
            for col in (f"final_train_{t.metric}", f"final_val_{t.metric}", f"best_val_{t.metric}"):
                out[col] = np.nan
    t = r.task_info
    out[t.column] = (r.test or {}).get(t.metric, np.nan)
    out[f"{t.column}_last"] = (r.test_last or r.test or {}).get(t.metric, np.nan)
    if t.validation:
        train, val = r.curve(t.metric), r.curve(t.validation)
        best = max if t.higher_is_better else min
        out |= {
            f"final_train_{t.metric}": _last(train),
            f"final_val_{t.metric}": _last(val),
            f"best_val_{t.metric}": best(val) if val else np.nan,
            # larger: more overfitting, whichever way the metric points
            "generalization_gap": (_last(train) - _last(val)) * (1 if t.higher_is_better else -1),
        }
    return out


def _steps_to(r: TrialRecord) -> float:
    """Optimizer steps until the target was reached: its epoch x steps per epoch
    (ceil(training examples / batch size)); NaN if it was not."""
    target, train = r.target, r.data_sizes.get("train")
    if target is None or target.epoch is None or not train:
        return np.nan
    return float(target.epoch * steps_per_epoch(train, r.config["batch_size"]))


def _generator_columns(r: TrialRecord) -> dict[str, Any]:
    """A generator's FID details, class coverage and losses (NaN for other models)."""
    fid, cov = r.fid, r.coverage
    return {
        "fid_samples": fid.n_generated if fid else np.nan,
        "fid_untrained": fid.untrained if fid and fid.untrained is not None else np.nan,
        "fid_comparable": fid.comparable if fid else np.nan,
        "classes_covered": (r.test or {}).get("classes_covered", np.nan),
        "num_classes": cov.num_classes if cov else np.nan,
        "kl_uniform": (r.test or {}).get("kl_uniform", np.nan),
        "mode_collapse": r.mode_collapse if r.mode_collapse is not None else np.nan,
        "final_d_loss": _last(r.curve("d_loss")),
        "final_g_loss": _last(r.curve("g_loss")),
        "samples_png": r.files.get("samples.png"),
    }


def _row(r: TrialRecord) -> dict[str, Any]:
    c, target = r.config, r.target
    return {
        "config_hash": r.config_hash,
        "task": r.task,
        "model": r.model,
        "dataset": r.dataset,
        "optimizer": r.row,
        "schedule": r.labels.schedule,
        "regularizer": r.labels.regularizer,
        "seed": r.seed,
        "status": r.status,
        "test_loss": (r.test or {}).get("loss", np.nan),
        "generalization_gap": np.nan,
        **_task_columns(r),
        **_generator_columns(r),
        "target": target.value if target else np.nan,
        "target_epoch": target.epoch if target and target.epoch is not None else np.nan,
        "target_steps": _steps_to(r),
        "target_seconds": target.seconds if target and target.seconds is not None else np.nan,
        "best_epoch": r.best_epoch if r.best_epoch is not None else np.nan,
        "epochs": r.epochs,
        "epochs_run": r.epochs_run if r.epochs_run is not None else np.nan,
        "diverged_epoch": r.diverged_epoch,
        "train_size": r.data_sizes.get("train", c["train_size"]),
        "val_size": r.data_sizes.get("val", c.get("val_size")),
        "test_size": r.data_sizes.get("test", c["test_size"]),
        "batch_size": c["batch_size"],
        "learning_rate": r.learning_rate,
        "weight_decay": c["optimizer"]["kwargs"].get("weight_decay"),
        "params": r.params,
        "wall_time_s": r.wall_time_s,
        "fit_time_s": r.fit_time_s,
        "throughput_samples_per_s": r.throughput_samples_per_s,
        "peak_memory_mb": r.peak_memory_mb,
        "backend": r.backend,
        "cpu_id": r.env.get("cpu_id"),
        "keras": r.env.get("keras"),
        "git_commit": r.env.get("git_commit"),
        "started_at": r.started_at,
        "error": r.error,
    }


def results_frame(records: list[TrialRecord]) -> pd.DataFrame:
    """One row per trial record, with the fields a reader compares."""
    df = pd.DataFrame([_row(r) for r in records])
    if df.empty:
        return df
    return sort_frame(df, extra=["seed"])


def metric_columns() -> list[str]:
    """The per-trial metric columns a summary averages: every task's headline and final
    training and validation scores."""
    cols = [t.column for t in TASKS.values()] + [f"{t.column}_last" for t in TASKS.values()]
    for t in TASKS.values():
        if t.validation:
            cols += [f"final_val_{t.metric}", f"final_train_{t.metric}"]
    return list(dict.fromkeys(cols))


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
    for col in metric_columns():
        summary[f"{col}_mean"] = g[col].mean()
        summary[f"{col}_std"] = g[col].std(ddof=1)
    for col in dict.fromkeys(t.column for t in TASKS.values()):
        summary[f"{col}_ci95"] = [
            ci95(s, n) for s, n in zip(summary[f"{col}_std"], summary["ok"], strict=True)
        ]
    summary["generalization_gap_mean"] = g["generalization_gap"].mean()
    summary["classes_covered_mean"] = g["classes_covered"].mean()
    summary["num_classes"] = g["num_classes"].max()
    summary["kl_uniform_mean"] = g["kl_uniform"].mean()
    summary["mode_collapse"] = g["mode_collapse"].apply(lambda s: int((s == True).sum()))  # noqa: E712
    summary["wall_time_s_mean"] = g_all["wall_time_s"].mean()
    summary["throughput_samples_per_s_mean"] = g["throughput_samples_per_s"].mean()
    summary["params"] = g_all["params"].first()
    summary["test_size"] = g_all["test_size"].median()
    # Time-to-target: a cell reaches its target if every finished seed does.
    summary["target"] = g_all["target"].first()
    # (a cell with no finished seed reached it with none)
    summary["target_reached"] = g["target_seconds"].count().reindex(summary.index, fill_value=0)
    summary["target_seconds_mean"] = g["target_seconds"].mean()
    summary["target_epoch_mean"] = g["target_epoch"].mean()
    summary["target_steps_mean"] = g["target_steps"].mean()
    summary.loc[summary["target_reached"] < summary["ok"], ["target_seconds_mean",
                "target_epoch_mean", "target_steps_mean"]] = np.nan  # fmt: skip
    # Seconds mean something only on one kind of CPU (`cpu_id`): a cell whose seeds ran on
    # several has none, and `cpu_id` names the kind where there is one.
    kinds = g_all["cpu_id"].agg(lambda s: s.dropna().unique().tolist())
    summary["cpu_id"] = kinds.map(lambda k: k[0] if len(k) == 1 else None)
    summary.loc[summary["cpu_id"].isna(), "target_seconds_mean"] = np.nan
    summary = summary.reset_index()
    summary["effect_vs_none"] = _effect_vs_none(summary)
    levels = {key: chance(sub) for key, sub in results.groupby(["model", "dataset"], sort=False)}
    summary["chance"] = [levels[k] for k in zip(summary["model"], summary["dataset"], strict=True)]
    summary["at_chance"] = summary.apply(at_chance, axis=1)
    return sort_frame(summary)


def same_optimizer(row: str) -> tuple[str, str]:
    """A table row as the optimizer and schedule it is, whatever values tuning chose for it
    (`adam:lr=0.01 @ cosine` -> ("adam", "cosine")): cells tuned apart compare as one."""
    optimizer, schedule = split_row_label(row)
    return untuned(optimizer), schedule


def optimizer_name(row: str) -> str:
    """A row's optimizer by name, under its schedule: `adam:lr=0.01 @ cosine` -> `adam @
    cosine` (what a solver, or a cell across machines, is)."""
    return row_label(*same_optimizer(row))


def _effect_vs_none(summary: pd.DataFrame) -> list[float]:
    """Headline-metric mean minus that of `none` with the same model and optimizer (each at
    its own tuned rate, where tuned; NaN where that is not one cell)."""
    out = []
    rows = summary["optimizer"].map(same_optimizer)
    for i, row in summary.iterrows():
        col = f"{task(row['task']).column}_mean"
        base = summary[(summary["model"] == row["model"]) & (rows == rows[i])
                       & (summary["regularizer"] == "none")]  # fmt: skip
        exact = base[base["optimizer"] == row["optimizer"]]
        base = exact if len(exact) or not task(row["task"]).tunable else base  # untuned: settings
        known = len(base) == 1 and row["regularizer"] != "none"
        out.append(row[col] - base[col].iloc[0] if known else np.nan)
    return out
