"""Bracketing search: one cell's hyperparameters, chosen on validation, with the optimum
inside what was tried.

A point is a tuple of lattice coordinates (`zoo.specs.search`: 10^(q/4) per hyperparameter).
Along one coordinate (a *line*, the others held), the search

1. tries the search space's start points (three whole decades);
2. **extends** past an edge while the best is at that edge, one coarse step at a time,
   until the point beyond is worse by more than the noise (one standard error of a
   validation score), diverges, or lies past the declared limit;
3. **refines** around the best at each finer step (half, then quarter decades), so the
   chosen value has a tried neighbour on either side at the finest step: it is bracketed.

With weight decay tuned too it is **coordinate descent** (as in Wen et al. 2025, "Fantastic
Pretraining Optimizers and Where to Find Them"): the learning rate, then the weight decay at
that rate, then the learning rate again at that decay (its quarter-decade neighbours,
extended while one of them is better). A cap on trials per cell stops it early; the
outcome then says the cap, or the limit, left the best at an edge.

The search is a generator: it yields the points it wants scored and receives their scores.
`advance` replays it from the scores already known (stored records), so a resumed run, or
any number of workers, makes exactly the same choices; the generator asks for the next
batch where a score is missing. NaN is a diverged or failed candidate.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from zoo.specs.search import Coordinate

Point = tuple[int, ...]
Search = Generator[list[Point], list[float], "Outcome"]


@dataclass
class Outcome:
    """What a cell's search tried (in order, with its phase) and chose."""

    best: Point | None  # None: every candidate diverged or failed
    tried: dict[Point, float] = field(default_factory=dict)
    phases: dict[Point, str] = field(default_factory=dict)  # point -> "lr", "wd", "lr again"
    at_edge: dict[str, str] = field(default_factory=dict)  # coordinate -> why ("limit", "cap")
    capped: bool = False


class _Run:
    """One search's state: the scores so far, the cap, the direction of better."""

    def __init__(self, coords, cap, higher, noise, allowed) -> None:
        self.coords: list[Coordinate] = coords
        self.cap = cap
        self.higher = higher
        self.noise: Callable[[float], float] = noise
        self.allowed: Callable[[Point], bool] = allowed
        self.out = Outcome(best=None)
        self.last: dict[int, Point] = {}  # coordinate -> the best of its last line search

    def ask(self, points: list[Point], phase: str) -> Generator[list[Point], list[float], None]:
        new = [p for p in dict.fromkeys(points) if p not in self.out.tried]
        room = self.cap - len(self.out.tried)
        if len(new) > room:
            new, self.out.capped = new[: max(room, 0)], True
        if new:
            scores = yield new
            for p, s in zip(new, scores, strict=True):
                self.out.tried[p] = s
                self.out.phases[p] = phase

    def good(self, p: Point) -> float:
        s = self.out.tried.get(p, math.nan)
        return -math.inf if not math.isfinite(s) else (s if self.higher else -s)

    def best(self, points: list[Point]) -> Point | None:
        """The best-scoring of `points`; None if none is finite. The first tried wins a tie
        (a line's middle start point is tried first), so a flat line is not extended."""
        order = {p: i for i, p in enumerate(self.out.tried)}
        finite = [p for p in points if math.isfinite(self.out.tried.get(p, math.nan))]
        return max(finite, key=lambda p: (self.good(p), -order[p])) if finite else None

    def line(self, base: Point, i: int) -> list[Point]:
        """The tried points that differ from `base` only in coordinate `i`, in lattice order."""
        same = [p for p in self.out.tried if p[:i] + p[i + 1 :] == base[:i] + base[i + 1 :]]
        return sorted(same, key=lambda p: p[i])

    def within_noise(self, p: Point, b: Point) -> bool:
        s, top = self.out.tried[p], self.out.tried[b]
        return math.isfinite(s) and abs(top - s) <= self.noise(top)


def _moved(p: Point, i: int, q: int) -> Point:
    return p[:i] + (q,) + p[i + 1 :]


