"""How many candidates a tuned cell's search runs, at fewest and at most: what `zoo bench
--dry-run` counts (`zoo.bench.campaign.trial_counts`) before anything runs."""

from __future__ import annotations

from zoo.bench.decide.search import Point, advance, search
from zoo.bench.decide.tune import Cell
from zoo.specs.search import Budget


def trial_range(cell: Cell, budget: Budget) -> tuple[int, int]:
    """The fewest and the most candidates `cell`'s search can run: the fewest where every
    line's best is its middle start point (nothing to extend), the most the cap."""
    if cell.skip:
        return 0, 0
    middle = cell.base()

    def peak(p: Point) -> float:
        return -sum(abs(a - b) for a, b in zip(p, middle, strict=True))

    sign = 1 if cell.task.higher_is_better else -1

    def make():
        return search(cell.coords, middle, cap=budget.cap, higher=cell.task.higher_is_better,
                      noise=lambda s: 0.0, allowed=cell.allowed)  # fmt: skip

    known: dict[Point, float] = {}
    while True:
        missing, outcome = advance(make, known.get)
        if outcome is not None:
            return len(outcome.tried), budget.cap
        known.update({p: sign * peak(p) for p in missing})
