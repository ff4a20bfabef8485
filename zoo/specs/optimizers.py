"""Named optimizers from `keras.optimizers`, each with a sensible default learning rate.

    >>> parse_optimizer("adam:lr=3e-4").build()
    <keras.src.optimizers.adam.Adam ...>

Overrides are any keyword of the Keras optimizer class (`beta_1`, `clipnorm`, `weight_decay`,
...), with `lr` short for `learning_rate`; a bare value (`adam:3e-4`) is the learning rate.
One keyword is the zoo's own: `warmup` (Schedule-Free AdamW), a share of the trial's steps
that `OptimizerSpec.build` turns into the Keras class's `warmup_steps` (`WARMUP`).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from zoo.errors import UsageError, unknown_name
from zoo.specs.parse import fmt_value, parse_value, split_spec
from zoo.specs.schedule_free import ScheduleFreeAdamW

# name -> (keras.optimizers class name, default keyword arguments). Every class Keras ships is
# here (momentum and nesterov are SGD settings). The learning rates follow the optimizers'
# papers or common practice where Keras's default is known to be poor (Adadelta 1.0 as in
# Zeiler 2012, Adagrad 0.01, Adamax 0.002, Lion 1e-4 = Adam's / 10; Adafactor 0.01, the
# relative step of Shazeer & Stern 2018, min(1e-2, 1/sqrt(t)); FTRL 0.01 as Adagrad, which
# FTRL-Proximal without L1/L2 reduces to (McMahan 2011)); the others are Keras's defaults
# (Lamb 1e-3; Muon 1e-3, which its Moonlight update scaling makes AdamW-compatible, Liu et al.
# 2025; Schedule-Free AdamW 2.5e-3, as in Defazio et al. 2024's reference code).
# Schedule-Free AdamW warms its rate up linearly over `warmup` = 5% of the trial's steps:
# its authors recommend warmup ("Using learning rate warmup is recommended", README of
# github.com/facebookresearch/schedule_free) and train with it in Defazio et al. 2024's
# experiments (5% of training there; their AlgoPerf entry used 2%).
# Schedule-Free AdamW is zoo's class (`zoo.specs.schedule_free`): the authors' update, which
# Keras's class gets wrong; `weight_lr_power` 2 is the reference's. Records of it without
# that keyword were made by Keras's update, in effect another optimizer.
OPTIMIZERS: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd": ("SGD", {"learning_rate": 0.01}),
    "momentum": ("SGD", {"learning_rate": 0.01, "momentum": 0.9}),
    "nesterov": ("SGD", {"learning_rate": 0.01, "momentum": 0.9, "nesterov": True}),
    "rmsprop": ("RMSprop", {"learning_rate": 0.001}),
    "adagrad": ("Adagrad", {"learning_rate": 0.01}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "adam": ("Adam", {"learning_rate": 0.001}),
    "adamw": ("AdamW", {"learning_rate": 0.001, "weight_decay": 0.004}),
    "nadam": ("Nadam", {"learning_rate": 0.001}),
    "adamax": ("Adamax", {"learning_rate": 0.002}),
    "lion": ("Lion", {"learning_rate": 0.0001}),
    "lamb": ("Lamb", {"learning_rate": 0.001}),
    "adafactor": ("Adafactor", {"learning_rate": 0.01}),
    "ftrl": ("Ftrl", {"learning_rate": 0.01}),
    "muon": ("Muon", {"learning_rate": 0.001}),
    "schedule_free_adamw": (
        "ScheduleFreeAdamW",
        {"learning_rate": 0.0025, "warmup": 0.05, "weight_lr_power": 2.0},
    ),
}
# What `zoo list optimizers` adds under a name.
NOTES = {
    "muon": "Newton-Schulz-orthogonalized momentum on 2-D kernels (dense, LSTM); conv "
    "kernels, embeddings, biases and normalization go to its AdamW branch",
    "schedule_free_adamw": "takes no schedule (a grid's decaying ones are left out for it); "
    "warmup=0.05: its rate rises linearly from 0 over that share of the trial's steps (Keras's "
    "warmup_steps; Defazio et al. 2024 warm up); validated, tested and saved at its averaged "
    "weights x, as its authors prescribe",
    "adafactor": "factored second moments; steps of min(lr, 1/sqrt(t)) relative to each "
    "weight's RMS (Keras applies that cap even with relative_step=false)",
    "lamb": "Adam's step scaled per layer by ||w|| / ||step||; weight decay is Keras's "
    "decoupled w -= lr * wd * w before it, outside that trust ratio (You et al. 2020 put it "
    "inside)",
    "ftrl": "FTRL-Proximal, made for sparse linear models; here without L1/L2",
}
SCHEDULE_FREE = {"schedule_free_adamw"}  # optimizers that take no learning-rate schedule


ALIASES = {"lr": "learning_rate", "wd": "weight_decay"}
SHORT = {v: k for k, v in ALIASES.items()}
# Keywords that must be > 0, those that must lie in [0, 1), and those that must be >= 0.
# Decoupled weight decay is not a fraction: Keras applies `w -= w * weight_decay * lr` each
# step (`Optimizer._apply_weight_decay`), so only lr x weight_decay >= 1 is degenerate (Lion's
# authors use 3-10x AdamW's decay, and decays of 1 and more are common with Lion).
POSITIVE = {"learning_rate", "clipnorm", "clipvalue", "global_clipnorm", "epsilon"}
UNIT_INTERVAL = {"momentum", "beta_1", "beta_2", "rho", "adam_beta_1", "adam_beta_2"}
NON_NEGATIVE = {"weight_decay", "adam_weight_decay"}
# Keras's weight averaging (EMA): refused until the harness supports it end to end. Keras
# swaps the averaged weights in only at the end of `fit`, so validation (what tuning reads)
# would be measured at the raw weights and the test at the averaged ones; a GAN's second
# optimizer loses its average; JAX and torch fail on the GAN ("length of model variables").
EMA = {"use_ema", "ema_momentum", "ema_overwrite_frequency"}
# The zoo's keyword -> the Keras keyword it becomes at `OptimizerSpec.build`: a warmup as a
# share of the trial's optimizer steps (in [0, 1)), so one spec fits trials of any length,
# built as `warmup_steps = round(warmup * total_steps)`. Only where the class takes the
# Keras keyword, which is then not settable itself.
WARMUP = {"warmup": "warmup_steps"}


def _keras_class(class_name: str) -> type:
    """The optimizer class for a Keras class name (zoo's `ScheduleFreeAdamW` for that one)."""
    if class_name == ScheduleFreeAdamW.__name__:
        return ScheduleFreeAdamW
    return getattr(keras.optimizers, class_name)


def _valid_keywords(class_name: str) -> list[str]:
    params: dict[str, Any] = {}
    for cls in _keras_class(class_name).__mro__:  # a zoo subclass adds to its Keras class's
        if "__init__" in vars(cls):
            params.update(inspect.signature(cls.__init__).parameters)
        if not cls.__module__.startswith("zoo."):
            break
    # Not settable from a spec: names, lists (Muon's exclude_layers), and the knobs of
    # mixed precision and EMA bookkeeping that change no optimizer's update.
    skip = {"self", "name", "args", "kwargs", "loss_scale_factor", "exclude_layers"}
    zoo = {k for k, keras_key in WARMUP.items() if keras_key in params}
    return sorted((set(params) - skip - set(WARMUP.values())) | zoo)


@dataclass(frozen=True)
class OptimizerSpec:
    """A resolved optimizer: its zoo name and every keyword passed to the Keras class."""

    name: str
    kwargs: dict[str, Any] = field(hash=False)

    @property
    def keras_class(self) -> str:
        return OPTIMIZERS[self.name][0]

    @property
    def label(self) -> str:
        """Canonical spelling: the name plus the keywords that differ from its defaults, the
        learning rate first (`adam:lr=0.0002:beta_1=0.5`)."""
        defaults = OPTIMIZERS[self.name][1]
        keys = sorted(self.kwargs, key=lambda k: (k != "learning_rate", k))
        diffs = [
            f"{SHORT.get(k, k)}={fmt_value(self.kwargs[k])}"
            for k in keys
            if defaults.get(k) != self.kwargs[k]
        ]
        return ":".join([self.name, *diffs])

    @property
    def learning_rate(self) -> float:
        return float(self.kwargs["learning_rate"])

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "keras_class": self.keras_class, "kwargs": dict(self.kwargs)}

    def build(self, learning_rate=None, total_steps: int | None = None):
        """A fresh `keras.optimizers.Optimizer` instance; `learning_rate` (a float or a
        `keras.optimizers.schedules.LearningRateSchedule`) replaces the spec's rate.
        `total_steps`, the trial's optimizer steps, turns a `warmup` share into Keras's
        `warmup_steps`; without it (a bare build, outside a trial) there is no warmup."""
        kwargs = keras_kwargs(self.kwargs, total_steps)
        if learning_rate is not None:
            kwargs["learning_rate"] = learning_rate
        return _keras_class(self.keras_class)(**kwargs)


