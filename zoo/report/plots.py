"""Matplotlib figures for a report: each configuration's mean and 95% interval, an optimizer
x regularizer heatmap, learning curves, and for GANs loss curves and best-versus-worst sample
grids. Every figure keeps its text inside and apart (tests/report/test_figures.py)."""

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
    epochs = max(1, *(len(r.curve(metric)) for r in recs))
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


def summary_dots(summary: pd.DataFrame, model: str, leader, group: set, path: Path) -> Path:
    """Each configuration's mean headline metric with its 95% interval (a dot with whiskers),
    best first; the leader and the cells not separated from it filled, the rest hollow; the
    chance level dashed. The axis starts at zero, or is visibly broken (a short panel at
    zero, then the data's range) where the data sit far from zero.

    `leader`: (row, regularizer) or None; `group`: the cells not separated from it."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    h = tasks.task(summary.loc[summary["model"] == model, "task"].iloc[0])
    mean, half = sub[f"{h.column}_mean"], sub[f"{h.column}_ci95"].fillna(0.0)
    order = np.argsort(-mean.to_numpy() if h.higher_is_better else mean.to_numpy())
    sub, mean, half = sub.iloc[order], mean.iloc[order], half.iloc[order]
    one_reg = sub["regularizer"].nunique() == 1
    labels = [o if one_reg else f"{o} + {r}" for o, r in zip(sub["optimizer"], sub["regularizer"],
                                                              strict=True)]  # fmt: skip
    lo, hi = float((mean - half).min()), float((mean + half).max())
    chance = sub["chance"].dropna()
    level = float(chance.iloc[0]) if len(chance) else None
    if level is not None:
        lo, hi = min(lo, level), max(hi, level)
    if h.percent and hi - lo < 0.1:  # a share: seed noise is not blown up to fill the axis
        mid = min(max((lo + hi) / 2, 0.05), 0.95)
        lo, hi = mid - 0.05, mid + 0.05
    broken = lo > 0.3 * hi  # the data far from zero: break the axis rather than hide it
    height = 0.32 * len(sub) + 1.6
    if broken:
        widths = {"width_ratios": [1, 9], "wspace": 0.06}
        fig, (zero, ax) = plt.subplots(1, 2, sharey=True, figsize=(8, height), gridspec_kw=widths)
        axes = (zero, ax)
    else:
        fig, ax = plt.subplots(figsize=(8, height))
        axes = (ax,)
    y = np.arange(len(sub))[::-1]
    cells = list(zip(sub["optimizer"], sub["regularizer"], strict=True))
    inside = np.array([c == leader or c in group for c in cells], dtype=bool)
    rest = "separated from the leader" if leader else "not ranked: none is better than chance"
    for a in axes:
        for mask, face, what in ((inside, "C0", "leader, and cells not separated from it"),
                                 (~inside, "white", rest)):  # fmt: skip
            if mask.any():
                a.errorbar(mean[mask], y[mask], xerr=half[mask], fmt="o", color="C0", mfc=face,
                           capsize=3, label=what)  # fmt: skip
        if level is not None:
            a.axvline(level, color="0.4", ls="--", lw=1, label=f"chance ({h.fmt(level)})")
        a.grid(axis="x", alpha=0.3)
    pad = 0.05 * (hi - lo or abs(hi) or 1.0)
    top = min(hi + pad, 1.0) if h.percent else hi + pad
    if broken:
        zero.set_xlim(0, 0.04 * top)
        zero.set_xticks([0])
        ax.set_xlim(lo - pad, top)
        zero.spines["right"].set_visible(False)
        ax.spines["left"].set_visible(False)
        ax.tick_params(left=False)
        for a, x in ((zero, 1), (ax, 0)):  # the break marks: // on both sides of the gap
            kw = dict(transform=a.transAxes, color="k", clip_on=False, lw=1)
            for yy in (0, 1):
                a.plot([x - 0.02 * (9 if x else 1), x + 0.02 * (9 if x else 1)],
                       [yy - 0.02, yy + 0.02], **kw)  # fmt: skip
    else:
        ax.set_xlim(0, top)
    axes[0].set_yticks(y, labels)
    interval = "mean and 95% CI over seeds" if (sub["ok"] > 1).any() else "one seed, no interval"
    ax.set_xlabel(h.label + ("" if h.higher_is_better else " (lower is better)")
                  + f": {interval}")  # fmt: skip
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.suptitle(f"{model}: {h.label} per configuration, best first"
                 + (" (axis broken: it starts at 0)" if broken else ""), fontsize=11)  # fmt: skip
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


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
    fig, ax = plt.subplots(figsize=(1.3 * len(regs) + 3, 0.45 * len(opts) + 1.8))
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
    epochs = max((len(r.curve("g_loss")) for r in recs), default=1)
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
    fig, ax = plt.subplots(figsize=(7, 4))
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
