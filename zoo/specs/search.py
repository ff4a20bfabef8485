"""Search spaces: what tuning may try for an optimizer, and the `--tune` budget that says
what is tuned and how many trials a cell may spend.

Every hyperparameter is searched on a log scale, on a lattice of quarter decades (10^0.25 =
1.78x apart): a value is 10^(q/4) for an integer q, written with 3 significant digits. A
`Coordinate` declares its search space, the same for every optimizer, so no optimizer's
search is centred on a value someone preferred:

- **learning rate**: the search starts at 1e-3, 1e-2 and 1e-1 (whole decades), may extend
  to 1e-5 and to 100, and refines to quarter decades. The limits lie a decade or more
  beyond every default the optimizers' papers and Keras give (Lion's 1e-4, Chen et al.
  2023; Adam's 1e-3, Kingma & Ba 2015; SGD's 1e-2), two beyond Adadelta's 1.0 (Zeiler
  2012): its rate multiplies a unitless step that starts small (sqrt(epsilon) / RMS[g]),
  and on the standard profile's LSTM (2 epochs) its best rate was 10, the old limit.
- **weight decay** (decoupled, `w -= w * weight_decay * lr` each step in Keras): starts at
  1e-3, 1e-2 and 1e-1, may extend to 1e-4 and then to 0 (no decay: the space's natural
  bound, so a choice there is not censored) and up to 1, refines to half decades; only for the
  optimizers whose decay is decoupled from the gradient (Loshchilov & Hutter 2019): AdamW,
  Lion, Lamb, Muon (its two branches decayed alike) and Schedule-Free AdamW. While the
  learning rate is searched, they decay at 1e-2, the middle of that space.

How the search moves (bracket, extend, refine; coordinate descent over learning rate, then
weight decay, then learning rate again) is `zoo.bench.decide.search`.

The budget, `--tune lr` or `--tune lr+wd`, optionally with a cap on trials per cell
(`lr+wd:30`): every tuned cell gets the same rule and the same cap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zoo.errors import UsageError

UNIT = 0.25  # decades per lattice step


@dataclass(frozen=True)
class Coordinate:
    """One tuned hyperparameter: its search space on the quarter-decade lattice.

    `start`: the lattice points the search tries first; `steps`: the step of the extension
    (first) and of each refinement after it, in lattice units; `low`/`high`: the declared
    limits the extension stops at."""

    key: str  # the Keras keyword
    short: str  # how labels and budgets write it
    start: tuple[int, ...]
    steps: tuple[int, ...]
    low: int
    high: int
    zero_at_low: bool = False  # the lowest point is 0 (no decay): nothing lies beyond it

    def value(self, q: int) -> float:
        """The hyperparameter at lattice point `q` (10^(q/4), 3 significant digits; 0 at
        `low` where `zero_at_low`)."""
        if self.zero_at_low and q <= self.low:
            return 0.0
        return float(f"{10 ** (q * UNIT):.3g}")

    def floor(self, q: int) -> bool:
        """Whether `q` is the space's natural bound (0): a choice there is not censored."""
        return self.zero_at_low and q <= self.low

    @property
    def space(self) -> str:
        """The search space in words, for reports and `--help`."""
        start = ", ".join(f"{self.value(q):g}" for q in self.start)
        low = (f"0 (no decay) below {10 ** ((self.low + self.steps[0]) * UNIT):g}"
               if self.zero_at_low else f"{self.value(self.low):g}")  # fmt: skip
        return (
            f"{self.short}: log scale from {start}, extended by {10 ** (self.steps[0] * UNIT):g}x "
            f"to [{low}, {self.value(self.high):g}], refined to 10^{self.steps[-1] * UNIT:g}"
        )


LEARNING_RATE = Coordinate("learning_rate", "lr", (-12, -8, -4), (4, 2, 1), -20, 8)
WEIGHT_DECAY = Coordinate("weight_decay", "wd", (-12, -8, -4), (4, 2), -20, 0, zero_at_low=True)
DECAY_WHILE_RATE_IS_SEARCHED = -8  # 1e-2, the middle of WEIGHT_DECAY's start
TUNED_KEYS = ("lr", "wd", "adam_weight_decay")  # how labels write what tuning sets
# Optimizers whose weight decay is decoupled from the gradient (and keywords it sets).
DECOUPLED_DECAY: dict[str, tuple[str, ...]] = {
    "adamw": ("weight_decay",),
    "lion": ("weight_decay",),
    "lamb": ("weight_decay",),
    "muon": ("weight_decay", "adam_weight_decay"),
    "schedule_free_adamw": ("weight_decay",),
}
DEFAULT_CAP = 24


@dataclass(frozen=True)
class Budget:
    """A tuning budget: which coordinates (`lr`, `lr+wd`) and at most `cap` trials per cell."""

    spec: str
    decay: bool
    cap: int

    def coordinates(self, optimizer: str) -> list[Coordinate]:
        """What is tuned for `optimizer`, in coordinate-descent order (rate, decay)."""
        if self.decay and optimizer in DECOUPLED_DECAY:
            return [LEARNING_RATE, WEIGHT_DECAY]
        return [LEARNING_RATE]

    @property
    def rule(self) -> str:
        """The budget in words (the reports show it)."""
        parts = [LEARNING_RATE.space]
        if self.decay:
            parts.append(
                WEIGHT_DECAY.space + f" ({', '.join(DECOUPLED_DECAY)}; "
                f"{WEIGHT_DECAY.value(DECAY_WHILE_RATE_IS_SEARCHED):g} while the rate is searched)"
            )
        return "; ".join(parts) + f"; at most {self.cap} trials per cell"


def untuned(optimizer_label: str) -> str:
    """An optimizer label without the values tuning sets: `adamw:lr=0.01:wd=0.1` -> `adamw`,
    `adam:lr=0.01:beta_1=0.5` -> `adam:beta_1=0.5` (cells tuned apart compare as one
    optimizer)."""
    name, *parts = optimizer_label.split(":")
    return ":".join([name, *(p for p in parts if p.split("=")[0] not in TUNED_KEYS)])


def parse_budget(spec: str) -> Budget:
    """`lr`, `lr+wd`, either with `:CAP` (trials per cell, 6..200) -> `Budget`;
    `UsageError` otherwise."""
    match = re.fullmatch(r"(lr|lr\+wd)(?::(\d+))?", spec.strip())
    cap = int(match.group(2)) if match and match.group(2) else DEFAULT_CAP
    if not match or not 6 <= cap <= 200:
        raise UsageError(
            f"tuning budget {spec!r}: write lr (tune the learning rate) or lr+wd (and the "
            "weight decay of the optimizers that decouple it), optionally with a cap on the "
            f"trials per cell between 6 and 200 (default {DEFAULT_CAP}), e.g. --tune lr+wd:30. "
            "Each cell's search brackets its best value: it starts at three whole decades, "
            "extends past an edge while the best is there and refines around the best."
        )
    return Budget(spec.strip(), decay=match.group(1) == "lr+wd", cap=cap)
