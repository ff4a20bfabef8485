"""The sections of a report: per model its table, leading group, regularizer effects,
generalization gap, time-to-target, tuning and racing notes and plots; the backends compared;
the performance profiles' table. `zoo.report.assemble` puts them in order.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from zoo.report import plots
from zoo.report.claims import Table
from zoo.report.document import Document
from zoo.report.findings import one_cpu
from zoo.report.leading import leading_cells, leading_group
from zoo.report.profiles import performance_profile
from zoo.report.summary_plot import summary_dots
from zoo.report.tables import (
    best_row,
    metric_table,
    time_to_target_table,
    value_table,
)
from zoo.report.tuning import tuning_section
from zoo.specs import tasks
from zoo.specs.tasks import Task


def _extra_tables(doc: Document, summary, model: str, t: Task) -> None:
    """Each regularizer's effect against `none`, and (with a validation metric) the
    generalization gap."""
    effect = value_table(summary, model, "effect_vs_none", t.digits, signed=True)
    if effect is not None:
        unit = f"{t.label} ({'positive' if t.higher_is_better else 'negative'}: better)"
        doc.paragraph(
            f"Effect of each regularizer against `none` with the same optimizer, in {unit}: the "
            "difference of the two cells' means over all their seeds (the findings compare "
            "the seeds two cells share):"
        )
        doc.table(effect)
    gap = value_table(summary, model, "generalization_gap_mean", 4) if t.validation else None
    if gap is not None:
        doc.paragraph(f"Generalization gap, final training minus validation {t.metric} "
                      "(larger: more overfitting):")  # fmt: skip
        doc.table(gap)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _gan_legend(sub, summary, model: str) -> str:
    n = sub["fid_samples"].dropna()
    shown = f"{int(n.iloc[0]):,} generated images" if len(n) else "generated images"
    text = (
        f"Cells: **FID** (lower is better) between {shown} and as many real test images, "
        "in the feature space of the shipped Fashion-MNIST classifier (`zoo/weights`), then "
        "the classes covered: classes that get at least 1% of the generated images by that "
        "classifier. `collapsed`: at most half the classes covered (mode collapse). FIDs from "
        "different sample counts are not comparable."
    )
    best = best_row(summary, model)
    if best is None or "fid_untrained" not in sub:
        return text
    cell = sub[
        (sub["optimizer"] == best["optimizer"]) & (sub["regularizer"] == best["regularizer"])
    ]
    untrained = cell["fid_untrained"].dropna()
    if len(untrained) and best["fid_mean"] == best["fid_mean"]:
        text += (
            f" For scale: the best cell's generators score FID {untrained.mean():.1f} before "
            f"training (mean of {_plural(len(untrained), 'trial')}), and "
            f"{best['fid_mean']:.1f} trained: {best['fid_mean'] / untrained.mean():.3f} of that."
        )
    return text


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
        run = runs.iloc[0]  # the lowest seed with a grid
        label = (
            f"{title}: {row['optimizer']} + {row['regularizer']}\n"
            f"seed {run['seed']}: FID {run['fid']:.1f} (cell mean {row['fid_mean']:.1f})"
        )
        panels.append((label, results_dir / run["samples_png"]))
        if best.name == worst.name:
            break
    return panels


def profile_table(times) -> pd.DataFrame:
    """rho(tau) at a few tau for each optimizer: share of problems solved within tau x best."""
    taus = [1.0, 1.5, 2.0, 4.0, math.inf]
    rho = performance_profile(times, np.array(taus))
    table = rho.T.map(lambda v: f"{v:.2f}")
    table.columns = [f"tau = {t:g}" if math.isfinite(t) else "reached at all" for t in taus]
    table.index.name = "optimizer"
    return table


def _state(state: str) -> str:
    """A racing state as reports word it (runs before 0.2.0 wrote `tied at N`: not separated
    is not equal)."""
    return state.replace("tied at", "not separated at")


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
                "and every cell not separated from it one more per round; the states below are "
                "racing's own decisions, on the scores it read after each round, not the test "
                "scores of the final seeds that the sentence above is about.")  # fmt: skip
        if raced:
            text += " More seeds: " + "; ".join(
                f"`{c['label'].split(' ', 1)[1]}` {c['seeds']} ({_state(c['state'])})"
                for c in raced) + "."  # fmt: skip
        return text
    return None


def model_sections(doc, records, results, summary, tuning, by_hash, store, plot_dir, backend,
                    racing=None, margin=None):  # fmt: skip
    """One section per model: table, leading group, time-to-target, tuning, plots."""
    tag = f" ({backend})" if backend else ""
    for (model, dataset), sub in results.groupby(["model", "dataset"], sort=False):
        t = tasks.task(sub.iloc[0]["task"])
        title = f"{model} on {dataset}{tag}"
        _model_header(doc, title, sub, summary, model, t)
        if line := leading_group(Table(title, sub, margin=margin)):
            doc.paragraph(line[0].upper() + line[1:])
        if racing_note := _racing_note(racing, model, dataset, backend):
            doc.paragraph(racing_note)
        _extra_tables(doc, summary, model, t)
        _time_to_target(doc, summary, model, t)
        name = f"{model}_{backend}" if backend else model
        if tuning:
            tuning_section(doc, tuning, model, summary, by_hash, t, (plot_dir, name))
        figs = _figures(doc, records, results, summary, store, plot_dir, model, name, t)
        if (sub["status"] == "ok").any():
            figs.insert(0, summary_dots(summary, model, *leading_cells(Table(title, sub)),
                                        plot_dir / f"{name}_summary.png"))  # fmt: skip
        doc.images(figs)


def _model_header(doc: Document, title: str, sub, summary, model: str, t: Task) -> None:
    """The model's heading, its data, budget and size (read off a trial that ran: a failed
    one may have none of them), and its table."""
    ran = sub[sub["status"] != "failed"]
    first = (ran if len(ran) else sub).iloc[0]

    def count(column: str) -> str:
        return f"{int(first[column]):,}" if pd.notna(first[column]) else "?"

    doc.heading(title)
    doc.paragraph(
        f"{count('train_size').replace(',', '')} training examples, "
        f"{count('test_size').replace(',', '')} test examples, "
        f"{_plural(int(first['epochs']), 'epoch')}, batch size {int(first['batch_size'])}, "
        f"{_params(ran if len(ran) else sub)}; seeds: "
        f"{', '.join(map(str, sorted(sub['seed'].unique())))}."
    )
    if t.generative:
        doc.paragraph(_gan_legend(sub, summary, model))
    doc.table(metric_table(summary, model))


def _params(sub: pd.DataFrame) -> str:
    """The model's parameter count, per regularizer where they differ (batch norm, spectral
    norm and dropout layers change it): `35,594 parameters` or `1,2 (none), ... parameters`."""
    counts = sub.dropna(subset=["params"]).groupby("regularizer", sort=False)["params"].first()
    if counts.empty:
        return "? parameters"
    if counts.nunique() == 1:
        return f"{int(counts.iloc[0]):,} parameters"
    return "parameters: " + ", ".join(f"{int(n):,} ({reg})" for reg, n in counts.items())


def _time_to_target(doc: Document, summary, model: str, t: Task) -> None:
    mine = summary[summary["model"] == model]
    cpu = one_cpu(mine)
    ttt = time_to_target_table(summary, model, cpu)
    if ttt is None:
        return
    target = mine["target"].dropna().iloc[0]
    seconds = (
        f"; training seconds too, every trial having run on one kind of CPU ({cpu})"
        if cpu
        else "; no seconds: these trials ran on more than one kind of CPU, and seconds are "
        "compared only between trials on the same kind"
    )
    doc.paragraph(
        f"Time to target: epochs and optimizer steps until validation {t.metric} first "
        f"reached **{target:g}**, mean over seeds{seconds}. A configuration reaches it only "
        "if every seed does. Fastest first:"
    )
    doc.table(ttt)


def _figures(doc, records, results, summary, store, plot_dir, model, name, t: Task) -> list:
    """The model's figures after its summary: the heatmap, and learning curves (a GAN: its
    losses and the best and worst cells' sample grids)."""
    figs = [plots.heatmap(summary, model, plot_dir / f"{name}_heatmap.png")]
    if not any(r.history for r in records if r.model == model):
        return figs  # no trial trained an epoch: no curves to draw
    if not t.generative:
        figs.append(plots.learning_curves(records, model, plot_dir / f"{name}_learning_curves.png"))
        return figs
    figs.append(plots.gan_losses(records, model, plot_dir / f"{name}_losses.png"))
    # A grid a record names but that is not beside it (records copied without their PNGs)
    # counts as no grid.
    pngs = results[results["model"] == model]["samples_png"].dropna()
    kept = {png for png in pngs if (store.results / png).is_file()}
    if missing := len(pngs) - len(kept):
        doc.paragraph(
            f"The sample grids of {missing} of these {len(pngs)} trials are not in "
            "`results/` (their records were kept without them), so the samples "
            "figure, where there is one, shows the lowest seed whose grid is there."
        )
    kept_only = results.assign(samples_png=results["samples_png"].where(
        results["samples_png"].isin(kept)))  # fmt: skip
    samples = _best_and_worst(summary, kept_only, model, store.results)
    if samples:
        path = plot_dir / f"{name}_samples.png"
        figs.append(plots.best_and_worst_samples(samples, model, path))
    return figs


def backend_section(doc: Document, summary, backends: list[str]) -> None:
    """The same configurations under each backend: headline metric and samples/s."""
    rows = []
    for (model, opt, reg), cell in summary.groupby(["model", "optimizer", "regularizer"],
                                                   sort=False):  # fmt: skip
        row = {"configuration": f"{model} {opt} + {reg}"}
        for b in backends:
            hit = cell[cell["backend"] == b]
            col = f"{tasks.task(hit['task'].iloc[0]).column}_mean" if len(hit) else None
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
