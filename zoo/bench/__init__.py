"""The benchmark harness: suites expand into trials (`suite`), trials run and store their
records (`trials`, `runner`, `store`), tuning, racing and a whole run (`tune`, `racing`,
`campaign`), the output folder's layout (`layout`), audits (`audit`).
"""

from zoo.bench.grid import expand
from zoo.bench.store import Store
from zoo.bench.suite import list_suites, load_suite
from zoo.bench.trial import Trial
from zoo.bench.trials import RunSummary, preflight, run_trials

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