def _extend(run: _Run, base: Point, i: int, step: int, phase: str, plateau: bool):
    """Step past each edge of the line while the best is there (and, with `plateau`, on
    while the point beyond is within the noise of the best)."""
    c = run.coords[i]
    for d in (-1, 1):
        pts = run.line(base, i)
        b = run.best(pts)
        going = (b is None and d == -1) or (b is not None and b == pts[0 if d < 0 else -1])
        while going and not run.out.capped:
            edge = pts[0 if d < 0 else -1]
            nxt = _moved(edge, i, edge[i] + d * step)
            if not (c.low <= nxt[i] <= c.high) or not run.allowed(nxt):
                run.out.at_edge.setdefault(c.short, "limit")
                break
            yield from run.ask([nxt], phase)
            if nxt not in run.out.tried:
                break
            pts = run.line(base, i)
            b = run.best(pts)
            going = b == nxt or (b is None and d == -1)
            going = going or (plateau and b is not None and run.within_noise(nxt, b))


def _refine(run: _Run, base: Point, i: int, step: int, phase: str):
    c = run.coords[i]
    b = run.best(run.line(base, i))
    if b is None:
        return
    near = [_moved(b, i, b[i] + d * step) for d in (-1, 1)]
    yield from run.ask([p for p in near if c.low <= p[i] <= c.high and run.allowed(p)], phase)


def _line_search(run: _Run, base: Point, i: int, starts, steps, phase: str, plateau=True):
    """Bracket and refine coordinate `i` from `base`; returns the line's best point."""
    middle_first = sorted(starts, key=lambda q: abs(q - starts[len(starts) // 2]))
    yield from run.ask([_moved(base, i, q) for q in middle_first], phase)
    yield from _extend(run, base, i, steps[0], phase, plateau)
    for step in steps[1:]:
        yield from _refine(run, base, i, step, phase)
    best = run.best(run.line(base, i))
    if best is not None:
        run.last[i] = best
    return best


def search(
    coords: list[Coordinate],
    base: Point,
    *,
    cap: int,
    higher: bool,
    noise: Callable[[float], float],
    allowed: Callable[[Point], bool] = lambda p: True,
) -> Search:
    """The search of one cell: coordinate 0 (the learning rate) from `base`, then each other
    coordinate at the best so far, then coordinate 0 again at its finest step."""
    run = _Run(coords, cap, higher, noise, allowed)
    c0 = coords[0]
    best = yield from _line_search(run, base, 0, c0.start, c0.steps, c0.short)
    for i, c in enumerate(coords[1:], start=1):
        if best is None:
            break
        best = yield from _line_search(run, best, i, c.start, c.steps, c.short)
        if best is not None:
            again = f"{c0.short} again"
            best = yield from _line_search(run, best, 0, [best[0]], c0.steps[-1:], again, False)
    run.out.best = best
    _mark_edges(run)
    return run.out


def _mark_edges(run: _Run) -> None:
    """Say which coordinates of the chosen point lack a tried neighbour at their finest
    step on either side, on the line they were chosen on (the limit, or the cap, stopped
    the search there)."""
    b = run.out.best
    if b is None:
        return
    for i, c in enumerate(run.coords):
        p = run.last.get(i, b)  # where coordinate i was chosen (the others held there)
        qs = {x[i] for x in run.line(p, i)}
        step = c.steps[-1]
        below = p[i] - step in qs or c.floor(p[i])
        if not below or p[i] + step not in qs:
            run.out.at_edge[c.short] = "cap" if run.out.capped else "limit"
        else:
            run.out.at_edge.pop(c.short, None)


def advance(make: Callable[[], Search], known: Callable[[Point], float | None]):
    """Replay a search from the scores `known` gives (None: not yet run). Returns the points
    to run next and None, or no points and the `Outcome` once the search is finished."""
    gen = make()
    try:
        request = next(gen)
        while True:
            scores = [known(p) for p in request]
            missing = [p for p, s in zip(request, scores, strict=True) if s is None]
            if missing:
                return missing, None
            request = gen.send([float(s) for s in scores])
    except StopIteration as stop:
        return [], stop.value