def keras_kwargs(kwargs: dict[str, Any], total_steps: int | None = None) -> dict[str, Any]:
    """A spec's keywords as the Keras class takes them: each zoo keyword (`WARMUP`) replaced
    by its Keras one, `round(share * total_steps)` steps (left out without `total_steps`)."""
    out = {k: v for k, v in kwargs.items() if k not in WARMUP}
    for key, keras_key in WARMUP.items():
        if kwargs.get(key) and total_steps is not None:
            out[keras_key] = round(kwargs[key] * total_steps)
    return out


def parse_optimizer_pair(spec: str) -> tuple[OptimizerSpec, OptimizerSpec | None]:
    """Parse `G` or `G/D`: a GAN's generator optimizer and, optionally, its discriminator's.

    `adam:lr=1e-4:beta_1=0.5/adam:lr=4e-4:beta_1=0.5` is a two-time-scale pair; a single
    spec (no `/`) gives `(spec, None)`: the discriminator uses the same settings.
    """
    if isinstance(spec, OptimizerSpec):
        return spec, None
    parts = spec.split("/") if isinstance(spec, str) else [spec]
    if len(parts) > 2:
        raise UsageError(
            f"{spec!r}: write one optimizer, or a generator/discriminator pair such as "
            "adam:lr=1e-4:beta_1=0.5/adam:lr=4e-4:beta_1=0.5."
        )
    g = parse_optimizer(parts[0])
    return g, parse_optimizer(parts[1]) if len(parts) == 2 else None


