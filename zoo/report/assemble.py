"""Assembles a report from a folder of trial records: findings first, then a section per
model (its table, the leading group, regularizer effects, time-to-target, tuning, plots),
performance profiles and provenance; written as README.md and as the same report in one
self-contained page, index.html (`zoo.report.document`), with results.csv and summary.csv.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zoo.bench.campaign import load_records
from zoo.bench.layout import Layout
from zoo.bench.store import Store
from zoo.report import plots
from zoo.report.document import Document
from zoo.report.findings import Table, findings, leading_group
from zoo.report.profiles import performance_profile, problem_times
from zoo.report.tables import (
    best_row,
    fmt_cell,
    headline,
    metric_table,
    results_frame,
    summary_frame,
    time_to_target_table,
    value_table,
)
from zoo.specs.schedules import row_label


def _commit(env: dict[str, Any]) -> str:
    """The git commit that made a record, or, for an installed package, its version."""
    if not env.get("git_commit"):
        return f"none: installed package zoo {env.get('zoo', 'unknown')}"
    return env["git_commit"][:12] + (" (uncommitted changes)" if env.get("git_dirty") else "")


def _provenance(records: list[dict[str, Any]], run: dict[str, Any]) -> list[str]:
    envs = [r.get("env", {}) for r in records]
    first = envs[0] if envs else {}
    commits = sorted({_commit(e) for e in envs})
    lines = []
    if run:
        lines.append(f"Command: `{run.get('command', '')}`")
        lines.append(f"Suite `{run.get('suite')}`, profile `{run.get('profile')}`")
    wall = run.get("wall_time_s")
    wall = f"; the run's wall time {wall / 60:.1f} min" if wall else ""
    eff = efficiency(records)
    lines += [
        f"Trials: {len(records)}; total trial time "
        f"{sum(r.get('wall_time_s') or 0 for r in records) / 60:.1f} min{wall}; efficiency "
        f"{eff:.2f} (steady-state training time over total trial time: the rest is building, "
        "tracing, evaluation and checkpoints)",
        f"Keras {first.get('keras')} on {first.get('backend')} "
        f"{first.get(first.get('backend', ''), '')}, Python {first.get('python')}",
        f"Hardware: {first.get('cpu')} ({first.get('cpu_count')} cores)"
        + (f", GPU: {', '.join(first['gpu'])}" if first.get("gpu") else ", no GPU"),
        f"Git commit: {', '.join(commits)}",
    ]
    return lines


def efficiency(records: list[dict[str, Any]]) -> float:
    """Steady-state training time over total trial time, summed over `records`.

    A trial's steady-state time is its epochs at the median speed of its epochs after the
    first (the first pays for tracing); a one-epoch trial counts its one epoch.
    """
    steady = wall = 0.0
    for r in records:
        times = (r.get("history") or {}).get("epoch_time_s") or []
        if not times or not r.get("wall_time_s"):
            continue
        later = times[1:] or times
        steady += len(times) * float(np.median(later))
        wall += r["wall_time_s"]
    return steady / wall if wall else math.nan


def _extra_tables(doc: Document, summary, model: str, gan: bool) -> None:
    """Each regularizer's effect against `none`, and (classifiers) the generalization gap."""
    effect = value_table(summary, model, "effect_vs_none", 1 if gan else 4, signed=True)
    if effect is not None:
        unit = "FID (negative: better)" if gan else "test accuracy (positive: better)"
        doc.paragraph(
            f"Effect of each regularizer against `none` with the same optimizer, in {unit}:"
        )
        doc.table(effect)
    gap = None if gan else value_table(summary, model, "generalization_gap_mean", 4)
    if gap is not None:
        doc.paragraph("Generalization gap, final training minus validation accuracy (larger: "
                      "more overfitting):")  # fmt: skip
        doc.table(gap)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _gan_legend(sub) -> str:
    n = sub["fid_samples"].dropna()
    shown = f"{int(n.iloc[0]):,} generated images" if len(n) else "generated images"
    return (
        f"Cells: **FID** (lower is better) between {shown} and as many real test images, "
        "in the feature space of the shipped Fashion-MNIST classifier (`zoo/weights`), then "
        "the classes covered: classes that get at least 1% of the generated images by that "
        "classifier. `collapsed`: at most half the classes covered (mode collapse). FIDs from "
        "different sample counts are not comparable."
    )


