"""Chance: what a predictor without skill scores on a table's headline metric, and whether a
configuration is better than that beyond its uncertainty (the reports flag cells at chance
and name no leader among them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from zoo.data import dataset_info
from zoo.errors import UsageError
from zoo.specs.tasks import task


def chance(results: pd.DataFrame) -> float:
    """What a predictor without skill scores on the headline metric of one table's trials
    (one model on one data set): 1/classes for a classifier (0.5 binary), the untrained
    generator's FID for a GAN (mean over its trials); NaN where unknown (e.g. regression)."""
    t = task(results["task"].iloc[0])
    if t.generative:
        untrained = results["fid_untrained"].dropna()
        return float(untrained.mean()) if len(untrained) else np.nan
    if not t.percent:
        return np.nan
    try:
        k = t.classes or dataset_info(results["dataset"].iloc[0]).num_classes
    except UsageError:  # a user's own data set, registered only while its run lasts
        return np.nan
    return 1.0 / k if k else np.nan


def one_seed_noise(task_name: str, value: float, test_size: float) -> float:
    """How far one seed's headline `value` may lie from the truth by measurement alone: for a
    share (accuracy) the test split's binomial 95% half-width 1.96 sqrt(p (1 - p) / n), else
    the task's reproduction tolerance (FID: 10%), in the metric's units."""
    t = task(task_name)
    if t.percent:
        return 1.96 * t.noise(value, int(test_size) if np.isfinite(test_size) else 0)
    return t.reproduce.absolute + t.reproduce.relative * abs(value)


def beats_chance(task_name: str, mean: float, half: float, test_size: float, level: float) -> bool:
    """Whether a mean headline value is better than chance `level` beyond its 95% half-width
    `half` (NaN, for one seed: beyond its measurement noise, `one_seed_noise`)."""
    t = task(task_name)
    if not np.isfinite(half):
        half = one_seed_noise(task_name, mean, test_size)
    edge = mean - half if t.higher_is_better else mean + half
    return t.better(edge, level) if np.isfinite(edge) else t.better(mean, level)


def at_chance(row: pd.Series) -> bool:
    """Whether a configuration (a `summary_frame` row) is not better than chance beyond its
    95% interval (`beats_chance`)."""
    t = task(row["task"])
    mean, half = row[f"{t.column}_mean"], row[f"{t.column}_ci95"]
    if not (np.isfinite(row["chance"]) and np.isfinite(mean)):
        return False
    return not beats_chance(row["task"], mean, half, row["test_size"], row["chance"])
