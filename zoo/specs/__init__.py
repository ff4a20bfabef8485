"""Optimizers, learning-rate schedules and regularizers as named specs with overrides, e.g.
`adam:lr=3e-4`, `warmup_cosine:warmup=0.1`, `l2:1e-4`.

A spec string is parsed into a resolved, hashable description (every hyperparameter spelled
out), so two spellings of the same configuration hash alike and get the same canonical label.
"""

from zoo.specs.optimizers import OPTIMIZERS, OptimizerSpec, parse_optimizer, parse_optimizer_pair
from zoo.specs.regularizers import REGULARIZERS, Regularization, parse_regularizer
from zoo.specs.schedules import SCHEDULES, ScheduleSpec, parse_schedule

__all__ = [
    "OPTIMIZERS",
    "REGULARIZERS",
    "SCHEDULES",
    "OptimizerSpec",
    "Regularization",
    "ScheduleSpec",
    "parse_optimizer",
    "parse_optimizer_pair",
    "parse_regularizer",
    "parse_schedule",
]