def _best_and_worst(summary, results, model: str, results_dir: Path) -> list[tuple[str, Path]]:
    """(title, PNG) of the sample grids of the best and the worst configuration by FID."""
    scored = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    if scored.empty:
        return []
    best = best_row(summary, model)
    worst = scored.loc[scored["fid_mean"].idxmax()]
    panels = []
    for title, row in (("best", best), ("worst", worst)):
        runs = results[
            (results["model"] == model)
            & (results["optimizer"] == row["optimizer"])
            & (results["regularizer"] == row["regularizer"])
            & (results["status"] == "ok")
        ].dropna(subset=["samples_png"])
        if runs.empty:
            continue
        run = runs.iloc[0]  # the lowest seed
        label = (
            f"{title}: {row['optimizer']} + {row['regularizer']}\n"
            f"FID {row['fid_mean']:.1f} (seed {run['seed']})"
        )
        panels.append((label, results_dir / run["samples_png"]))
        if best.name == worst.name:
            break
    return panels


def _tuning(out: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """The last run's tuning.json, if that run tuned (a stale file is ignored)."""
    path = Layout(out).tuning_file
    if not run.get("tuning_hashes") or not path.is_file():
        return None
    return json.loads(path.read_text())


def _tuned_section(doc: Document, tuning, model: str, summary, by_hash) -> None:
    """Each tuned cell: the rates tried (validation accuracy, one seed), the default rate's
    one-seed test accuracy, and the tuned cell as the model's table shows it."""
    cells = [c for c in tuning["cells"] if c["model"] == model and "chosen_lr" in c]
    if not cells:
        return
    rows = []
    for c in cells:
        first = by_hash.get(c["chosen_hashes"][0]) if c["chosen_hashes"] else None
        chosen = row_label(first["labels"]["optimizer"], first["labels"].get("schedule")) \
            if first else None  # fmt: skip
        tuned = summary[(summary["model"] == model) & (summary["optimizer"] == chosen)
                        & (summary["regularizer"] == c["regularizer"])]  # fmt: skip
        default = [by_hash.get(x["config_hash"]) for x in c["candidates"]
                   if x["lr"] == c["default_lr"]]  # fmt: skip
        acc = ((default[0] or {}).get("test") or {}).get("accuracy") if default else None
        tried = ", ".join(
            f"{x['lr']:g}: {x['val_accuracy']:.3f}" if x["val_accuracy"] is not None
            else f"{x['lr']:g}: —"
            for x in c["candidates"]
        )  # fmt: skip
        rows.append({
            "optimizer": c["optimizer"],
            "regularizer": c["regularizer"],
            "default lr": f"{c['default_lr']:g}",
            "default lr: test accuracy (seed 0)": f"{acc:.4f}" if acc is not None else "—",
            "tuned lr": f"{c['chosen_lr']:g}",
            "tuned: test accuracy": fmt_cell(tuned.iloc[0]) if len(tuned) else "not run",
            "validation accuracy per lr tried (seed 0)": tried,
        })  # fmt: skip
    table = pd.DataFrame(rows).set_index("optimizer")
    doc.paragraph(
        f"Tuned learning rates, budget **{tuning['budget']}**: {tuning['rule']}. The test split "
        "plays no part in the choice. The table above shows each tuned cell at its chosen "
        "rate; here are the rates tried and the default rate's one-seed result:"
    )
    doc.table(table)


def _profile_table(times) -> pd.DataFrame:
    """rho(tau) at a few tau for each optimizer: share of problems solved within tau x best."""
    taus = [1.0, 1.5, 2.0, 4.0, math.inf]
    rho = performance_profile(times, np.array(taus))
    table = rho.T.map(lambda v: f"{v:.2f}")
    table.columns = [f"tau = {t:g}" if math.isfinite(t) else "reached at all" for t in taus]
    table.index.name = "optimizer"
    return table


def _racing_note(racing, model: str, dataset: str, backend) -> str | None:
    """Which cells racing gave more seeds, and why each stopped."""
    for table in (racing or {}).get("tables", []):
        if table["model"] != model or table["dataset"] != dataset:
            continue
        if backend and table.get("backend") not in (None, backend):
            continue
        cells = table["cells"].values()
        first = min(c["min_seeds"] for c in cells)
        raced = [c for c in cells if c["seeds"] > first]
        if not any(c["max_seeds"] > first for c in cells):
            return None
        top = max(c["max_seeds"] for c in cells)
        text = (f"Racing (seeds {first}..{top}): every cell got {first} seeds, then the leader "
                "and every cell not separated from it one more per round.")  # fmt: skip
        if raced:
            text += " More seeds: " + "; ".join(
                f"`{c['label'].split(' ', 1)[1]}` {c['seeds']} ({c['state']})" for c in raced
            ) + "."  # fmt: skip
        return text
    return None


def _model_sections(doc, records, results, summary, tuning, by_hash, store, plot_dir, backend,
                    racing=None):  # fmt: skip
    """One section per model: table, leading group, time-to-target, tuning, plots."""
    tag = f" ({backend})" if backend else ""
    stem = f"_{backend}" if backend else ""
    for (model, dataset), sub in results.groupby(["model", "dataset"], sort=False):
        first = sub.iloc[0]
        gan = first["task"] == "generation"
        metric = "fid" if gan else "accuracy"
        doc.heading(f"{model} on {dataset}{tag}")
        doc.paragraph(
            f"{int(first['train_size'])} training examples, {int(first['test_size'])} test "
            f"examples, {_plural(int(first['epochs']), 'epoch')}, "
            f"batch size {int(first['batch_size'])}, "
            f"{int(first['params']):,} parameters; seeds: "
            f"{', '.join(map(str, sorted(sub['seed'].unique())))}."
        )
        if gan:
            doc.paragraph(_gan_legend(sub))
        doc.table(metric_table(summary, model))
        title = f"{model} on {dataset}{tag}"
        if line := leading_group(Table(title, sub)):
            doc.paragraph(line[0].upper() + line[1:])
        if racing_note := _racing_note(racing, model, dataset, backend):
            doc.paragraph(racing_note)
        _extra_tables(doc, summary, model, gan)
        ttt = time_to_target_table(summary, model)
        if ttt is not None:
            target = summary[summary["model"] == model]["target"].dropna().iloc[0]
            doc.paragraph(
                f"Time to target: training seconds (and epochs) until validation accuracy first "
                f"reached **{target:g}**, mean over seeds; a configuration reaches it only if "
                "every seed does. Fastest first:"
            )
            doc.table(ttt)
        if tuning:
            _tuned_section(doc, tuning, model, summary, by_hash)
        name = f"{model}{stem}"
        figs = [
            plots.final_metric(results, model, plot_dir / f"{name}_final_{metric}.png"),
            plots.heatmap(summary, model, plot_dir / f"{name}_heatmap.png"),
        ]
        if gan:
            figs.append(plots.gan_losses(records, model, plot_dir / f"{name}_losses.png"))
            samples = _best_and_worst(summary, results, model, store.results)
            if samples:
                path = plot_dir / f"{name}_samples.png"
                figs.append(plots.best_and_worst_samples(samples, model, path))
        else:
            path = plot_dir / f"{name}_learning_curves.png"
            figs.append(plots.learning_curves(records, model, path))
        doc.images(figs)


def _backend_section(doc: Document, summary, backends: list[str]) -> None:
    """The same configurations under each backend: headline metric and samples/s."""
    rows = []
    for (model, opt, reg), cell in summary.groupby(["model", "optimizer", "regularizer"],
                                                   sort=False):  # fmt: skip
        row = {"configuration": f"{model} {opt} + {reg}"}
        for b in backends:
            hit = cell[cell["backend"] == b]
            col = f"{headline(hit['task'].iloc[0]).column}_mean" if len(hit) else None
            row[f"{b}: metric"] = f"{hit[col].iloc[0]:.4f}" if col and hit["ok"].iloc[0] else "—"
            speed = hit["throughput_samples_per_s_mean"].iloc[0] if len(hit) else float("nan")
            row[f"{b}: samples/s"] = f"{speed:.0f}" if speed == speed else "—"
        rows.append(row)
    doc.heading("Backends compared")
    doc.paragraph(
        f"The same trials under {', '.join(backends)}: the headline metric (test accuracy, or "
        "FID for GANs; mean over seeds) and steady-state training samples/s (first epoch left "
        "out). Backends do not give bit-identical numbers: kernels and random streams differ."
    )
    doc.table(pd.DataFrame(rows).set_index("configuration"))


def write_report(out: str | Path, *, warn=print) -> Path:
    """Write the report for the records in `<out>/results/`: README.md and the same report
    as `index.html`; return the README path."""
    out = Path(out)
    store = Store(out)
    records, run = load_records(out, warn)
    every = records  # tuning's candidates included: the run's efficiency counts them
    tuning = _tuning(out, run)
    racing_file = Layout(out).racing_file
    racing = json.loads(racing_file.read_text()) if run and racing_file.is_file() else None
    by_hash = {r["config_hash"]: r for r in records}
    if run.get("trial_hashes"):  # the grid's trials; tuning's other learning rates go apart
        grid = set(run["trial_hashes"])
        records = [r for r in records if r["config_hash"] in grid] or records
    results = results_frame(records)
    order = ["tensorflow", "jax", "torch"]
    backends = sorted(results["backend"].dropna().unique(), key=lambda b: (b not in order,
                      order.index(b) if b in order else 0, b))  # fmt: skip
    multi = len(backends) > 1  # one section per model and backend, then a comparison
    parts = []
    for backend in backends if multi else [None]:
        recs = [r for r in records if backend is None or r.get("env", {}).get("backend") == backend]
        res = results_frame(recs)
        parts.append(
            (
                backend,
                recs,
                res,
                summary_frame(res).assign(backend=backend or "".join(backends[:1])),
            )
        )
    summary = pd.concat([p[3] for p in parts], ignore_index=True)
    layout = Layout(out)
    results.to_csv(layout.results_csv, index=False)
    summary.to_csv(layout.summary_csv, index=False)
    plot_dir = layout.plots
    plot_dir.mkdir(exist_ok=True)

    doc = Document(f"Benchmark report: {out.name}")
    tables, summaries = [], {}
    for backend, _, res, summ in parts:
        tag = f" ({backend})" if backend else ""
        for (model, dataset), sub in res.groupby(["model", "dataset"], sort=False):
            title = f"{model} on {dataset}{tag}"
            tables.append(Table(title, sub))
            summaries[title] = summ[summ["model"] == model]
    doc.heading("Findings")
    doc.paragraph(
        "Written from the tables below. A difference is claimed only where Welch's test at 5%, "
        "Holm-corrected over the comparisons of its kind in its table, supports it."
    )
    doc.bullets(findings(tables, summaries, tuning))
    doc.heading("About this run")
    doc.bullets(_provenance(every, run))
    doc.paragraph(
        "Each cell is the model's headline metric, mean over seeds ± the half-width of its 95% "
        "confidence interval (Student's t), of one optimizer (row; `adam @ cosine`: under a "
        "learning-rate schedule) with one regularizer (column); the best cell is in bold "
        "(with the seed count where cells have different counts), and the sentence under each "
        "table names the leader and whether it is separated from every other cell (Welch's "
        "test, Holm-corrected over the table's comparisons). "
        "Classifiers: **test accuracy** (higher is better), trained on the training split, "
        "monitored on a seeded validation split carved from it, evaluated once on the test "
        "split. GANs: **FID** (lower is better) and class coverage, see their section. "
        "`—`: not run; `diverged`: a loss became NaN/inf or exploded (over 100 times a "
        "chance-level predictor's). All numbers are in `results.csv` (one row per trial) and "
        "`summary.csv` (one row per configuration)."
    )
    for backend, recs, res, summ in parts:
        _model_sections(doc, recs, res, summ, tuning, by_hash, store, plot_dir, backend,
                        racing)  # fmt: skip
    if multi:
        _backend_section(doc, summary, backends)
    profile_summary = summary.assign(model=summary["model"] + " (" + summary["backend"] + ")") \
        if multi else summary  # fmt: skip
    times = problem_times(profile_summary)
    if not times.empty and times.shape[1] > 1:
        doc.heading("Performance profiles")
        doc.paragraph(
            "AlgoPerf-style: a problem is a model with a regularizer, and each optimizer's time "
            "to its target is divided by the fastest optimizer's on that problem. A curve shows "
            "the share of problems an optimizer solved within tau times the best time: its "
            "value at tau = 1 is how often it was fastest, at the right how often it reached "
            f"the target at all. Problems: {', '.join(f'{m} + {r}' for m, r in times.index)}."
        )
        doc.table(_profile_table(times))
        doc.images([plots.performance_profiles(times, plot_dir / "performance_profiles.png")])
    failed = results[results["status"] == "failed"]
    if not failed.empty:
        doc.heading("Failed trials")
        doc.bullets(
            f"`{r.config_hash}` {r.model} {r.optimizer} {r.regularizer} seed {r.seed}: {r.error}"
            for r in failed.itertuples()
        )
    readme = layout.readme
    readme.write_text(doc.markdown(out))
    layout.html.write_text(doc.html(), encoding="utf-8")
    return readme
