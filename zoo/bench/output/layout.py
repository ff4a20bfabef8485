"""The output folder's layout, in one place: what `zoo bench --out DIR` writes where.

    DIR/results/<hash>.json       a trial's record (`zoo.bench.output.store`), its files beside it
    DIR/checkpoints/<hash>/       a running trial's backups and history (removed once stored)
    DIR/tensorboard/<hash>/       its TensorBoard logs and HParams (`--tensorboard`)
    DIR/run.json                  the last run: command, the trials of its tables
    DIR/tuning.json               the learning rates tuning tried and chose
    DIR/racing.json               how many seeds each cell got, and why
    DIR/selections.json           which optimizers a grid took from another's table, and why
    DIR/README.md, index.html, results.csv, summary.csv, plots/    the report

Every module that reads or writes the folder asks a `Layout` for the path.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from zoo.errors import UsageError

RESULTS, CHECKPOINTS, TENSORBOARD, PLOTS = "results", "checkpoints", "tensorboard", "plots"
RUN_FILE, TUNING_FILE, RACING_FILE = "run.json", "tuning.json", "racing.json"
SELECTIONS_FILE = "selections.json"


@dataclass(frozen=True)
class Layout:
    """The paths of one output folder."""

    out: Path

    def __init__(self, out) -> None:
        object.__setattr__(self, "out", Path(out))

    @property
    def results(self) -> Path:
        return self.out / RESULTS

    @property
    def run_file(self) -> Path:
        return self.out / RUN_FILE

    @property
    def tuning_file(self) -> Path:
        return self.out / TUNING_FILE

    @property
    def racing_file(self) -> Path:
        return self.out / RACING_FILE

    @property
    def selections_file(self) -> Path:
        return self.out / SELECTIONS_FILE

    @property
    def plots(self) -> Path:
        return self.out / PLOTS

    @property
    def readme(self) -> Path:
        return self.out / "README.md"

    @property
    def html(self) -> Path:
        return self.out / "index.html"

    @property
    def results_csv(self) -> Path:
        return self.out / "results.csv"

    @property
    def summary_csv(self) -> Path:
        return self.out / "summary.csv"

    def create(self) -> None:
        """Make the folder, or raise `UsageError` if it cannot be written (nothing else is
        made: call this only once a run's settings and data are known to be good)."""
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            # A probe of this process's own: two runs starting on one folder at once must not
            # delete each other's (the second unlink failed: "No such file or directory").
            with tempfile.NamedTemporaryFile(dir=self.out, prefix=".write-test-"):
                pass
        except OSError as exc:
            raise UsageError(
                f"cannot write to the output folder {self.out}: {exc.strerror}. Choose a "
                "writable --out."
            ) from exc

    def checkpoints(self, config_hash: str) -> Path:
        """A trial's checkpoint folder (its backups and per-epoch history)."""
        return self.out / CHECKPOINTS / config_hash

    @property
    def tensorboard_root(self) -> Path:
        """The TensorBoard log folder (`tensorboard --logdir` it): the HParams experiment."""
        return self.out / TENSORBOARD

    def tensorboard(self, config_hash: str) -> Path:
        """A trial's TensorBoard logs: one run per trial for `tensorboard --logdir`."""
        return self.out / TENSORBOARD / config_hash

    def drop_checkpoints(self, config_hash: str) -> None:
        """Remove a trial's checkpoint folder, and `checkpoints/` when no other is there."""
        folder = self.checkpoints(config_hash)
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            folder.parent.rmdir()
