"""Assembles a report from a folder of trial records: findings first, then a section per
model (its table, the leading group, regularizer effects, time-to-target, tuning, plots),
performance profiles and provenance; written as README.md and as the same report in one
self-contained page, index.html (`zoo.report.document`), with results.csv and summary.csv.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zoo.bench.campaign import load_records
from zoo.bench.decide.tune import read_tuning
from zoo.bench.output.layout import Layout
from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store
from zoo.bench.run.provenance import BACKENDS
from zoo.report import plots
from zoo.report.axes import axes_sections
from zoo.report.claims import Table
from zoo.report.document import Document
from zoo.report.findings import findings
from zoo.report.frames import results_frame, summary_frame
from zoo.report.profiles import problem_times
from zoo.report.scope import earlier_protocol, scope_section
from zoo.report.sections import backend_section, model_sections, profile_table


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


def _provenance(records: list[TrialRecord], run: dict[str, Any]) -> list[str]:
    envs = [r.env for r in records]
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
        f"{sum(r.wall_time_s or 0 for r in records) / 60:.1f} min{wall}; efficiency "
        f"{eff:.2f} (steady-state training time over total trial time: the rest is building, "
        "tracing, evaluation and checkpoints)",
        _counted(Counter(_software(e) for e in envs)),
        "Hardware: " + _counted(Counter(_machine(e) for e in envs)),
        "Git commit: " + _counted(commits),
    ]
    return lines


def busy_time(records: list[TrialRecord]) -> float:
    """Seconds during which at least one of `records`' trials was running: the length of the
    union of their start-to-finish spans (a run resumed over several sessions, gaps left out)."""
    spans = sorted(
        (datetime.fromisoformat(r.started_at), datetime.fromisoformat(r.finished_at))
        for r in records
        if r.started_at and r.finished_at
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


def efficiency(records: list[TrialRecord]) -> float:
    """Steady-state training time over total trial time, summed over `records`.

    A trial's steady-state time is its epochs at the median speed of its epochs after the
    first (the first pays for tracing); a one-epoch trial counts its one epoch.
    """
    steady = wall = 0.0
    for r in records:
        times = r.curve("epoch_time_s")
        if not times or not r.wall_time_s:
            continue
        later = times[1:] or times
        steady += len(times) * float(np.median(later))
        wall += r.wall_time_s
    return steady / wall if wall else math.nan


def _tuning(out: Path, run: dict[str, Any]) -> dict[str, Any] | None:
    """The last run's tuning.json, if that run tuned (a stale file is ignored)."""
    path = Layout(out).tuning_file
    if not run.get("tuning_hashes") or not path.is_file():
        return None
    return read_tuning(path)


@dataclass
class Part:
    """The trials of one backend (all of them when a report has one backend)."""

    backend: str | None
    records: list[TrialRecord]
    results: pd.DataFrame
    summary: pd.DataFrame


def _parts(records: list[TrialRecord], results: pd.DataFrame) -> list[Part]:
    """One part per backend when the trials ran under several, else one for all."""
    backends = sorted(results["backend"].dropna().unique(), key=lambda b: (b not in BACKENDS,
                      BACKENDS.index(b) if b in BACKENDS else 0, b))  # fmt: skip
    parts = []
    for backend in backends if len(backends) > 1 else [None]:
        recs = [r for r in records if backend is None or r.backend == backend]
        res = results_frame(recs)
        summary = summary_frame(res).assign(backend=backend or "".join(backends[:1]))
        parts.append(Part(backend, recs, res, summary))
    return parts


def write_report(out: str | Path, *, warn=print, margin: float | None = None) -> Path:
    """Write the report for the records in `<out>/results/`: README.md and the same report
    as `index.html`; return the README path. `margin`: the equivalence margin, in the
    headline metric's units (default: the test split's binomial noise floor)."""
    out, layout = Path(out), Layout(out)
    records, run = load_records(out, warn)
    every = records  # tuning's candidates included: the run's efficiency counts them
    tuning = _tuning(out, run)
    racing = json.loads(layout.racing_file.read_text()) \
        if run and layout.racing_file.is_file() else None  # fmt: skip
    by_hash = {r.config_hash: r for r in records}
    if run.get("trial_hashes"):  # the grid's trials; tuning's other learning rates go apart
        grid = set(run["trial_hashes"])
        records = [r for r in records if r.config_hash in grid] or records
    results = results_frame(records)
    parts = _parts(records, results)
    summary = pd.concat([p.summary for p in parts], ignore_index=True)
    results.to_csv(layout.results_csv, index=False)
    summary.to_csv(layout.summary_csv, index=False)
    layout.plots.mkdir(exist_ok=True)
    doc = Document(f"Benchmark report: {out.name}")
    if run.get("description"):  # what the profile is for, before any number
        doc.paragraph(f"Profile `{run.get('profile')}`: {run['description']}.")
    scope_section(doc, _tables(parts), tuning, bool(racing and racing.get("rounds")))
    _findings_section(doc, parts, tuning, margin)
    _about_section(doc, every, run)
    for p in parts:
        model_sections(doc, p.records, p.results, p.summary, tuning, by_hash, Store(out),
                       layout.plots, p.backend, racing, margin)  # fmt: skip
    axes_sections(doc, run, by_hash, tuning)  # budget axis, self-tuning arm (their grids')
    backends = [p.backend for p in parts if p.backend]
    if backends:
        backend_section(doc, summary, backends)
    _profiles_section(doc, summary, bool(backends), layout.plots)
    _failed_section(doc, results)
    layout.readme.write_text(doc.markdown(out))
    layout.html.write_text(doc.html(), encoding="utf-8")
    for stale in set(layout.plots.glob("*.png")) - doc.image_paths():  # an older report's
        stale.unlink()
    return layout.readme


