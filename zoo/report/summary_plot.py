"""A table at a glance: each configuration's mean headline metric with its 95% interval (a dot
with whiskers), best first, the leader and the cells not separated from it filled, the chance
level dashed, on an axis that starts at zero or is visibly broken (Cleveland's dot plot; the
broken axis as in matplotlib's "Broken axis" example)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from zoo.specs import tasks  # noqa: E402

GROUP = "leader, and cells not separated from it"


def _cells(summary: pd.DataFrame, model: str, h: tasks.Task):
    """`model`'s configurations with results, best first: rows, means, 95% half-widths
    (0 for one seed) and labels (the optimizer alone where the table has one regularizer)."""
    sub = summary[(summary["model"] == model) & (summary["ok"] > 0)]
    mean = sub[f"{h.column}_mean"].to_numpy()
    order = np.argsort(-mean if h.higher_is_better else mean)
    sub = sub.iloc[order]
    one_reg = sub["regularizer"].nunique() == 1
    labels = [o if one_reg else f"{o} + {r}" for o, r in zip(sub["optimizer"], sub["regularizer"],
                                                              strict=True)]  # fmt: skip
    return sub, sub[f"{h.column}_mean"], sub[f"{h.column}_ci95"].fillna(0.0), labels


def _span(mean, half, level, h: tasks.Task) -> tuple[float, float]:
    """The values the axis must show: every interval and the chance level; a share spans at
    least 0.1, so that seed noise is not blown up to fill the axis."""
    lo, hi = float((mean - half).min()), float((mean + half).max())
    if level is not None:
        lo, hi = min(lo, level), max(hi, level)
    if h.percent and hi - lo < 0.1:
        mid = min(max((lo + hi) / 2, 0.05), 0.95)
        lo, hi = mid - 0.05, mid + 0.05
    return lo, hi


def _break(zero, ax, lo: float, top: float) -> None:
    """A short panel at zero, then the data's range, with // marks on both sides of the gap."""
    zero.set_xlim(0, 0.04 * top)
    zero.set_xticks([0])
    ax.set_xlim(lo, top)
    zero.spines["right"].set_visible(False)
    ax.spines["left"].set_visible(False)
    ax.tick_params(left=False)
    for a, x, w in ((zero, 1, 0.18), (ax, 0, 0.02)):  # the same slant in both panels
        for y in (0, 1):
            a.plot([x - w, x + w], [y - 0.02, y + 0.02], transform=a.transAxes, color="k",
                   clip_on=False, lw=1)  # fmt: skip


def _draw(axes, mean, half, inside, level, leader, h: tasks.Task) -> None:
    y = np.arange(len(mean))[::-1]
    rest = "separated from the leader" if leader else "not ranked: none is better than chance"
    for a in axes:
        for mask, face, what in ((inside, "C0", GROUP), (~inside, "white", rest)):
            if mask.any():
                a.errorbar(mean[mask], y[mask], xerr=half[mask], fmt="o", color="C0", mfc=face,
                           capsize=3, label=what)  # fmt: skip
        if level is not None:
            a.axvline(level, color="0.4", ls="--", lw=1, label=f"chance ({h.fmt(level)})")
        a.grid(axis="x", alpha=0.3)


def summary_dots(summary: pd.DataFrame, model: str, leader, group: set, path: Path) -> Path:
    """The figure for `model`'s table (`summary_frame` rows), saved as PNG at `path`.

    `leader`: its leader (row, regularizer), None where it is not ranked; `group`: the cells
    not separated from it (`zoo.report.leading.leading_cells`). The axis starts at zero, or
    is broken where every interval lies above 30% of the largest value."""
    h = tasks.task(summary.loc[summary["model"] == model, "task"].iloc[0])
    sub, mean, half, labels = _cells(summary, model, h)
    level = float(sub["chance"].dropna().iloc[0]) if sub["chance"].notna().any() else None
    lo, hi = _span(mean, half, level, h)
    broken = lo > 0.3 * hi
    size = (8, 0.32 * len(sub) + 1.6)
    if broken:
        widths = {"width_ratios": [1, 9], "wspace": 0.06}
        fig, axes = plt.subplots(1, 2, sharey=True, figsize=size, gridspec_kw=widths)
    else:
        fig, ax = plt.subplots(figsize=size)
        axes = [ax]
    cells = list(zip(sub["optimizer"], sub["regularizer"], strict=True))
    inside = np.array([c == leader or c in group for c in cells], dtype=bool)
    _draw(axes, mean.to_numpy(), half.to_numpy(), inside, level, leader, h)
    pad = 0.05 * (hi - lo or abs(hi) or 1.0)
    top = min(hi + pad, 1.0) if h.percent else hi + pad
    _break(*axes, lo - pad, top) if broken else axes[0].set_xlim(0, top)
    axes[0].set_yticks(np.arange(len(sub))[::-1], labels)
    interval = "mean and 95% CI over seeds" if (sub["ok"] > 1).any() else "one seed, no interval"
    better = "" if h.higher_is_better else " (lower is better)"
    axes[-1].set_xlabel(f"{h.label}{better}: {interval}")
    axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    broke = " (axis broken: it starts at 0)" if broken else ""
    fig.suptitle(f"{model}: {h.label} per configuration, best first{broke}", fontsize=11)
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path
