"""Checks before any training: every trial's data set can be read and split as asked.

`zoo bench` runs them before it makes the output folder, so missing data or an impossible
split size fails fast and leaves nothing behind; `run_trials` runs them before its first
trial.
"""

from __future__ import annotations

from pathlib import Path

from zoo.bench.plan.trial import Trial
from zoo.data import load_dataset
from zoo.errors import UsageError


def preflight(trials: list[Trial], data_dir: str | None, sizes: bool = True) -> None:
    """Read each data set once and (`sizes`) check every trial's split sizes against it,
    before any training (and, from the CLI, before the output folder is made): missing data
    or an impossible size fails fast and leaves nothing behind."""
    if data_dir is not None and not Path(data_dir).is_dir():
        what = "a file" if Path(data_dir).exists() else "missing"
        raise UsageError(
            f"--data-dir {data_dir}: {what}, not a folder. Give the folder that holds the data "
            "files (or leave it out to search ZOO_DATA_DIR, the Keras cache and "
            "/usr/share/datasets)."
        )
    wanted = dict.fromkeys(
        (t.dataset, tuple(sorted(t.data_options.items())),
         *((t.train_size, t.val_size, t.test_size) if sizes else (1, 0, 1)))
        for t in trials
    )  # fmt: skip
    for name, options, train, val, test in wanted:
        load_dataset(name, train_size=train, val_size=val, test_size=test, data_dir=data_dir,
                     **dict(options))  # fmt: skip
