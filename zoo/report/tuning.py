"""The tuning part of a model's section: per tuned cell what the search tried and chose, a
fairness ledger of what tuning cost it, the expected best validation score after k tuning
trials (Dodge et al. 2019) and the validation score per learning rate tried (figures:
`zoo.report.tuning_plots`). Reads a tuning.json through `zoo.bench.decide.tune.read_tuning`,
either format: bracketing search, or the fixed `lr:K` grid of older runs."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from zoo.bench.decide.tune import candidate_score, edges
from zoo.metrics.stats import expected_max
from zoo.report import tuning_plots
from zoo.report.document import Document
from zoo.report.tables import fmt_cell
from zoo.specs.tasks import Task


def _tuned_row(c: dict, model: str, summary, by_hash, t: Task) -> dict[str, str]:
    """A tuned cell's row: what was searched, the chosen values with their brackets, and the
    tuned cell's result."""
    first = by_hash.get(c["chosen_hashes"][0]) if c.get("chosen_hashes") else None
    tuned = summary[(summary["model"] == model) & (summary["optimizer"] == (first and first.row))
                    & (summary["regularizer"] == c["regularizer"])]  # fmt: skip
    at_edge = edges(c)
    brackets = c.get("bracket") or {}
    chosen = [chosen_text(key, c["chosen"][key], brackets.get(key, [None, None]), at_edge.get(key))
              for key in c["tuned"]]  # fmt: skip
    return {
        "optimizer": c["optimizer"],
        "regularizer": c["regularizer"],
        "trials": str(c["trials"]),
        "chosen (tried neighbours)": ", ".join(chosen),
        f"tuned: {t.label}": fmt_cell(tuned.iloc[0]) if len(tuned) else "not run",
    }


def chosen_text(key: str, value: float, bracket: list[float | None], edge: str | None) -> str:
    """One tuned coordinate as the tuning table shows it: the chosen value, then its tried
    neighbours (`bracket`: the nearest below and above, None where none was tried), or
    `edge` (from `edges`: "highest", "lowest", "only value tried") where it is censored. A
    value with nothing below it that is not an edge is the search space's floor (weight
    decay 0, no decay)."""
    low, high = bracket
    if edge:
        return f"{key} {value:g} ({edge}{'' if edge.endswith('tried') else ' tried'})"
    if low is not None and high is not None:
        return f"{key} {value:g} ({low:g}..{high:g})"
    if high is not None:
        return f"{key} {value:g} (the space's floor; {high:g} above)"
    return f"{key} {value:g}"


def tuning_section(doc: Document, tuning, model: str, summary, by_hash, t: Task,
                   figures: tuple[Path, str]) -> None:  # fmt: skip
    """Each tuned cell: its trials, the chosen values with the tried values either side, and
    the tuned cell as the model's table shows it; then what tuning cost each cell, how much
    its budget bought and each cell's score per learning rate (`figures`: the plots folder
    and the figures' name stem)."""
    searched = [c for c in tuning["cells"] if c["model"] == model and c.get("candidates")]
    _tuned_table(doc, tuning, model, summary, by_hash, t)
    if searched:
        _ledger_section(doc, tuning, searched, by_hash)
        _budget_section(doc, searched, t, model, figures)
        _sensitivity_section(doc, searched, t, model, figures)


def _tuned_table(doc: Document, tuning, model: str, summary, by_hash, t: Task) -> None:
    cells = [c for c in tuning["cells"] if c["model"] == model and c.get("chosen")]
    if not cells:
        return
    rows = [_tuned_row(c, model, summary, by_hash, t) for c in cells]
    table = pd.DataFrame(rows).set_index("optimizer")
    seeds = (
        "Candidates train with a seed no table counts and are scored on validation at their "
        "best epoch; the test split plays no part."
        if "tuning_seed" in tuning
        else "Candidates trained with seed 0, and each cell's chosen candidate is also its "
        "seed 0 in the table (the earlier protocol: a draw chosen as the best, counted as a "
        "seed); they were scored on validation at their last epoch."
    )
    doc.paragraph(
        f"Tuning, budget **{tuning['budget']}**: {tuning['rule']}. {seeds} A value marked "
        "highest or lowest tried sits at an edge of the search: a better one may lie beyond it."
    )
    doc.table(table)


def _machine_kind(env: dict) -> str:
    """What a trial's seconds depend on: the CPU model, its cores, the GPUs."""
    kind = f"{env.get('cpu') or 'unknown CPU'}, {env.get('cpu_count', '?')} cores"
    return kind + (f", GPU: {', '.join(env['gpu'])}" if env.get("gpu") else "")


def _ledger_row(c: dict, by_hash) -> dict[str, str]:
    """A tuned cell's tuning cost: trials, summed wall seconds, machines, whether capped."""
    records = [by_hash.get(x["config_hash"]) for x in c["candidates"]]
    found = [r for r in records if r is not None and r.wall_time_s is not None]
    missing = len(records) - len(found)
    seconds = f"{sum(r.wall_time_s for r in found):.1f}" if not missing else (
        f"— ({missing} of {len(records)} records missing)")  # fmt: skip
    machines = sorted({_machine_kind(r.env) for r in found})
    return {
        "optimizer": c["optimizer"],
        "regularizer": c["regularizer"],
        "tuning trials": str(c["trials"]),
        "tuning trial-seconds": seconds,
        "machine": "; ".join(machines) or "—",
        "cap reached": {True: "yes", False: "no"}.get(c.get("capped"), "—"),
    }


