"""Named optimizers from `keras.optimizers`, each with a sensible default learning rate.

    >>> parse_optimizer("adam:lr=3e-4").build()
    <keras.src.optimizers.adam.Adam ...>

Overrides are any keyword of the Keras optimizer class (`beta_1`, `clipnorm`, `weight_decay`,
...), with `lr` short for `learning_rate`; a bare value (`adam:3e-4`) is the learning rate.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from zoo.errors import UsageError, unknown_name
from zoo.specs.parse import fmt_value, parse_value, split_spec

# name -> (keras.optimizers class name, default keyword arguments). The learning rates follow
# the optimizers' papers or common practice where Keras's default is known to be poor
# (Adadelta 1.0 as in Zeiler 2012, Adagrad 0.01, Adamax 0.002, Lion 1e-4 = Adam's / 10).
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
}

ALIASES = {"lr": "learning_rate", "wd": "weight_decay"}
SHORT = {v: k for k, v in ALIASES.items()}
# Keywords that must be > 0, and those that must lie in [0, 1).
POSITIVE = {"learning_rate", "clipnorm", "clipvalue", "global_clipnorm", "epsilon"}
UNIT_INTERVAL = {"momentum", "beta_1", "beta_2", "rho", "weight_decay"}


def _keras_class(class_name: str) -> type:
    import keras

    return getattr(keras.optimizers, class_name)


def _valid_keywords(class_name: str) -> list[str]:
    params = inspect.signature(_keras_class(class_name).__init__).parameters
    skip = {"self", "name", "kwargs", "loss_scale_factor"}
    return sorted(p for p in params if p not in skip)


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

    def build(self):
        """A fresh `keras.optimizers.Optimizer` instance."""
        return _keras_class(self.keras_class)(**self.kwargs)


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
        if key not in valid:
            raise unknown_name(f"keyword for {name}", typed, ["lr", *valid])
        value = parse_value(text, spec=spec, key=typed)
        if key in POSITIVE and (isinstance(value, bool) or value <= 0):
            raise UsageError(f"{spec!r}: {key} must be a positive number, got {text}.")
        if key in UNIT_INTERVAL and not (0 <= value < 1):
            raise UsageError(f"{spec!r}: {key} must be in [0, 1), got {text}.")
        kwargs[key] = float(value) if key in POSITIVE | UNIT_INTERVAL else value
    return OptimizerSpec(name=name, kwargs=kwargs)
