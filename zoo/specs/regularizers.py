"""Named regularizers, combinable with `+`: weight penalties, dropout, batch normalization,
label smoothing and data augmentation.

    none, l1, l2, l1l2, dropout, batchnorm, dropout+batchnorm, l2+dropout+batchnorm
    label_smoothing                         (classifiers: the loss; GANs: D's real targets)
    augment, random_erasing, mixup, cutmix  (image classifiers: training batches only)
    spectral_norm                           (GANs: see `zoo.models.dcgan`)

A component may carry its strength: `l2:1e-4`, `dropout:0.3`, `l1l2:l1=1e-5:l2=1e-4`,
`label_smoothing:0.1`, `augment:0.1` (the translation, a fraction of the image size; with a
horizontal flip), `random_erasing:0.5` (the share of images that get a box erased),
`mixup:0.2` and `cutmix:1.0` (the alpha of the Beta(alpha, alpha) distribution of the mixing
weight, as in Zhang et al. 2018 and Yun et al. 2019; Keras's `CutMix` takes alpha <= 1 only,
so larger ones are refused here). A spec resolves to a
`Regularization`, which model builders and the harness read: `kernel_regularizer()` for the
weight penalty (`keras.regularizers.L1L2`), `dropout` for the rate, `batchnorm` and
`spectral_norm` as flags, `label_smoothing` for the loss, and the augmentation strengths for
the training input (`zoo.bench.run.training`). Which components a model supports is declared when
it is registered (`zoo.models.registry`); asking a model for one it lacks is a usage error.

A model zoo did not build (a user's own builder, `zoo.models.custom`) takes the components that
apply to any model: the weight penalties, which the harness puts on every kernel
(`add_kernel_penalty`), and the task's (label smoothing in the loss; augmentation, mixup and
cutmix of image batches). Dropout, batch normalization and spectral normalization need the
architecture (which layers get them, and where), so they are refused for it
(`check_own_model`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import keras

from zoo.errors import UsageError, unknown_name
from zoo.specs.parse import fmt_value, parse_value, split_spec

REGULARIZERS = [
    "none",
    "l1",
    "l2",
    "l1l2",
    "dropout",
    "batchnorm",
    "dropout+batchnorm",
    "l2+dropout+batchnorm",
    "spectral_norm",
    "label_smoothing",
    "spectral_norm+label_smoothing",
    "augment",
    "random_erasing",
    "mixup",
    "cutmix",
    "augment+label_smoothing",
    "augment+random_erasing+label_smoothing",
]

DEFAULTS = {
    "l1": 1e-5, "l2": 1e-4, "dropout": 0.3, "label_smoothing": 0.1,
    "augment": 0.1,  # translation up to 10% of the side (~3 pixels at 28x28), and a flip
    "random_erasing": 0.5,  # Zhong et al. 2017's probability
    "mixup": 0.2,  # Zhang et al. 2018's alpha for ImageNet
    "cutmix": 1.0,  # Yun et al. 2019's alpha
}  # fmt: skip
# Each valued component's valid range, from 0 (off): (0, upper bound, bound included).
RANGES = {"l1": (0, None, False), "l2": (0, None, False), "dropout": (0, 1, False),
          "label_smoothing": (0, 1, False), "augment": (0, 1, False),
          "random_erasing": (0, 1, True), "mixup": (0, None, False),
          "cutmix": (0, 1, True)}  # fmt: skip
AUGMENTATIONS = ("augment", "random_erasing", "mixup", "cutmix")  # act on training batches
COMPONENTS = [
    "none", "l1", "l2", "l1l2", "dropout", "batchnorm", "spectral_norm", "label_smoothing",
    *AUGMENTATIONS,
]  # fmt: skip
FLAGS = ("batchnorm", "spectral_norm")  # components that take no value
ANY_MODEL = ("l1", "l2")  # applied by the harness to the kernels of a model it did not build
ARCHITECTURE = ("dropout", "batchnorm", "spectral_norm")  # placed by a model's builder only
# Fields added after the first records were stored: left out of `to_config` while unset, so
# the config hashes (and the stored results) of every earlier trial stay valid.
_LATER_FIELDS = ("spectral_norm", "label_smoothing", *AUGMENTATIONS)


@dataclass(frozen=True)
class Regularization:
    """Resolved regularization: penalty strengths, dropout rate, flags, label smoothing."""

    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    batchnorm: bool = False
    spectral_norm: bool = False
    label_smoothing: float = 0.0
    augment: float = 0.0
    random_erasing: float = 0.0
    mixup: float = 0.0
    cutmix: float = 0.0

    @property
    def label(self) -> str:
        """Canonical spelling, e.g. `l2+dropout+batchnorm` or `l2:0.001`."""

        def part(name: str, value: float) -> str:
            return name if value == DEFAULTS[name] else f"{name}:{fmt_value(value)}"

        parts = []
        if self.l1 and self.l2:
            if (self.l1, self.l2) == (DEFAULTS["l1"], DEFAULTS["l2"]):
                parts.append("l1l2")
            else:
                parts.append(f"l1l2:l1={fmt_value(self.l1)}:l2={fmt_value(self.l2)}")
        elif self.l1:
            parts.append(part("l1", self.l1))
        elif self.l2:
            parts.append(part("l2", self.l2))
        if self.dropout:
            parts.append(part("dropout", self.dropout))
        parts += [flag for flag in FLAGS if getattr(self, flag)]
        parts += [part(name, getattr(self, name)) for name in AUGMENTATIONS if getattr(self, name)]
        if self.label_smoothing:
            parts.append(part("label_smoothing", self.label_smoothing))
        return "+".join(parts) or "none"

    @property
    def components(self) -> set[str]:
        """The component names in use, e.g. {"l2", "dropout"} (`l1l2` counts as both)."""
        return {
            name
            for name in ("l1", "l2", "dropout", *FLAGS, "label_smoothing", *AUGMENTATIONS)
            if getattr(self, name)
        }

    @property
    def augments(self) -> bool:
        """Whether training batches are transformed (augment, random_erasing, mixup, cutmix)."""
        return any(getattr(self, name) for name in AUGMENTATIONS)

    @property
    def soft_labels(self) -> bool:
        """Whether a classifier trains on soft targets (label smoothing, mixup, cutmix)."""
        return bool(self.label_smoothing or self.mixup or self.cutmix)

    def kernel_regularizer(self):
        """A `keras.regularizers.L1L2` for the weight penalty, or None without one."""
        if not (self.l1 or self.l2):
            return None
        return keras.regularizers.L1L2(l1=self.l1, l2=self.l2)

    def to_config(self) -> dict[str, Any]:
        config = asdict(self)
        for name in _LATER_FIELDS:
            if not config[name]:
                del config[name]
        return config


def _strength(spec: str, key: str, text: str) -> float:
    """A component's strength, checked against its range (0 turns it off)."""
    _, high, closed = RANGES[key]
    value = parse_value(text, spec=spec, key=key)
    ok = not isinstance(value, bool) and value >= 0
    if ok and high is not None:
        ok = value <= high if closed else value < high
    if not ok:
        valid = ">= 0" if high is None else f"in [0, {high:g}{']' if closed else ')'}"
        raise UsageError(f"{spec!r}: {key} must be a number {valid}, got {text}.")
    return float(value)


