"""A report's scope, before its findings: what each table measured (model and its size, data
sizes, budget, seeds, what was tuned and how, which epoch is tested) and the caveat every
racing run carries (sequential testing). A finding holds only inside its scope."""

from __future__ import annotations

from typing import Any

from zoo.bench.output.record import TrialRecord
from zoo.report.document import Document


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,} to {high:,}"


def _table_scope(title: str, records: list[TrialRecord], tuning: dict[str, Any] | None) -> str:
    """One table's scope in a sentence."""
    ran = [r for r in records if r.status != "failed"] or records
    sizes = [r.data_sizes for r in ran if r.data_sizes]
    params = [r.params for r in ran if r.params]
    per_cell: dict[tuple, int] = {}
    for r in records:
        per_cell[(r.row, r.labels.regularizer)] = per_cell.get((r.row, r.labels.regularizer), 0) + 1
    t = ran[0].task_info
    parts = [f"**{title}**: {len(per_cell)} cells"]
    if params:
        parts.append(f"{_span(params)} parameters")
    if sizes:
        split = [f"{_span([s.get(k, 0) for s in sizes])} {k}" for k in ("train", "val", "test")]
        parts.append(" / ".join(split) + " examples")
    epochs, batch = _span([r.epochs for r in ran]), _span([r.config["batch_size"] for r in ran])
    parts.append(f"{epochs} epoch{'s' if max(r.epochs for r in ran) > 1 else ''} of batch {batch}")
    seeds = list(per_cell.values())
    parts.append(f"{_span(seeds)} seed{'s' if max(seeds) > 1 else ''} a cell")
    tuned = [c for c in (tuning or {}).get("cells", []) if c["model"] == ran[0].model
             and c.get("chosen")]  # fmt: skip
    if tuned:
        parts.append(f"{len(tuned)} cells tuned on validation ({tuning['budget']}, below)")
    elif t.tunable:
        parts.append("not tuned (the rates as written)")
    else:
        parts.append(f"not tuned: no validation metric (its {t.label} is on the test split)")
    chosen = any(r.best_epoch is not None for r in ran)
    parts.append("tested at each trial's best validation epoch" if chosen else
                 "tested at the last epoch")  # fmt: skip
    return "; ".join(parts) + "."


def scope_section(doc: Document, tables: dict[str, list[TrialRecord]],
                  tuning: dict[str, Any] | None, raced: bool) -> None:  # fmt: skip
    """The report's scope, one bullet per table, and the sequential-testing caveat where
    seeds were raced (`zoo.bench.decide.racing`)."""
    doc.heading("Scope")
    doc.bullets(_table_scope(title, recs, tuning) for title, recs in tables.items())
    text = (
        "Each finding holds for these models, data sizes and budgets, on the hardware under "
        "About this run; it says nothing of larger models or longer training."
    )
    earlier = earlier_protocol([r for recs in tables.values() for r in recs])
    if raced:
        scores = "the test scores (the earlier protocol)" if earlier else "the validation scores"
        text += (
            f" Seeds were raced: after every round {scores} decided which cells got another "
            "seed, so the 5% level of the tests here is nominal (sequential testing); the "
            "statements use each cell's final seeds."
        )
    doc.paragraph(text)
    if earlier:
        doc.paragraph(
            f"**Made under the earlier protocol** (zoo {earlier}): each tuned cell's chosen "
            "candidate is also its seed 0 in the table (a draw chosen as the best of the "
            "candidates, so seed 0 is biased up: the seed-0-left-out checks below matter most), "
            "racing read the test split, every trial was tested at its last epoch, and one data "
            "order was repeated every epoch. Read its findings as what that budget found."
        )


def earlier_protocol(records: list[TrialRecord]) -> str | None:
    """The zoo version that made these records where it predates the protocol of 0.2.0
    (tuning seeds apart, racing on validation, the best validation epoch tested, a new data
    order every epoch); None for current records."""
    old = sorted({v for r in records if (v := (r.env or {}).get("zoo")) and v.startswith("0.1")})
    return ", ".join(old) or None