def _each_table(parts: list[Part]):
    """(title, part, model, data set, its results rows) of every report table, in the order
    the sections show them (a model on a data set, per backend)."""
    for p in parts:
        tag = f" ({p.backend})" if p.backend else ""
        for (model, dataset), sub in p.results.groupby(["model", "dataset"], sort=False):
            yield f"{model} on {dataset}{tag}", p, model, dataset, sub


def _tables(parts: list[Part]) -> dict[str, list[TrialRecord]]:
    """Each report table's records by its title."""
    return {title: [r for r in p.records if (r.model, r.dataset) == (model, dataset)]
            for title, p, model, dataset, _ in _each_table(parts)}  # fmt: skip


def _findings_section(doc: Document, parts: list[Part], tuning, margin=None) -> None:
    tables, summaries = [], {}
    for title, p, model, _, sub in _each_table(parts):
        tables.append(Table(title, sub, margin=margin))
        summaries[title] = p.summary[p.summary["model"] == model]
    doc.heading("Findings")
    doc.paragraph(
        "Written from the tables below. A difference is claimed only where a t-test at 5% "
        "(paired on the seeds two cells share, else Welch's), Holm-corrected over the "
        "comparisons of its kind in its table, supports it."
    )
    doc.bullets(findings(tables, summaries, tuning))


def _about_section(doc: Document, records: list[TrialRecord], run: dict[str, Any]) -> None:
    doc.heading("About this run")
    doc.bullets(_provenance(records, run))
    for part in (run.get("notes") or "").strip().split("\n\n"):
        if part.strip():  # the profile's own account of what it chose and why
            doc.paragraph(" ".join(part.split()))
    doc.paragraph(
        "Each cell is the model's headline metric, mean over seeds ± the half-width of its 95% "
        "confidence interval (Student's t), of one optimizer (row; `adam @ cosine`: under a "
        "learning-rate schedule) with one regularizer (column); the best cell is in bold "
        "(with the seed count where cells have different counts), and the sentence under each "
        "table names the leader and whether it is separated from every other cell (a t-test, "
        "paired on shared seeds, Holm-corrected over the table's comparisons). "
        "Classifiers: **test accuracy** (higher is better), trained on the training split, "
        f"monitored on a seeded validation split carved from it, {_tested(records)} "
        "GANs: **FID** (lower is better) and class coverage, see their section. "
        "`—`: not run; `diverged`: a loss became NaN/inf or exploded (over 100 times a "
        "chance-level predictor's); `(at chance)`: the cell is not better than chance "
        "(1/classes, 0.5 for a binary task, a GAN's untrained generator's FID) beyond its 95% "
        "interval. All numbers are in `results.csv` (one row per trial) and "
        "`summary.csv` (one row per configuration)."
    )


def _tested(records: list[TrialRecord]) -> str:
    """How the classifiers' trials were tested and what the decisions read."""
    if earlier_protocol(records):
        return ("tested at the last epoch, with racing on the test split (the earlier "
                "protocol, see Scope).")  # fmt: skip
    return ("tested at each trial's best validation epoch (`best_epoch` in `results.csv`; "
            "`test_accuracy_last` there is the last epoch's); every decision (tuning, racing, "
            "the epoch) read validation only.")  # fmt: skip


def _profiles_section(doc: Document, summary: pd.DataFrame, multi: bool, plot_dir: Path) -> None:
    """Performance profiles, where two or more optimizers have times to a target."""
    if multi:
        summary = summary.assign(model=summary["model"] + " (" + summary["backend"] + ")")
    times = problem_times(summary)
    if times.empty or times.shape[1] < 2:
        return
    doc.heading("Performance profiles")
    doc.paragraph(
        "AlgoPerf-style: a problem is a model with a regularizer, and each optimizer's time "
        "to its target, in optimizer steps (a count that means the same on any machine), is "
        "divided by the fastest optimizer's on that problem. A curve shows "
        "the share of problems an optimizer solved within tau times the best time: its "
        "value at tau = 1 is how often it was fastest, at the right how often it reached "
        "the target at all. Every optimizer shown ran every problem listed: of such sets, "
        "the one with the most problem-optimizer pairs (an optimizer left out did not run "
        "all of these problems). "
        f"Problems: {', '.join(f'{m} + {r}' for m, r in times.index)}."
    )
    doc.table(profile_table(times))
    doc.images([plots.performance_profiles(times, plot_dir / "performance_profiles.png")])


def _failed_section(doc: Document, results: pd.DataFrame) -> None:
    failed = results[results["status"] == "failed"]
    if not failed.empty:
        doc.heading("Failed trials")
        doc.bullets(
            f"`{r.config_hash}` {r.model} {r.optimizer} {r.regularizer} seed {r.seed}: {r.error}"
            for r in failed.itertuples()
        )
