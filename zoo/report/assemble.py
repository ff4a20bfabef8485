"""Assembles a report from a folder of trial records: findings first, then a section per
model (its table, the leading group, regularizer effects, time-to-target, tuning, plots),
performance profiles and provenance; written as README.md and as the same report in one
self-contained page, index.html (`zoo.report.document`), with results.csv and summary.csv.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zoo.bench.campaign import load_records
from zoo.bench.output.layout import Layout
from zoo.bench.output.store import Store
from zoo.report import plots
from zoo.report.document import Document
from zoo.report.findings import Table, findings
from zoo.report.profiles import problem_times
from zoo.report.sections import backend_section, model_sections, profile_table
from zoo.report.tables import (
    results_frame,
    summary_frame,
)


def _commit(env: dict[str, Any]) -> str:
    """The git commit that made a record, or, for an installed package, its version."""
    if not env.get("git_commit"):
        return f"none: installed package zoo {env.get('zoo', 'unknown')}"
    return env["git_commit"][:12] + (" (uncommitted changes)" if env.get("git_dirty") else "")


def _machine(env: dict[str, Any]) -> str:
    """The hardware that made a record: CPU (with what decides its kernels), cores, GPUs."""
    cpu = env.get("cpu") or "unknown CPU"
    if env.get("cpu_id") and env["cpu_id"] != cpu:
        cpu += f" [{env['cpu_id']}]"
    gpu = f", GPU: {', '.join(env['gpu'])}" if env.get("gpu") else ", no GPU"
    return f"{cpu} ({env.get('cpu_count')} cores){gpu}"


def _software(env: dict[str, Any]) -> str:
    """The software that made a record: Keras, its backend and Python, with versions."""
    backend = env.get("backend", "")
    return (f"Keras {env.get('keras')} on {backend} {env.get(backend, '')}, "
            f"Python {env.get('python')}")  # fmt: skip


def _counted(counts: Counter) -> str:
    """One value, or each with its trial count (a report whose trials mixed commits or
    machines: a run resumed elsewhere), most trials first."""
    if len(counts) < 2:
        return ", ".join(counts)
    return "; ".join(f"{c} ({n} trial{'s' * (n != 1)})" for c, n in counts.most_common())


def _provenance(records: list[dict[str, Any]], run: dict[str, Any]) -> list[str]:
    envs = [r.get("env", {}) for r in records]
    commits = Counter(_commit(e) for e in envs)
    lines = []
    if run:
        lines.append(f"Command: `{run.get('command', '')}`")
        lines.append(f"Suite `{run.get('suite')}`, profile `{run.get('profile')}`")
    wall = run.get("wall_time_s")
    if wall and run.get("skipped"):  # resumed: its wall time covers the last call only
        busy = busy_time(records)
        wall = (f"; they ran over {busy / 3600:.1f} h of wall time (the union of their "
                "start-to-finish spans, across resumed calls); the last `zoo bench` call "
                + (f"ran {run.get('ran')} of them in {wall / 60:.1f} min" if run.get("ran")
                   else "found every trial done and wrote this report"))  # fmt: skip
    else:
        wall = f"; the run's wall time {wall / 60:.1f} min" if wall else ""
    eff = efficiency(records)
    lines += [
        f"Trials: {len(records)}; total trial time "
        f"{sum(r.get('wall_time_s') or 0 for r in records) / 60:.1f} min{wall}; efficiency "
        f"{eff:.2f} (steady-state training time over total trial time: the rest is building, "
        "tracing, evaluation and checkpoints)",
        _counted(Counter(_software(e) for e in envs)),
        "Hardware: " + _counted(Counter(_machine(e) for e in envs)),
        "Git commit: " + _counted(commits),
    ]
    return lines


def busy_time(records: list[dict[str, Any]]) -> float:
    """Seconds during which at least one of `records`' trials was running: the length of the
    union of their start-to-finish spans (a run resumed over several sessions, gaps left out)."""
    spans = sorted(
        (datetime.fromisoformat(r["started_at"]), datetime.fromisoformat(r["finished_at"]))
        for r in records
        if r.get("started_at") and r.get("finished_at")
    )
    total, end = 0.0, None
    for start, finish in spans:
        if end is None or start > end:
            total += (finish - start).total_seconds()
            end = finish
        elif finish > end:
            total += (finish - end).total_seconds()
            end = finish
    return total


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


def _tuning(out: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """The last run's tuning.json, if that run tuned (a stale file is ignored)."""
    path = Layout(out).tuning_file
    if not run.get("tuning_hashes") or not path.is_file():
        return None
    return json.loads(path.read_text())


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
    for part in (run.get("notes") or "").strip().split("\n\n"):
        if part.strip():  # the profile's own account of what it chose and why
            doc.paragraph(" ".join(part.split()))
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
        model_sections(doc, recs, res, summ, tuning, by_hash, store, plot_dir, backend,
                        racing)  # fmt: skip
    if multi:
        backend_section(doc, summary, backends)
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
        doc.table(profile_table(times))
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
