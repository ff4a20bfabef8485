"""The tuning part of a report's figures: per model, the expected best validation score after
k tuning trials (Dodge et al. 2019, "Show Your Work") and the validation score per learning
rate tried, one line per tuned cell, one panel per regularizer, in the style of
`zoo.report.plots`; the legend sits below the panels, inside the figure."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import NullFormatter  # noqa: E402

from zoo.metrics.stats import expected_max  # noqa: E402
from zoo.report.frames import optimizer_order, regularizer_order  # noqa: E402

Cell = tuple[str, str]  # a tuned cell: (optimizer row label, regularizer)


@dataclass
class RateLine:
    """A tuned cell's learning-rate search: (lr, validation score or None where the candidate
    diverged or failed) sorted by lr, and the chosen configuration's (lr, score)."""

    points: list[tuple[float, float | None]]
    chosen: tuple[float, float] | None = None


def _legend_columns(width: float, labels: list[str]) -> int:
    """How many legend columns of `labels` (fontsize 8) fit across `width` inches."""
    column = 0.065 * max(map(len, labels), default=1) + 0.6
    return max(1, min(len(labels), int(width // column)))


def _tuning_panels(cells: list[Cell]):
    """One panel per regularizer, one colour per optimizer; tall enough for a legend of
    every optimizer below the panels (`_finish_tuning` places it)."""
    regs = regularizer_order(r for _, r in cells)
    opts = optimizer_order(o for o, _ in cells)
    ncols = min(3, len(regs))
    nrows = math.ceil(len(regs) / ncols)
    width = max(6.0, 4.2 * ncols)
    legend_rows = math.ceil((len(opts) + 2) / _legend_columns(width, [*opts, "diverged / failed"]))
    height = 3.2 * nrows + 0.22 * legend_rows + 0.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False,
                             sharex=True, sharey=True, layout="constrained")  # fmt: skip
    # Colours as `zoo.report.plots` picks them; once they repeat, lines are dashed.
    cmap = plt.get_cmap("tab20" if len(opts) > 10 else "tab10")
    styles = {o: {"color": cmap(i % cmap.N), "ls": "-" if i < cmap.N else "--"}
              for i, o in enumerate(opts)}  # fmt: skip
    return fig, axes, regs, styles


def _finish_tuning(fig, axes, n: int, ylabel: str, title: str, extra=()):
    """Label the first column, hide unused panels, one legend for all panels (and `extra`
    handles) below them, inside the figure (constrained layout); return the figure."""
    for ax in axes[:, 0]:
        ax.set_ylabel(ylabel)
    ncols = axes.shape[1]
    for i, ax in enumerate(axes.flat):
        if i >= n:
            ax.axis("off")
        elif i + ncols >= n:  # no panel below: its shared x axis gets the tick labels
            ax.xaxis.set_tick_params(labelbottom=True)
    entries = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    entries.update({h.get_label(): h for h in extra})
    ncol = _legend_columns(fig.get_figwidth(), list(entries))
    fig.legend(list(entries.values()), list(entries), loc="outside lower center", ncol=ncol,
               fontsize=8)  # fmt: skip
    fig.suptitle(title, fontsize=10)
    return fig


def _save(fig, path: Path) -> Path:
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def budget_figure(curves: dict[Cell, list[float]], higher_is_better: bool, ylabel: str,
                  title: str):  # fmt: skip
    """The expected best score after k = 1..K tuning trials (`expected_max` over a cell's K
    candidates' scores; Dodge et al. 2019), one line per cell; the figure, unsaved."""
    fig, axes, regs, styles = _tuning_panels(list(curves))
    for ax, reg in zip(axes.flat, regs, strict=False):
        for (opt, r), scores in curves.items():
            if r != reg or not scores:
                continue
            ks = range(1, len(scores) + 1)
            ax.plot(ks, [expected_max(scores, k, higher_is_better) for k in ks], marker="o",
                    ms=3, label=opt, **styles[opt])  # fmt: skip
        ax.set_title(reg, fontsize=10)
        ax.set_xlabel("tuning trials k")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.grid(alpha=0.3)
    return _finish_tuning(fig, axes, len(regs), ylabel, title)


def budget_curves(curves: dict[Cell, list[float]], higher_is_better: bool, ylabel: str,
                  model: str, path: Path) -> Path:  # fmt: skip
    """`budget_figure` for `model`, saved to `path`."""
    title = f"{model}: expected best {ylabel} after k tuning trials"
    return _save(budget_figure(curves, higher_is_better, ylabel, title), path)


def sensitivity_figure(lines: dict[Cell, RateLine], ylabel: str, title: str):
    """Validation score against learning rate (log axis), one line per cell, its chosen
    configuration a star, a diverged or failed rate an x at the bottom of the panel; the
    figure, unsaved."""
    fig, axes, regs, styles = _tuning_panels(list(lines))
    for ax, reg in zip(axes.flat, regs, strict=False):
        for (opt, r), line in lines.items():
            if r != reg:
                continue
            finite = [(lr, v) for lr, v in line.points if v is not None]
            failed = [lr for lr, v in line.points if v is None]
            if finite:
                ax.plot(*zip(*finite, strict=True), marker="o", ms=3, label=opt, **styles[opt])
            if failed:  # at the bottom of the panel, whatever its y range
                ax.plot(failed, [0.03] * len(failed), "x", ms=7, mew=2,
                        color=styles[opt]["color"], transform=ax.get_xaxis_transform())  # fmt: skip
            if line.chosen is not None:
                ax.plot(*line.chosen, "*", ms=13, color=styles[opt]["color"], mec="black",
                        zorder=4)  # fmt: skip
        ax.set_title(reg, fontsize=10)
        ax.set_xlabel("learning rate")
        ax.grid(alpha=0.3)
    chosen = [line.chosen[0] for line in lines.values() if line.chosen]
    _whole_decades(axes[0, 0], [lr for line in lines.values() for lr, _ in line.points] + chosen)
    extra = [plt.Line2D([], [], ls="", marker="*", ms=11, color="grey", mec="black",
                        label="chosen"),
             plt.Line2D([], [], ls="", marker="x", ms=7, mew=2, color="grey",
                        label="diverged / failed")]  # fmt: skip
    return _finish_tuning(fig, axes, len(regs), ylabel, title, extra)


def _whole_decades(ax, xs: list[float]) -> None:
    """A log x axis (shared by the panels) covering `xs` with a margin and at least two whole
    decades, labelled at whole decades only: minor labels of a short log axis overlap."""
    ax.set_xscale("log")
    xs = [x for x in xs if x > 0]
    if not xs:
        return
    a, b = math.log10(min(xs)), math.log10(max(xs))
    low, high = min(a - 0.2, math.floor(a)), max(b + 0.2, math.ceil(b))
    if math.floor(high) - math.ceil(low) < 1:
        high = math.ceil(low) + 1
    ax.set_xlim(10.0**low, 10.0**high)
    ax.xaxis.set_minor_formatter(NullFormatter())


def lr_sensitivity(lines: dict[Cell, RateLine], ylabel: str, model: str, path: Path) -> Path:
    """`sensitivity_figure` for `model`, saved to `path`."""
    title = f"{model}: {ylabel} per learning rate tried (one seed each)"
    return _save(sensitivity_figure(lines, ylabel, title), path)