def _ledger_section(doc: Document, tuning, cells: list[dict], by_hash) -> None:
    """The fairness ledger: the same search for every optimizer, and what it cost each."""
    doc.paragraph(
        "Tuning ledger. Every optimizer got the same search space, rule and cap: "
        f'"{tuning["rule"]}". Trial-seconds are the candidates\' wall times (building, '
        "training and evaluating each), summed from their records; seconds compare only "
        "between cells that ran on the same kind of machine."
    )
    doc.table(pd.DataFrame([_ledger_row(c, by_hash) for c in cells]).set_index("optimizer"))


def _budget_scores(c: dict, t: Task) -> list[float]:
    """A cell's candidates' validation scores in the order run, a diverged or failed one
    counted as the worst score: 0 for a share (1 if lower is better), else the worst
    finished score (none finished: no scores)."""
    scores = [candidate_score(c, x) for x in c["candidates"]]
    finite = [v for v in scores if v is not None and math.isfinite(v)]
    if t.percent:
        worst = 0.0 if t.higher_is_better else 1.0
    elif finite:
        worst = min(finite) if t.higher_is_better else max(finite)
    else:
        return []
    return [v if v is not None and math.isfinite(v) else worst for v in scores]


def _budget_row(c: dict, scores: list[float], t: Task) -> dict[str, str]:
    """E[best of k] at k = 1, 3, 5 and the cell's own trial count, and the best tried."""

    def at(k: int) -> str:
        return t.fmt(expected_max(scores, k, t.higher_is_better)) if k <= len(scores) else "—"

    best = max(scores) if t.higher_is_better else min(scores)
    return {"optimizer": c["optimizer"], "regularizer": c["regularizer"],
            "trials K": str(len(scores)), "k = 1 (mean)": at(1), "k = 3": at(3), "k = 5": at(5),
            "k = K": at(len(scores)), "best tried": t.fmt(best)}  # fmt: skip


def _budget_section(doc: Document, cells: list[dict], t: Task, model: str, figures) -> None:
    """Expected best validation score after k tuning trials, per cell: a figure and a table."""
    scored = [(c, _budget_scores(c, t)) for c in cells]
    scored = [(c, s) for c, s in scored if s]
    if not scored:
        return
    worst = ("0" if t.higher_is_better else "1") if t.percent else "the worst score it tried"
    both = any("wd" in c.get("tuned", []) for c, _ in scored)
    alike = (" A cell whose weight decay was searched too ran those trials at its best rate, "
             "which lifts its curve: compare curves of cells searched alike.")  # fmt: skip
    metric = f"validation {t.metric}"
    doc.paragraph(
        f"Tuning budget: the expected best {metric} after k tuning trials, the mean of the "
        "best of k draws (with replacement) from a cell's candidates (Dodge et al. 2019, "
        '"Show Your Work: Improved Reporting of Experimental Results"; for optimizers, '
        "Sivaprasad et al. 2020). The candidates are the search's own points, not random "
        "draws from the space, so a curve says how much of what the search tried was good: "
        "one that starts high belongs to an optimizer that is forgiving to tune, one that "
        "climbs only at large k needed the search to find its few good values. A diverged or "
        f"failed candidate counts as {worst}. K is the cell's number of trials."
        + (alike if both else "")
    )
    doc.table(pd.DataFrame([_budget_row(c, s, t) for c, s in scored]).set_index("optimizer"))
    plot_dir, name = figures
    curves = {(c["optimizer"], c["regularizer"]): s for c, s in scored}
    path = plot_dir / f"{name}_tuning_budget.png"
    doc.images([tuning_plots.budget_curves(curves, t.higher_is_better, metric, model, path)])


def _rate_line(c: dict) -> tuning_plots.RateLine:
    """A cell's learning-rate search (phase "lr"; a file from before bracketing: every
    candidate) sorted by rate, and its chosen configuration's rate and score."""
    first = [x for x in c["candidates"] if x.get("phase", "lr") == "lr"]
    points = sorted(((x["lr"], candidate_score(c, x)) for x in first), key=lambda p: p[0])
    chosen = c.get("chosen") or {}
    hit = [x for x in c["candidates"] if chosen and all(
        x.get(k) == v for k, v in chosen.items())]  # fmt: skip
    score = candidate_score(c, hit[0]) if hit else None
    star = (chosen["lr"], score) if score is not None and math.isfinite(score) else None
    return tuning_plots.RateLine([(lr, v if v is None or math.isfinite(v) else None)
                           for lr, v in points], star)  # fmt: skip


def _sensitivity_section(doc: Document, cells: list[dict], t: Task, model: str,
                         figures) -> None:  # fmt: skip
    """Each cell's validation score per learning rate tried, the chosen one starred."""
    lines = {(c["optimizer"], c["regularizer"]): _rate_line(c) for c in cells}
    if not any(line.points for line in lines.values()):
        return
    both = any("wd" in c.get("tuned", []) for c in cells)
    off_line = (" Where weight decay is tuned too, the line is the first learning-rate search "
                "(weight decay at its start value) and the star may lie off it: the chosen "
                "weight decay, or the rate searched again at it, differs.")  # fmt: skip
    doc.paragraph(
        f"Learning-rate sensitivity: validation {t.metric} per learning rate tried (one seed "
        "each), one line per tuned cell; a flat top is an optimizer forgiving of its rate, a "
        "sharp peak one that must be tuned closely. Star: the chosen configuration; x at the "
        "bottom: a rate that diverged or failed." + (off_line if both else "")
    )
    plot_dir, name = figures
    path = plot_dir / f"{name}_lr_sensitivity.png"
    doc.images([tuning_plots.lr_sensitivity(lines, f"validation {t.metric}", model, path)])
