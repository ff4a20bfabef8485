"""Matplotlib figures for a report: an optimizer x regularizer heatmap, learning curves, and
for GANs loss curves and best-versus-worst sample grids (each table's summary of means and
intervals: `zoo.report.summary_plot`). Every figure keeps its text inside and apart
(tests/report/test_figures.py)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from zoo.bench.output.record import TrialRecord  # noqa: E402
from zoo.report.frames import optimizer_order, regularizer_order  # noqa: E402
from zoo.report.profiles import performance_profile  # noqa: E402
from zoo.specs import tasks  # noqa: E402


def _colors(labels: list[str]) -> dict[str, Any]:
    cmap = plt.get_cmap("tab20" if len(labels) > 10 else "tab10")
    return {label: cmap(i % cmap.N) for i, label in enumerate(labels)}


def _panels(n: int, **kwargs):
    """A figure with `n` panels (one per regularizer), at most four per row."""
    ncols = min(4, n)
    nrows = math.ceil(n / ncols)
    return plt.subplots(nrows, ncols, figsize=(4 * ncols, 3.2 * nrows), squeeze=False, **kwargs)


def _finish_panels(fig, axes, n: int, ylabel: str, title: str, path: Path) -> Path:
    """Label the first column, hide unused panels, one legend for all panels, save."""
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    entries = {}  # every optimizer, whichever panels it appears in
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    fig.legend(list(entries.values()), list(entries.keys()), loc="center left",
               bbox_to_anchor=(1.0, 0.5), fontsize=8)  # fmt: skip
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def _epoch_axis(ax, epochs: int, share: bool | None = None) -> None:
    """Whole epochs on the x axis (every epoch ticked up to 12), half an epoch of margin; a
    share metric (`share`: its values lie in [0, 1]) spans at least 0.1, so the noise of a
    one- or two-epoch run is not blown up to fill the panel."""
    ax.set_xlim(0.5, epochs + 0.5)
    if epochs <= 12:
        ax.set_xticks(range(1, epochs + 1))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    low, high = ax.get_ylim()
    if share and high - low < 0.1:
        mid = min(max((low + high) / 2, 0.05), 0.95)
        ax.set_ylim(mid - 0.05, mid + 0.05)


def _mean_curve(curves: list[list[float]]) -> np.ndarray:
    n = max(map(len, curves))
    return np.nanmean(np.array([c + [np.nan] * (n - len(c)) for c in curves]), axis=0)


def learning_curves(records: list[TrialRecord], model: str, path: Path) -> Path:
    """The task's validation metric at every epoch, mean over seeds; one panel per
    regularizer (one epoch: markers only, on an axis at least 0.1 tall).

    Runs without a validation split (`val_size = 0`) show the training metric instead.
    """
    recs = [r for r in records if r.model == model and r.history]
    t = recs[0].task_info
    validated = any(r.curve(t.validation) for r in recs)
    metric = t.validation if validated else t.metric
    regs = regularizer_order(r.labels.regularizer for r in recs)
    opts = optimizer_order(r.row for r in recs)
    colors = _colors(opts)
    epochs = max([1, *(len(r.curve(metric)) for r in recs)])
    fig, axes = _panels(len(regs), sharey=True)
    for ax, reg in zip(axes.flat, regs, strict=False):
        for opt in opts:
            curves = [r.curve(metric) for r in recs if r.labels.regularizer == reg and r.row == opt]
            curves = [c for c in curves if c]
            if not curves:
                continue
            mean = _mean_curve(curves)
            ax.plot(range(1, len(mean) + 1), mean, marker="o", ms=4, color=colors[opt],
                    ls="-" if epochs > 1 else "none", label=opt)  # fmt: skip
        ax.set_title(reg, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    for ax in axes.flat:
        _epoch_axis(ax, epochs, t.percent)
    ylabel = f"{'validation' if validated else 'training'} {t.metric}"
    title = f"{model}: learning curves (mean over seeds)"
    return _finish_panels(fig, axes, len(regs), ylabel, title, path)


def _text_inches(labels) -> float:
    """About how wide the longest of `labels` is drawn at matplotlib's default 10 pt (0.08
    inch a character), so that a figure leaves it room and `tight_layout` need not give up."""
    return 0.08 * max((len(str(label)) for label in labels), default=0)


def heatmap(summary: pd.DataFrame, model: str, path: Path) -> Path:
    """Mean headline metric, optimizer x regularizer; diverged or failed cells say so."""
    sub = summary[summary["model"] == model]
    h = tasks.task(sub["task"].iloc[0])
    fmt = ".3f" if h.percent else f".{h.digits}f"
    opts = optimizer_order(sub["optimizer"])
    regs = regularizer_order(sub["regularizer"])
    grid = np.full((len(opts), len(regs)), np.nan)
    for _, row in sub.iterrows():
        grid[opts.index(row["optimizer"]), regs.index(row["regularizer"])] = row[f"{h.column}_mean"]
    width = 1.3 * len(regs) + 1.8 + _text_inches(opts)  # room for the rows' labels
    fig, ax = plt.subplots(figsize=(width, 0.45 * len(opts) + 1.8))
    finite = grid[np.isfinite(grid)]
    im = ax.imshow(
        grid,
        cmap="viridis" if h.higher_is_better else "viridis_r",
        aspect="auto",
        vmin=finite.min() if finite.size else 0,
        vmax=finite.max() if finite.size else 1,
    )
    for i, opt in enumerate(opts):
        for j, reg in enumerate(regs):
            row = sub[(sub["optimizer"] == opt) & (sub["regularizer"] == reg)]
            if np.isfinite(grid[i, j]):
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:{fmt}}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white"
                    if (grid[i, j] < np.nanmean(finite)) == h.higher_is_better
                    else "black",
                )
            elif not row.empty:
                ax.text(
                    j,
                    i,
                    "diverged" if row["diverged"].iloc[0] else "failed",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="red",
                )
    ax.set_xticks(range(len(regs)), regs, rotation=90)
    ax.set_yticks(range(len(opts)), opts)
    fig.colorbar(im, ax=ax, label=f"mean {h.label}")
    ax.set_title(f"{model}: optimizer x regularizer")
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def gan_losses(records: list[TrialRecord], model: str, path: Path) -> Path:
    """Generator (solid, circles) and discriminator (dashed, squares) loss per epoch, mean
    over seeds; one panel per regularizer, one colour per optimizer (one epoch: markers
    only)."""
    recs = [r for r in records if r.model == model and r.history]
    regs = regularizer_order(r.labels.regularizer for r in recs)
    opts = optimizer_order(r.row for r in recs)
    colors = _colors(opts)
    epochs = max([1, *(len(r.curve("g_loss")) for r in recs)])
    fig, axes = _panels(len(regs))
    styles = {"g_loss": ("-", "o", "generator"), "d_loss": ("--", "s", "discriminator")}
    for ax, reg in zip(axes.flat, regs, strict=False):
        for opt in opts:
            mine = [r for r in recs if r.labels.regularizer == reg and r.row == opt]
            for key, (line, marker, _) in styles.items():
                curves = [r.curve(key) for r in mine if r.curve(key)]
                if curves:
                    mean = _mean_curve(curves)
                    ax.plot(range(1, len(mean) + 1), mean, ls=line if epochs > 1 else "none",
                            marker=marker, ms=4, color=colors[opt])  # fmt: skip
        ax.set_title(reg, fontsize=10)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
        _epoch_axis(ax, epochs)
    # The legend shows what is drawn: a colour per optimizer, a line (or marker) per network.
    for opt in opts:
        axes.flat[0].plot([], [], ls="none", marker="o", color=colors[opt], label=opt)
    for line, marker, what in styles.values():
        axes.flat[0].plot([], [], ls=line if epochs > 1 else "none", marker=marker,
                          color="0.3", label=what)  # fmt: skip
    title = f"{model}: generator and discriminator losses (mean over seeds)"
    return _finish_panels(fig, axes, len(regs), "loss", title, path)


def best_and_worst_samples(panels: list[tuple[str, Path]], model: str, path: Path) -> Path:
    """Sample grids side by side, each titled (e.g. best and worst configuration by FID)."""
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4.6), squeeze=False)
    for ax, (title, png) in zip(axes.flat, panels, strict=True):
        ax.imshow(plt.imread(png), cmap="gray")
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.suptitle(f"{model}: samples from the same fixed latent batch", y=1.03)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def performance_profiles(times: pd.DataFrame, path: Path) -> Path:
    """AlgoPerf-style performance profiles: share of problems solved within tau x the best time."""
    finite = times.to_numpy()[np.isfinite(times.to_numpy())]
    best = times.min(axis=1)
    worst = (times.div(best, axis=0)).to_numpy()
    top = max(4.0, float(np.nanmax(worst[np.isfinite(worst)])) * 1.2) if finite.size else 4.0
    taus = np.exp(np.linspace(0, math.log(top), 200))
    rho = performance_profile(times, taus)
    colors = _colors(list(times.columns))
    ncol = math.ceil(len(times.columns) / 12)  # a legend no taller than the axes
    legend = ncol * (_text_inches(times.columns) + 0.5)  # beside the axes
    fig, ax = plt.subplots(figsize=(5 + legend, 4))
    for solver in times.columns:
        ax.step(taus, rho[solver], where="post", label=solver, color=colors[solver], lw=1.5)
    ax.set_xscale("log")
    ax.set_xlabel("tau (time to target / fastest optimizer's time on that problem)")
    ax.set_ylabel("share of problems solved")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Performance profiles over {len(times)} problems (model + regularizer)")
    ax.grid(alpha=0.3)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8, ncol=ncol)
    fig.tight_layout()
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path
