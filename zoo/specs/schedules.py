"""Learning-rate schedules as named specs, built from `keras.optimizers.schedules`.

    constant                  the optimizer's rate throughout (the default; no schedule)
    cosine[:alpha=0]          cosine decay from the rate to alpha x rate (Loshchilov & Hutter)
    warmup_cosine[:warmup=0.05][:alpha=0]
                              linear warmup from 0 over `warmup` of the steps, then cosine
    step[:factor=0.1]         x factor at 50% and again at 75% of the steps (He et al. 2016)
    linear[:end=0]            linear decay to end x rate (AlgoPerf's baselines)

A schedule is relative: it scales whatever learning rate the optimizer spec has, so tuning the
rate (`--tune lr`) and a schedule combine. Fractions refer to the trial's real step count,
epochs x ceil(training examples / batch size), known only once the data is loaded, which is
why `ScheduleSpec.build` takes it. A bare value is the schedule's one parameter
(`warmup_cosine:0.1`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from keras.optimizers import schedules

from zoo.errors import UsageError, unknown_key, unknown_name
from zoo.specs.parse import fmt_value, parse_value, split_spec

# name -> (its parameters with their defaults, the one a bare value sets, description).
SCHEDULES: dict[str, tuple[dict[str, float], str | None, str]] = {
    "constant": ({}, None, "the optimizer's learning rate throughout"),
    "cosine": ({"alpha": 0.0}, "alpha", "cosine decay to alpha x lr over the run"),
    "warmup_cosine": (
        {"warmup": 0.05, "alpha": 0.0},
        "warmup",
        "linear warmup from 0 over a `warmup` fraction of the steps, then cosine to alpha x lr",
    ),
    "step": ({"factor": 0.1}, "factor", "lr x factor at 50% and again at 75% of the steps"),
    "linear": ({"end": 0.0}, "end", "linear decay to end x lr over the run"),
}
MILESTONES = (0.5, 0.75)  # `step`: where the rate drops, as fractions of the steps
# Every parameter is a fraction: warmup of the steps, the others of the learning rate.
_RANGES = {"alpha": (0.0, 1.0, True), "warmup": (0.0, 1.0, False), "factor": (0.0, 1.0, False),
           "end": (0.0, 1.0, True)}  # fmt: skip


@dataclass(frozen=True)
class ScheduleSpec:
    """A resolved schedule: its name and every parameter."""

    name: str = "constant"
    params: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def constant(self) -> bool:
        return self.name == "constant"

    @property
    def label(self) -> str:
        """Canonical spelling: the name plus parameters that differ from their defaults."""
        defaults = SCHEDULES[self.name][0]
        diffs = [f"{k}={fmt_value(v)}" for k, v in sorted(self.params.items())
                 if defaults.get(k) != v]  # fmt: skip
        return ":".join([self.name, *diffs])

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, **dict(sorted(self.params.items()))}

    def build(self, learning_rate: float, total_steps: int):
        """The learning rate to give a Keras optimizer: a float for `constant`, else a
        `keras.optimizers.schedules.LearningRateSchedule` over `total_steps` steps."""
        if self.constant:
            return learning_rate
        steps = max(int(total_steps), 1)
        p = self.params
        if self.name == "cosine":
            return schedules.CosineDecay(learning_rate, steps, alpha=p["alpha"])
        if self.name == "warmup_cosine":
            warmup = min(round(p["warmup"] * steps), steps - 1)
            return schedules.CosineDecay(
                0.0,
                steps - warmup,
                alpha=p["alpha"],
                warmup_target=learning_rate,
                warmup_steps=warmup,
            )
        if self.name == "step":
            bounds = [max(1, round(m * steps)) for m in MILESTONES]
            values = [learning_rate * p["factor"] ** i for i in range(len(bounds) + 1)]
            return schedules.PiecewiseConstantDecay(bounds, values)
        if self.name == "linear":
            return schedules.PolynomialDecay(
                learning_rate, steps, end_learning_rate=learning_rate * p["end"], power=1.0
            )
        raise AssertionError(self.name)


CONSTANT = ScheduleSpec()


def parse_schedule(spec: str | ScheduleSpec | None) -> ScheduleSpec:
    """Parse `name[:value][:key=value...]` into a `ScheduleSpec`; `UsageError` if invalid."""
    if spec is None:
        return CONSTANT
    if isinstance(spec, ScheduleSpec):
        return spec
    name, positional, keywords = split_spec(spec)
    if name not in SCHEDULES:
        raise unknown_name("schedule", name, SCHEDULES)
    defaults, bare, _ = SCHEDULES[name]
    if positional:
        if bare is None or len(positional) > 1:
            what = f"one bare value, its {bare}" if bare else "no value"
            raise UsageError(f"{spec!r}: {name} takes {what}.")
        keywords = {bare: positional[0], **keywords}
    params = dict(defaults)
    for key, text in keywords.items():
        if key not in defaults:
            raise unknown_key(f"schedule {name!r}", key, defaults)
        value = parse_value(text, spec=spec, key=key)
        low, high, high_ok = _RANGES[key]
        if isinstance(value, bool) or not (low <= value and (value < high or high_ok and
                                                             value == high)):  # fmt: skip
            bound = "]" if high_ok else ")"
            raise UsageError(f"{spec!r}: {key} must be in [{low:g}, {high:g}{bound}, got {text}.")
        if key == "factor" and value == 0:
            raise UsageError(f"{spec!r}: factor must be > 0 (0 would stop training).")
        params[key] = float(value)
    return ScheduleSpec(name, params)


SEPARATOR = " @ "


def row_label(optimizer: str, schedule: str | None) -> str:
    """How reports name an optimizer under a schedule: `adam`, or `adam @ cosine`."""
    if not schedule or schedule == "constant":
        return optimizer
    return f"{optimizer}{SEPARATOR}{schedule}"


def split_row_label(label: str) -> tuple[str, str]:
    """`adam @ cosine` -> ("adam", "cosine"); `adam` -> ("adam", "constant")."""
    optimizer, _, schedule = label.partition(SEPARATOR)
    return optimizer, schedule or "constant"