def parse_optimizer(spec: str | OptimizerSpec) -> OptimizerSpec:
    """Parse `name[:lr][:key=value...]` into an `OptimizerSpec`; raise `UsageError` if invalid."""
    if isinstance(spec, OptimizerSpec):
        return spec
    name, positional, keywords = split_spec(spec)
    if name not in OPTIMIZERS:
        raise unknown_name("optimizer", name, OPTIMIZERS)
    class_name, defaults = OPTIMIZERS[name]
    kwargs = dict(defaults)
    if len(positional) > 1:
        raise UsageError(
            f"{spec!r}: only one bare value (the learning rate) is allowed; "
            f"write the others as key=value, e.g. {name}:lr=0.001:clipnorm=1.0."
        )
    if positional:
        keywords = {"lr": positional[0], **keywords}
    valid = _valid_keywords(class_name)
    for typed, text in keywords.items():
        key = ALIASES.get(typed, typed)
        if key in EMA:
            raise UsageError(
                f"{spec!r}: {typed} (Keras's weight averaging, EMA) is not supported: the "
                "harness would validate at the raw weights but test at the averaged ones, and "
                "a GAN would average one of its two networks only. Leave it out; weight "
                "averaging as a compared method is future work (schedule_free_adamw averages "
                "its iterates and is evaluated at them)."
            )
        if key not in valid:
            raise unknown_name(
                f"keyword for {name}", typed, ["lr", *valid], plural=f"keywords for {name}"
            )
        value = parse_value(text, spec=spec, key=typed)
        if key in POSITIVE and (isinstance(value, bool) or value <= 0):
            raise UsageError(f"{spec!r}: {key} must be a positive number, got {text}.")
        if key in UNIT_INTERVAL and not (0 <= value < 1):
            raise UsageError(f"{spec!r}: {key} must be in [0, 1), got {text}.")
        if key in NON_NEGATIVE and (isinstance(value, bool) or value < 0):
            raise UsageError(f"{spec!r}: {key} must be a number >= 0, got {text}.")
        if key in WARMUP and (isinstance(value, bool) or not 0 <= value < 1):
            raise UsageError(
                f"{spec!r}: {key} must be in [0, 1), a share of the trial's optimizer steps "
                f"(e.g. {key}=0.05 warms the rate up over the first 5%), got {text}."
            )
        floats = POSITIVE | UNIT_INTERVAL | NON_NEGATIVE | set(WARMUP)
        kwargs[key] = float(value) if key in floats else value
    _check_decay(spec, kwargs)
    _check_with_keras(spec, class_name, kwargs)
    return OptimizerSpec(name=name, kwargs=kwargs)


def _check_decay(spec: str, kwargs: dict[str, Any]) -> None:
    """`UsageError` where decoupled weight decay would zero or flip the weights in one step."""
    decay, lr = kwargs.get("weight_decay"), kwargs["learning_rate"]
    if decay and lr * decay >= 1:
        raise UsageError(
            f"{spec!r}: learning_rate x weight_decay = {lr * decay:g} >= 1. Keras decays every "
            "weight by w -= w * weight_decay * learning_rate each step, so this zeroes or flips "
            "the weights at the first step; lower the learning rate or the decay."
        )


def _check_with_keras(spec: str, class_name: str, kwargs: dict[str, Any]) -> None:
    """`UsageError` for settings the Keras class itself refuses (its own ranges, e.g. Lion's
    beta_1 in (0, 1], FTRL's learning_rate_power <= 0), before any trial is planned."""
    try:
        _keras_class(class_name)(**keras_kwargs(kwargs))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{spec!r}: keras.optimizers.{class_name} refuses it: {exc}") from None


def muon_split(model) -> str:
    """What Keras's Muon does with `model`'s weights: which it orthogonalizes (2-D kernels,
    embeddings aside) and what share of the parameters that is; AdamW takes the rest."""
    rule = keras.optimizers.Muon()
    weights = model.trainable_variables
    muon = [v for v in weights if not rule._should_use_adamw(v)]
    total = sum(int(np.prod(v.shape)) for v in weights)
    share = sum(int(np.prod(v.shape)) for v in muon) / total if total else 0.0
    kinds = [re.sub(r"_\d+$", "", v.path.rsplit("/", 1)[0].split("/")[-1]) for v in muon]
    shown = ", ".join(f"{k} kernels" for k in dict.fromkeys(kinds))
    return (
        f"Muon on {len(muon)} of {len(weights)} weight tensors, {share:.0%} of the parameters"
        + (f" ({shown})" if muon else "")
        + "; AdamW on the rest"
    )
