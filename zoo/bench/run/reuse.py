"""Reusing a compiled model between trials of the same shape, so each pays for tracing once.

TensorFlow traces a model's train and test steps on their first batches: 0.5-1.5 s here, a
fifth of a quick trial. Trials that differ only in their seed (or, at a constant schedule,
their learning rate, which the optimizer keeps in a variable) run the same graph, so the
harness keeps up to `CAPACITY` compiled models per process and, for a trial that matches
one, builds the trial's fresh model and optimizers as usual (cheap: no tracing) and copies
every variable of theirs (weights, batch-norm statistics, dropout's random-number state,
optimizer slots, step counter, learning rate) into the compiled ones. The trial then trains
the very numbers a fresh model would: the tests compare records with and without reuse.

Only under TensorFlow: JAX compiles per call signature anyway and torch does not trace.
`ZOO_REUSE=0` turns it off.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import dataclass

import keras

CAPACITY = 24  # compiled models kept per process (least recently used go first)


@dataclass
class Compiled:
    """A compiled model and its optimizers, as the harness left them after a trial."""

    model: keras.Model
    optimizers: list


_CACHE: OrderedDict[str, Compiled] = OrderedDict()


def enabled() -> bool:
    return keras.backend.backend() == "tensorflow" and os.environ.get("ZOO_REUSE", "1") != "0"


def trial_key(trial) -> str:
    """`key` for a `zoo.bench.plan.trial.Trial` (under its schedule, constant by default)."""
    return key(trial.config(), trial.schedule is None or trial.schedule.constant)


def key(config: dict, constant_lr: bool) -> str:
    """What must match for two trials to share a graph: the whole config but the seed (and
    the learning rate, when no schedule bakes it into the graph)."""
    shape = {k: v for k, v in config.items() if k != "seed"}
    if constant_lr:
        optimizer = dict(shape["optimizer"])
        optimizer["kwargs"] = {k: v for k, v in optimizer["kwargs"].items()
                               if k != "learning_rate"}  # fmt: skip
        shape["optimizer"] = optimizer
        if "d_optimizer" in shape:
            d = dict(shape["d_optimizer"])
            d["kwargs"] = {k: v for k, v in d["kwargs"].items() if k != "learning_rate"}
            shape["d_optimizer"] = d
    blob = json.dumps(shape, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def take(cache_key: str | None, fresh: keras.Model, optimizers: list) -> Compiled | None:
    """The compiled model for `cache_key`, set to `fresh`'s and `optimizers`' state (built on
    `fresh`'s variables), or None if there is none to reuse."""
    if cache_key is None or not enabled() or cache_key not in _CACHE:
        return None
    compiled = _CACHE[cache_key]
    _CACHE.move_to_end(cache_key)
    sources = [*fresh.variables, *(v for o in optimizers for v in o.variables)]
    targets = [*compiled.model.variables, *(v for o in compiled.optimizers for v in o.variables)]
    if len(sources) != len(targets) or any(
        tuple(s.shape) != tuple(t.shape) for s, t in zip(sources, targets, strict=True)
    ):
        del _CACHE[cache_key]  # not the same structure after all: build anew
        return None
    for source, target in zip(sources, targets, strict=True):
        target.assign(source)
    # Left by a resumed trial's BackupAndRestore, it would start the next trial late.
    compiled.model._initial_epoch = None
    compiled.model.stop_training = False
    return compiled


def keep(cache_key: str | None, model: keras.Model, optimizers: list) -> None:
    """Remember a compiled model (after its first trial) for the next trial of its shape."""
    if cache_key is None or not enabled():
        return
    _CACHE[cache_key] = Compiled(model, list(optimizers))
    _CACHE.move_to_end(cache_key)
    while len(_CACHE) > CAPACITY:
        _CACHE.popitem(last=False)


def clear() -> None:
    _CACHE.clear()
