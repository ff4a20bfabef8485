"""How long a run will take, before it starts: what `zoo bench` and `zoo bench --dry-run` say.

A trial's seconds are its training examples times epochs times its model's measured cost
per example-epoch, plus its evaluated examples (test, and for a GAN the FID's generated
images) times the cost of one, plus a fixed cost; a run adds its start (imports, data, the
report). The costs are medians of committed records: `cnn_small`, `lstm` and `dcgan` from
`reports/quick/` (a 2-core AMD EPYC, one thread a trial, as under `--jobs 2`), `cnn_vgg`
and `bilstm` from `reports/cnn_vgg-full-adam/` and `reports/bilstm-full-adam/` (two
threads, converted to one). Text models scale with `sequence_length` (64 in the
reference), the DCGAN and `cnn_vgg` with the square of their width (32, and 16/32/64).
`tests/bench/test_duration.py` holds the estimates to those records. Tuning and racing make
a run's length a range, so the estimate is one too; other CPUs may take up to about twice
as long (README, Performance).
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from zoo.bench.campaign import trial_counts
from zoo.bench.plan.trial import Trial
from zoo.data import DATASETS
from zoo.data.text import DEFAULT_SEQUENCE_LENGTH

# model -> (ms per training example-epoch, ms per evaluated example), reference settings
COSTS_MS = {
    "cnn_small": (0.277, 0.10),
    "cnn_vgg": (1.6, 0.5),
    "lstm": (0.738, 0.15),
    "bilstm": (6.0, 1.2),
    "dcgan": (0.72, 0.86),  # the evaluation is the FID's: generated images through the classifier
}
REFERENCE_SEQUENCE_LENGTH, REFERENCE_GAN_WIDTH = 64, 32
SPLITS = {"fashion_mnist": 60_000, "mnist": 60_000, "cifar10": 50_000, "imdb": 25_000}
TEST_SPLITS = {"fashion_mnist": 10_000, "mnist": 10_000, "cifar10": 10_000, "imdb": 25_000}
TRIAL_S = 0.6  # per trial: building the model, tracing its steps, the record
RUN_S = 15.0  # per run: starting TensorFlow, reading the data, writing the report
JOBS_1_SPEEDUP = 1.4  # one process with 2 threads against one thread (12.8 vs 9.6 min at --jobs 2)
EFFICIENCY = 0.93  # workers' busy share at --jobs 2 (reports/quick: 1,011 trial-s in 9.0 min)


@dataclass(frozen=True)
class Estimate:
    """A run's length: wall seconds for its fewest and most trials, and the models it could
    not price (zoo measured only its own)."""

    low_s: float
    high_s: float
    unpriced: tuple[str, ...] = ()

    def text(self, jobs: int) -> str:
        """E.g. 'about 8 to 18 min with --jobs 2 at the speed of the reference's 2-core CPU'."""
        if not self.high_s:
            return f"no estimate for {', '.join(self.unpriced)} (zoo has measured only its own)"
        low, high = duration(self.low_s), duration(self.high_s)
        if low == high:
            span = low
        elif low.split()[1] == high.split()[1]:
            span = f"{low.split()[0]} to {high}"
        else:
            span = f"{low} to {high}"
        some = f"; {', '.join(self.unpriced)} not counted" if self.unpriced else ""
        return f"about {span} with --jobs {jobs} at the speed of the reference's 2-core CPU{some}"


def trial_seconds(trial: Trial) -> float | None:
    """One trial's seconds on the reference CPU at one thread; None for a model zoo has not
    measured or a data set of unknown size."""
    if trial.model not in COSTS_MS or trial.dataset not in SPLITS:
        return None
    per_example, per_eval = COSTS_MS[trial.model]
    scale = 1.0
    if DATASETS[trial.dataset].kind == "text":
        length = trial.data_options.get("sequence_length", DEFAULT_SEQUENCE_LENGTH)
        scale = length / REFERENCE_SEQUENCE_LENGTH
    if trial.model == "dcgan":
        scale = (trial.model_options.get("width", 64) / REFERENCE_GAN_WIDTH) ** 2
    if trial.model == "cnn_vgg":  # measured at its default widths, 16/32/64
        scale = (trial.model_options.get("widths", [16])[0] / 16) ** 2
    train = trial.train_size or SPLITS[trial.dataset] - trial.val_size
    test = trial.test_size or TEST_SPLITS[trial.dataset]
    evaluated = (trial.fid_samples or test) if trial.model == "dcgan" else test
    ms = per_example * train * trial.epochs + per_eval * evaluated
    return TRIAL_S + ms * scale / 1000


def estimate(trials: list[Trial], jobs: int = 1, cores: int | None = None) -> Estimate:
    """The wall time of running `trials` (tuning and racing included) with `jobs` workers
    on a machine of `cores` cores (default: this one's), as a range."""
    by_model: dict[str, list[Trial]] = defaultdict(list)
    for t in trials:
        by_model[t.model].append(t)
    low = high = 0.0
    unpriced = []
    for model, group in by_model.items():
        seconds = [trial_seconds(t) for t in group]
        if None in seconds:
            unpriced.append(model)
            continue
        fewest, most, _ = trial_counts(group)
        mean = sum(seconds) / len(seconds)
        low, high = low + fewest * mean, high + most * mean
    cores = cores or os.cpu_count() or 1
    speedup = min(cores, JOBS_1_SPEEDUP) if jobs == 1 else min(jobs, cores) * EFFICIENCY
    start = RUN_S if low else 0.0
    return Estimate(start + low / speedup, start + high / speedup, tuple(unpriced))


def duration(seconds: float) -> str:
    """Seconds as people say them: '40 s', '12 min', '3.5 h', '9 days'."""
    if seconds < 90:
        return f"{max(10, round(seconds, -1)):.0f} s"
    for limit, size, name in ((90 * 60, 60, "min"), (72 * 3600, 3600, "h"), (None, 86400, "days")):
        if limit is None or seconds < limit:
            value = seconds / size
            return f"{value:.1f} {name}" if value < 10 and name != "min" else f"{value:.0f} {name}"
    raise AssertionError("unreachable")
