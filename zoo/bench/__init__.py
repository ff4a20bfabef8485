"""The benchmark harness: suites expand into trials (`suite`), trials run and store their
records (`trials`, `runner`, `store`), tuning, racing and a whole run (`tune`, `racing`,
`campaign`), the output folder's layout (`layout`), audits (`audit`).
"""

from zoo.bench.output.store import Store
from zoo.bench.plan.grid import expand
from zoo.bench.plan.suite import list_suites, load_suite
from zoo.bench.plan.trial import Trial
from zoo.bench.run.trials import RunSummary, preflight, run_trials

__all__ = [
    "RunSummary",
    "Store",
    "Trial",
    "expand",
    "list_suites",
    "load_suite",
    "preflight",
    "run_trials",
]
