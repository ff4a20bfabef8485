"""The report's sections beyond its tables, for runs whose grids have roles
(`zoo.bench.plan.roles`): the budget axis (`zoo.report.budget`) and the self-tuning arm
(`zoo.report.self_tuning`). Each writes nothing where the run has no such grid."""

from __future__ import annotations

from typing import Any

from zoo.bench.output.record import TrialRecord
from zoo.report.budget import budget_section
from zoo.report.document import Document
from zoo.report.self_tuning import self_tuning_section


def axes_sections(doc: Document, run: dict[str, Any], by_hash: dict[str, TrialRecord],
                  tuning: dict[str, Any] | None) -> None:  # fmt: skip
    """The self-tuning arm, then the budget axis (`run`: run.json; `by_hash`: every record
    of the run, a budget axis's included; `tuning`: tuning.json or None)."""
    self_tuning_section(doc, run, by_hash, tuning)
    budget_section(doc, run, by_hash)