def parse_regularizer(spec: str | Regularization) -> Regularization:
    """Parse a regularizer spec such as `l2:1e-4+dropout:0.3`; raise `UsageError` if invalid."""
    if isinstance(spec, Regularization):
        return spec
    if not isinstance(spec, str) or not spec.strip():
        raise UsageError(f"empty regularizer spec {spec!r}: valid: {', '.join(REGULARIZERS)}.")
    values: dict[str, Any] = {}
    for piece in spec.split("+"):
        name, positional, keywords = split_spec(piece)
        if name not in COMPONENTS:
            raise unknown_name("regularizer", name, REGULARIZERS)
        if name == "none" or name in FLAGS:
            if positional or keywords:
                raise UsageError(f"{spec!r}: {name!r} takes no value.")
            if name != "none":
                values[name] = True
            continue
        if name == "l1l2":
            if positional:
                raise UsageError(f"{spec!r}: write l1l2:l1=1e-5:l2=1e-4 (named strengths).")
            for key, text in keywords.items():
                if key not in ("l1", "l2"):
                    raise unknown_name(
                        "keyword for l1l2", key, ["l1", "l2"], plural="keywords for l1l2"
                    )
                values[key] = _strength(spec, key, text)
            values.setdefault("l1", DEFAULTS["l1"])
            values.setdefault("l2", DEFAULTS["l2"])
            continue
        if keywords or len(positional) > 1:
            raise UsageError(f"{spec!r}: write {name}:VALUE, e.g. {name}:{DEFAULTS[name]:g}.")
        text = positional[0] if positional else str(DEFAULTS[name])
        values[name] = _strength(spec, name, text)
    return Regularization(**values)


def add_kernel_penalty(model: keras.Model, reg: Regularization) -> int:
    """Put `reg`'s weight penalty (`keras.regularizers.L1L2`) on every kernel of the built
    `model`: the weight matrices of its Dense, convolution and recurrent layers, the variables
    Keras names `kernel` (biases, embeddings, recurrent kernels and normalization scales are
    left alone, as a layer's `kernel_regularizer` would). Keras adds each variable's
    `regularizer` to the training loss (`Layer.losses`). Returns how many kernels got it (0
    without a penalty)."""
    penalty = reg.kernel_regularizer()
    if penalty is None:
        return 0
    kernels = [v for v in model.trainable_weights if v.name == "kernel"]
    for v in kernels:
        v.regularizer = penalty
    return len(kernels)


def check_own_model(reg: Regularization, model: str, applies: tuple[str, ...]) -> None:
    """Raise `UsageError` if `reg` uses a component that a model zoo did not build (`model`,
    e.g. `mypkg.models:build`) cannot take: one that needs its architecture (`ARCHITECTURE`)
    or one its task or data do not allow; `applies` lists those that do."""
    refused = sorted(reg.components - set(applies))
    if not refused:
        return
    placed = [c for c in refused if c in ARCHITECTURE]
    why = (
        f"{', '.join(placed)} need{'s' * (len(placed) == 1)} the architecture (which layers "
        "get it, and where), which only the model's builder knows: build it into your model "
        "and benchmark that model as well"
        if placed
        else f"{', '.join(refused)} does not apply to this task or data"
    )
    raise UsageError(
        f"regularizer {reg.label!r} does not apply to {model}: {why}. For a model zoo did not "
        f"build, these apply: {', '.join(('none', *applies))}."
    )
