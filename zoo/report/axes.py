"""The report's sections beyond its tables, for runs whose grids have roles
(`zoo.bench.plan.roles`): which optimizers grids took from a finished table and why
(`zoo.bench.decide.select`), the self-tuning arm (`zoo.report.self_tuning`) and the budget
axis (`zoo.report.budget`). Each writes nothing where the run has no such grid."""

from __future__ import annotations

import math
from typing import Any

from zoo.bench.output.record import TrialRecord
from zoo.report.budget import budget_section
from zoo.report.document import Document
from zoo.report.self_tuning import self_tuning_section

SHOWN_AFTER = 2  # the ranking shown past the chosen ones


def _choice(s: dict[str, Any]) -> str:
    """One grid's choice in a sentence: the chosen with their scores, the next ones, and
    those passed over and why."""
    metric = s["metric"]

    def scored(row: dict[str, Any]) -> str:
        value = row.get(metric)
        shown = f"{value:.4f}" if value is not None and math.isfinite(value) else "no score"
        return f"`{row['optimizer']}` ({shown}, {row['seeds']} seeds)"

    rows = {r["optimizer"]: r for r in s["ranking"]}
    chosen = [scored(rows[o]) for o in s["chosen"] if o in rows]
    skip = set(s["chosen"]) | set(s.get("passed_over") or {})
    rest = [r for r in s["ranking"] if r["optimizer"] not in skip][:SHOWN_AFTER]
    grid = f"`{s['grid']}`" if s.get("grid") else "A grid"
    axis = f", the budget axis of `{s['budget_of']}`," if s.get("budget_of") else ""
    text = (f"{grid}{axis} ({s['model']}) took the best {s['best']} of `{s['of']}` by mean "
            f"{metric}: {', '.join(chosen) or 'none'}")  # fmt: skip
    if rest:
        text += f"; next: {', '.join(scored(r) for r in rest)}"
    if s.get("passed_over"):
        text += "; passed over: " + ", ".join(f"`{o}` ({why})" for o, why in
                                              s["passed_over"].items())  # fmt: skip
    return text + "."


def selections_section(doc: Document, run: dict[str, Any]) -> None:
    """The optimizers grids took from another grid's finished table, with the ranking."""
    selections = run.get("selections") or []
    if not selections:
        return
    doc.heading("Chosen optimizers")
    doc.paragraph(
        "Grids that run under a table's best optimizers took them once that table was "
        f"finished, by a rule declared in the suite: {selections[0]['rule']}. The test split "
        "played no part; a resumed run keeps the recorded choice (selections.json)."
    )
    doc.bullets([_choice(s) for s in selections])


def axes_sections(doc: Document, run: dict[str, Any], by_hash: dict[str, TrialRecord],
                  tuning: dict[str, Any] | None) -> None:  # fmt: skip
    """The chosen optimizers, the self-tuning arm, then the budget axis (`run`: run.json;
    `by_hash`: every record of the run, a budget axis's included; `tuning`: tuning.json or
    None)."""
    selections_section(doc, run)
    self_tuning_section(doc, run, by_hash, tuning)
    budget_section(doc, run, by_hash)
