"""The benchmark harness, by concept:

- `plan/`: suites and their profiles (`suite`), expanded into trials (`grid`, `trial`), and
  the checks before any training (`preflight`);
- `run/`: one trial from data to record (`runner`, `trainers`, `training`, `history`), many
  of them with claims and progress (`trials`), in workers or on Ray (`executors`);
- `output/`: the typed trial record (`record`), its store (`store`), the folder's `layout`;
- `decide/`: learning-rate tuning (`tune`) and seeds by racing (`racing`), from records;
- `campaign` (a whole `zoo bench` run) and `audit` (`zoo audit`).
"""

from zoo.bench.output.record import TrialRecord
from zoo.bench.output.store import Store
from zoo.bench.plan.grid import expand
from zoo.bench.plan.preflight import preflight
from zoo.bench.plan.suite import list_suites, load_suite
from zoo.bench.plan.trial import Trial
from zoo.bench.run.trials import RunSummary, run_trials

__all__ = [
    "RunSummary",
    "Store",
    "Trial",
    "TrialRecord",
    "expand",
    "list_suites",
    "load_suite",
    "preflight",
    "run_trials",
]
