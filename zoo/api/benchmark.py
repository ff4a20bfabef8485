"""Benchmark your own Keras model on your own data, from Python, in KerasTuner's shape:

    bench = zoo.Benchmark(build_model, optimizers=["adam", "sgd"], seeds=3)
    result = bench.search(x, y, validation_data=(x_val, y_val), epochs=5)
    print(result)        # each cell: mean, 95% CI, seeds, separated from the leader or not
    result.cells, result.leader, result.group, result.report

or in one call, `zoo.benchmark(build_model, x, y, ...)`. It runs what `zoo bench` runs: the
same trials, store, resume, tuning, racing and progress bar (`zoo.bench.campaign`), and the
same report (`zoo.report.write_report`), into `directory`. `zoo bench --model MODULE:FUNCTION
--data FILE.npz` calls it from the command line.

Everything is checked before anything is made (a refused call creates no folder): the data
(`zoo.data.arrays`), the builder and its outputs against the task (`zoo.models.custom`,
`zoo.specs.tasks`), the labels against the model's outputs, the regularizers that apply to a
model zoo did not build (`zoo.specs.regularizers.check_own_model`) and every spec string as
`zoo bench` checks them. Mistakes raise `zoo.errors.UsageError`.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.api.result import BenchmarkResult
from zoo.bench.campaign import run_campaign, trial_counts, tuning_budget
from zoo.bench.output.layout import Layout
from zoo.bench.plan.grid import expand
from zoo.bench.plan.preflight import preflight
from zoo.bench.plan.suite import Suite
from zoo.bench.plan.trial import Trial
from zoo.bench.run.provenance import versions
from zoo.data import dataset_info, load_dataset
from zoo.data.arrays import Arrays, from_data, load_npz
from zoo.data.datasets import registered
from zoo.errors import UsageError
from zoo.models.custom import OwnModel
from zoo.report import write_report
from zoo.specs import parse_regularizer
from zoo.specs.regularizers import check_own_model

DEFAULT_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw")
DEFAULT_VALIDATION = 0.2  # no validation data: this share of the training examples, per seed
PROFILE = "benchmark"


@dataclass
class Planned:
    """A checked benchmark, ready to run: its trials, model, data and where it goes."""

    trials: list[Trial]
    own: OwnModel
    dataset: str
    arrays: Arrays | None  # None: a data set zoo knows
    directory: Path
    notes: list[str]
    info: Any = None  # the `DatasetInfo` of `arrays`, registered while the trials run

    @contextlib.contextmanager
    def registered(self) -> Iterator[None]:
        """The user's data set and model in zoo's tables while the trials and report run."""
        with contextlib.ExitStack() as stack:
            if self.arrays is not None:
                stack.enter_context(registered(self.info))
            stack.enter_context(self.own.registered(self.dataset))
            yield

    def counts(self) -> list[str]:
        """How many trials the run takes, as `zoo bench --dry-run` says it."""
        with self.registered():
            return trial_counts(self.trials)[2]


class Benchmark:
    """Compare optimizers, schedules and regularizers on your own model, KerasTuner-style.

    `build_model`: a function (or "module:function") returning an uncompiled `keras.Model`;
    it may take `input_shape` and `num_classes` (see `zoo.models.custom`). `task`:
    "classification" (softmax outputs, integer labels), "binary_classification" (one sigmoid
    output, labels 0/1) or "regression" (mean squared error). `optimizers`, `schedules`,
    `regularizers`: spec strings as `zoo bench` takes them (`adam:lr=3e-4`, `cosine`,
    `l2:1e-4`; `zoo list optimizers`). `seeds`: a count, or "MIN..MAX" to race seeds where the
    leader is not yet separated. `tune`: "lr" or "lr+wd" (optionally ":CAP"), the same
    bracketing search of each cell's learning rate on validation; None: the specs' own rates.
    `target`: a validation score whose time-to-target the report gives. `directory`: the
    output folder (default `runs/<name>`); a second call with the same arguments resumes
    there and trains only what is missing. `name`: the model's name in the report (default:
    the function's). `progress`, `tensorboard` (TensorBoard logs and the HParams table),
    `save_weights`, `report` as `zoo bench`'s flags.
    """

    def __init__(self, build_model: Callable | str, *, task: str = "classification",
                 optimizers: Sequence[str] = DEFAULT_OPTIMIZERS,
                 schedules: Sequence[str] = ("constant",), regularizers: Sequence[str] = ("none",),
                 seeds: int | str = 3, tune: str | None = None, target: float | None = None,
                 directory: str | Path | None = None, name: str | None = None,
                 progress: bool = True, tensorboard: bool = False, save_weights: bool = False,
                 report: bool = True) -> None:  # fmt: skip
        self.own = OwnModel.of(build_model, task, name)
        self.axes = {"optimizers": list(optimizers), "schedules": list(schedules),
                     "regularizers": list(regularizers)}  # fmt: skip
        self.settings = {"seeds": seeds, "tune": tune, "target": target}
        self.directory = Path(directory or f"runs/{self.own.name}")
        self.options = {"progress": progress, "tensorboard": tensorboard,
                        "save_weights": save_weights, "report": report}  # fmt: skip
        if tensorboard and importlib.util.find_spec("tensorboard") is None:
            raise UsageError(
                "tensorboard=True needs the tensorboard package: "
                "pip install 'zoo-bench[tensorboard]'."
            )
        for key, values in self.axes.items():
            if isinstance(values, str) or not values:
                raise UsageError(f"{key} must be a non-empty list of spec strings, got {values!r}.")

    def plan(self, x: Any, y: Any = None, *, validation_data: Any = None,
             validation_split: float | int | None = None, test_data: Any = None,
             epochs: int = 5, batch_size: int = 32, dataset_name: str | None = None,
             train_size: int | None = None, test_size: int | None = None,
             data_dir: str | None = None) -> Planned:  # fmt: skip
        """Check everything and expand the trials, training and writing nothing (see
        `search` for the arguments)."""
        arrays, dataset, sample, labels = _data(x, y, validation_data, test_data, dataset_name,
                                                data_dir, train_size, test_size)  # fmt: skip
        if arrays is not None and (train_size or test_size):
            raise UsageError("train_size and test_size pick subsets of a data set zoo knows; "
                             "your arrays are used whole: slice them instead.")  # fmt: skip
        t = self.own.task
        k = _classes(labels) if t.output_classes(2) else None  # a classifier's num_classes
        units = self.own.probe(sample["x"], num_classes=k, **sample["kwargs"])
        for where, values in labels.items():
            t.check_targets(values, where, units)
        n_val = _validation(arrays, dataset, validation_data, validation_split, data_dir)
        planned = Planned([], self.own, dataset, arrays, self.directory, [])
        if arrays is not None:
            planned.info = arrays.info(t.output_classes(units[-1]))
            if arrays.test_held_out:
                planned.notes.append(
                    f"note: no test data given: {len(arrays.x_test)} training examples, drawn "
                    "once, are held out as the test split (the same for every trial)."
                )
        with planned.registered():
            for spec in self.axes["regularizers"]:
                check_own_model(parse_regularizer(spec), self.own.builder,
                                self.own.applies(dataset))  # fmt: skip
            grid = {"models": [self.own.name], "datasets": [dataset], **self.axes}
            sizes = {"train_size": train_size, "test_size": test_size} if arrays is None else {}
            profile = {**self.settings, "epochs": epochs, "batch_size": batch_size,
                       "val_size": n_val, "model_options": self.own.options, "grid": [grid],
                       "train_size": None, "test_size": None, **sizes}  # fmt: skip
            suite = Suite(self.own.name, Path("<python>"), "", {}, {PROFILE: profile})
            planned.trials = expand(suite, PROFILE, versions=versions(), notes=planned.notes)
            tuning_budget(planned.trials)  # one budget per run
            preflight(planned.trials, data_dir)
        return planned

    def search(self, x: Any, y: Any = None, *, command: str | None = None,
               **kwargs: Any) -> BenchmarkResult:  # fmt: skip
        """Train every trial (tuning and racing where asked), write the report and return the
        result. `x`, `y`: NumPy arrays; or `x` a `tf.data.Dataset` of (x, y) batches; or `x`
        an `.npz` path (x_train, y_train, optional x_val, y_val, x_test, y_test) or the name
        of a data set zoo knows (`zoo list datasets`). `validation_data`: (x_val, y_val) or a
        data set of batches; else `validation_split` (a share, default 0.2, or a count)
        of the training data, drawn per seed. `test_data`: likewise; without it 20% of the
        training data, drawn once, is the test split (read by no decision). `epochs`,
        `batch_size`; `train_size`, `test_size`: subsets of a named data set; `dataset_name`:
        the data's name in the report (default "data", an npz file's stem); `data_dir`: where
        named data sets are read from. Raises `UsageError` for bad input, creating nothing."""
        planned = self.plan(x, y, **kwargs)
        return self.run(planned, command=command, data_dir=kwargs.get("data_dir"))

    def run(self, planned: Planned, *, command: str | None = None,
            data_dir: str | None = None) -> BenchmarkResult:  # fmt: skip
        """Run a `plan`ned benchmark: its trials, the report, the result."""
        out, own = planned.directory, planned.own
        for note in dict.fromkeys(planned.notes):
            print(note if note.startswith("note:") else f"note: {note}", file=sys.stderr)
        with planned.registered():
            Layout(out).create()
            print(f"zoo benchmark: {own.name} ({own.builder}) on {planned.dataset}: "
                  f"{len(planned.trials)} trials -> {out}", file=sys.stderr)  # fmt: skip
            about = {"command": command or f"zoo.benchmark({own.builder}, {planned.dataset!r})",
                     "suite": own.name, "profile": PROFILE,
                     "description": f"your model {own.builder} on {planned.dataset}"}  # fmt: skip
            summary, _ = run_campaign(
                planned.trials, out, about=about, log=lambda line: print(line, file=sys.stderr),
                data_dir=data_dir, progress=self.options["progress"],
                save_weights=self.options["save_weights"],
                tensorboard=self.options["tensorboard"],
            )  # fmt: skip
            report = None
            if self.options["report"]:
                report = write_report(out, warn=lambda m: print(m, file=sys.stderr))
            return BenchmarkResult.read(out, report=report, ran=summary.ran,
                                        skipped=summary.skipped)  # fmt: skip


def benchmark(build_model: Callable | str, x: Any, y: Any = None, **kwargs: Any) -> BenchmarkResult:
    """`Benchmark(build_model, ...).search(x, y, ...)` in one call: the keywords of both."""
    search = {"validation_data", "validation_split", "test_data", "epochs", "batch_size",
              "dataset_name", "train_size", "test_size", "data_dir", "command"}  # fmt: skip
    return Benchmark(build_model, **{k: v for k, v in kwargs.items() if k not in search}).search(
        x, y, **{k: v for k, v in kwargs.items() if k in search}
    )


def _data(x, y, validation_data, test_data, name, data_dir, train_size, test_size):
    """(arrays or None, the data set's name, a sample to probe the model with, the labels
    to check by array name)."""
    if isinstance(x, str | Path) and (Path(x).suffix == ".npz" or Path(x).exists()):
        if y is not None or validation_data is not None or test_data is not None:
            raise UsageError(f"{x}: an .npz file holds its own splits; give no y, "
                             "validation_data or test_data with it.")  # fmt: skip
        arrays = load_npz(x, name)
    elif isinstance(x, str):
        try:
            dataset_info(x)
        except UsageError as exc:
            raise UsageError(f"{exc} Or give the path of an .npz file.") from None
        ds = load_dataset(x, train_size=train_size, val_size=0, test_size=test_size,
                          data_dir=data_dir)  # fmt: skip
        labels = {"y_train": ds.y_train, "y_test": ds.y_test}
        kwargs = {k: v for k, v in ds.model_kwargs.items() if k != "num_classes"}
        return None, x, {"x": ds.x_train[:2], "kwargs": kwargs}, labels
    else:
        arrays = from_data(x, y, validation_data=validation_data, test_data=test_data,
                           name=name or "data")  # fmt: skip
    labels = {k: v for k, v in arrays.arrays().items() if k.startswith("y_")}
    with registered(arrays.info(0)):  # the model sees what a trial's model sees
        first = load_dataset(arrays.name, val_size=0, test_size=2).x_test[:2]
    return arrays, arrays.name, {"x": first, "kwargs": {}}, labels


def _classes(labels: dict[str, np.ndarray]) -> int:
    """1 + the largest label (what a builder's `num_classes` is given)."""
    return int(max(np.max(v) for v in labels.values() if v.size)) + 1


def _validation(arrays, dataset, validation_data, split, data_dir) -> int:
    """The validation examples per trial: the given split's size, or `split` (a share in
    (0, 1) or a count) of the training examples."""
    if arrays is not None and arrays.x_val is not None:
        if split is not None:
            raise UsageError("give validation_data or validation_split, not both.")
        return len(arrays.x_val)
    if validation_data is not None:
        raise UsageError(f"validation_data goes with arrays; {dataset!r} draws its own.")
    n = len(arrays.x_train) if arrays is not None else len(
        load_dataset(dataset, val_size=0, data_dir=data_dir).x_train)  # fmt: skip
    split = DEFAULT_VALIDATION if split is None else split
    if isinstance(split, float) and 0 < split < 1:
        count = round(split * n)
    elif isinstance(split, int) and not isinstance(split, bool) and split >= 1:
        count = split
    else:
        raise UsageError(f"validation_split must be a share in (0, 1) or a count >= 1, got "
                         f"{split!r}.")  # fmt: skip
    if not 1 <= count < n:
        raise UsageError(f"validation_split={split!r} takes {count} of the {n} training "
                         "examples; leave some for each side.")  # fmt: skip
    return count
