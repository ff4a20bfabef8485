"""Performance profiles (Dolan & Moré 2002), as MLCommons AlgoPerf scores optimizers.

A *problem* is a model with a regularizer; a *solver* is an optimizer. For each problem, each
solver's time to reach the target validation accuracy, counted in optimizer steps (the same
on any machine; seconds would compare CPUs), is divided by the fastest solver's on that
problem. A solver's profile rho(tau) is the share of problems it solved within tau
times the best time: rho(1) is how often it was the fastest, rho at large tau how often it
reached the target at all. A solver that never reaches a problem's target counts as not
solving it at any tau.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from zoo.report.frames import optimizer_name, optimizer_order


def problem_times(summary: pd.DataFrame) -> pd.DataFrame:
    """Optimizer steps to target (a count that means the same on any machine), problems
    (model, regularizer) x solvers (optimizers); inf where a solver did not reach it. Every
    solver kept ran every problem kept, so no optimizer is scored on problems the others never
    saw: of such blocks, the one with the most (problem, solver) pairs (`_widest`)."""
    sub = summary[summary["target"].notna()]
    if sub.empty:
        return pd.DataFrame()
    # A solver is an optimizer (under its schedule) by name: the values tuning chose for it
    # on each problem are its own, so `adam:lr=0.01` and `adam:lr=0.003` are one solver.
    names = sub["optimizer"].map(optimizer_name)
    solvers = optimizer_order(names)
    times = sub.assign(t=sub["target_steps_mean"].fillna(math.inf), solver=names).pivot_table(
        index=["model", "regularizer"], columns="solver", values="t", aggfunc="min"
    )
    return _widest(times.reindex(columns=solvers))


def _widest(times: pd.DataFrame) -> pd.DataFrame:
    """The block of `times` (NaN: not run) whose every solver ran every problem, with the
    most problem-solver pairs, then the most problems; solvers and problems keep their
    order. A grid that runs its regularizers under two optimizers only keeps the
    optimizers' own problems, not a single shared one. The candidate solver sets are the
    problems' own and their intersections (any block's solvers are one of these)."""
    ran = {p: frozenset(row.index[row.notna()]) for p, row in times.iterrows()}
    sets = frontier = set(ran.values())
    while frontier:
        frontier = {a & b for a in frontier for b in sets} - sets
        sets = sets | frontier

    def size(solvers: frozenset) -> tuple[int, int, list[str]]:
        n = sum(solvers <= s for s in ran.values())
        return n * len(solvers), n, sorted(solvers)

    best = max(sets, key=size, default=frozenset())
    rows = [p for p, s in ran.items() if best <= s]
    return times.loc[rows, [c for c in times.columns if c in best]]


def performance_profile(times: pd.DataFrame, taus: np.ndarray) -> pd.DataFrame:
    """rho(tau) per solver (columns) at each tau (rows) for a problems x solvers time table."""
    best = times.min(axis=1)
    ratios = times.div(best.where(np.isfinite(best)), axis=0)  # an unsolved problem: NaN ratio
    ratios = ratios.fillna(math.inf)
    n = len(times)
    solved = np.isfinite(ratios)
    rho = {s: [((ratios[s] <= tau) & solved[s]).sum() / n for tau in taus] for s in times.columns}
    return pd.DataFrame(rho, index=pd.Index(taus, name="tau"))
