"""A timm-style model registry: `@register`, `list_models("cnn*")`, `build(name, **kwargs)`.

A builder is a plain function that returns an uncompiled `keras.Model`. What the benchmark
harness needs to know about a model (its family, its task and the data set it is benchmarked
on) is declared here, at registration, and nowhere else.
"""

from __future__ import annotations

import fnmatch
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass

from zoo.errors import UsageError, unknown_key, unknown_name
from zoo.specs import Regularization
from zoo.specs.tasks import TASKS as TASK_TABLE


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a builder."""

    name: str
    builder: Callable
    family: str
    task: str  # one of TASKS, e.g. "classification": sparse labels, softmax, accuracy
    dataset: str  # the data set the benchmark suites train it on
    description: str
    regularizers: tuple[str, ...] = ()  # the regularizer components the builder implements

    def options(self) -> dict[str, str]:
        """The builder's own keywords (`model_options`), each with its default and, for a
        choice, the choices: `{"pooling": "'last' ('last'|'max_mean')", ...}`."""
        harness = {"input_shape", "num_classes", "vocab_size", "sequence_length", "regularizer"}
        harness.add("include_top")  # the harness trains and scores whole models
        hints = typing.get_type_hints(self.builder)
        found = {}
        for name, param in inspect.signature(self.builder).parameters.items():
            if name in harness:
                continue
            found[name] = repr(param.default)
            if typing.get_origin(hints.get(name)) is typing.Literal:
                found[name] += f" ({'|'.join(map(repr, typing.get_args(hints[name])))})"
        return found

    def check_options(self, options: dict) -> None:
        """Raise `UsageError` unless `options` are keywords the builder takes (besides the
        ones the harness fills in from the data set and the regularizer spec)."""
        valid = sorted(self.options())
        hints = typing.get_type_hints(self.builder)
        for key, value in options.items():
            if key not in valid:
                raise unknown_key(f"model_options of {self.name}", key, valid)
            hint = hints.get(key)
            if typing.get_origin(hint) is typing.Literal and value not in typing.get_args(hint):
                choices = ", ".join(map(repr, typing.get_args(hint)))
                raise UsageError(
                    f"model_options of {self.name}: {key} = {value!r} is not valid; "
                    f"choose one of {choices}."
                )

    def check_dataset(self, name: str) -> None:
        """Raise `UsageError` unless this model can train on data set `name`: the same kind
        of input as its own data set (images, text), two classes for a binary classifier,
        and for a GAN its own data set (its FID classifier knows no other)."""
        from zoo.data import dataset_info

        if name == self.dataset:
            return
        other, own = dataset_info(name), dataset_info(self.dataset)
        why = None
        if self.task == "generation":
            why = f"its FID comes from a {own.name} classifier, so it trains on {own.name} only"
        elif other.kind != own.kind:
            why = f"it reads {own.kind} and {name} is {other.kind}"
        elif self.task == "binary_classification" and other.num_classes != 2:
            why = f"it is a binary classifier and {name} has {other.num_classes} classes"
        if why:
            raise UsageError(f"model {self.name!r} cannot train on {name!r}: {why}.")

    def check_regularizer(self, reg: Regularization) -> None:
        """Raise `UsageError` if `reg` uses a component this model does not implement."""
        missing = sorted(reg.components - set(self.regularizers))
        if missing:
            others = [n for n, i in _MODELS.items() if set(missing) <= set(i.regularizers)]
            raise UsageError(
                f"regularizer {reg.label!r} does not apply to model {self.name!r}: it has no "
                f"{', '.join(missing)}. {self.name} supports: "
                f"{', '.join(self.regularizers) or 'none'}"
                + (f"; {', '.join(missing)} applies to: {', '.join(others)}." if others else ".")
            )


_MODELS: dict[str, ModelInfo] = {}


TASKS = tuple(TASK_TABLE)
BASIC_REGULARIZERS = ("l1", "l2", "dropout", "batchnorm")


def harness_regularizers(task: str, dataset: str) -> tuple[str, ...]:
    """The components the harness applies around any builder of `task` on `dataset`: label
    smoothing in a classifier's loss, and augmentation of an image classifier's batches."""
    from zoo.data import DATASETS
    from zoo.specs.regularizers import AUGMENTATIONS

    if task not in ("classification", "binary_classification"):
        return ()
    image = dataset in DATASETS and DATASETS[dataset].kind == "image"
    return ("label_smoothing", *(AUGMENTATIONS if image and task == "classification" else ()))


def register(
    *,
    family: str,
    task: str = "classification",
    dataset: str,
    regularizers: tuple[str, ...] = BASIC_REGULARIZERS,
) -> Callable:
    """Decorator that registers a builder under its function name.

    `task` tells the harness how to train and score it (`TASKS`); `regularizers` lists the
    components of `zoo.specs.regularizers` the builder implements. A classifier also takes
    the ones the harness applies (`harness_regularizers`: label smoothing, and augmentation
    for images).
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; one of {TASKS}")

    def wrap(fn: Callable) -> Callable:
        doc = (fn.__doc__ or "").strip().splitlines()
        _MODELS[fn.__name__] = ModelInfo(
            name=fn.__name__,
            builder=fn,
            family=family,
            task=task,
            dataset=dataset,
            description=doc[0] if doc else "",
            regularizers=tuple(dict.fromkeys((*regularizers,
                                              *harness_regularizers(task, dataset)))),
        )  # fmt: skip
        return fn

    return wrap


def list_models(
    pattern: str = "*", *, family: str | None = None, pretrained: bool = False
) -> list[str]:
    """Registered model names matching a shell-style `pattern`, sorted.

    `pretrained=True`: the tags of the shipped pretrained models instead, such as
    `cnn_vgg.fashion_mnist` (see `zoo.models.pretrained`).
    """
    if pretrained:
        from zoo.models.pretrained import list_pretrained

        tags = list_pretrained(pattern)
        return [t for t in tags if family is None or _MODELS[t.split(".")[0]].family == family]
    return sorted(
        n
        for n, info in _MODELS.items()
        if fnmatch.fnmatch(n, pattern) and (family is None or info.family == family)
    )


def model_info(name: str) -> ModelInfo:
    """The `ModelInfo` of `name`; an unknown name raises `UsageError` with the closest match."""
    if name not in _MODELS:
        raise unknown_name("model", name, sorted(_MODELS))
    return _MODELS[name]


def build(name: str, pretrained: bool = False, **kwargs):
    """Build the registered model `name`, passing `kwargs` to its builder.

    `pretrained=True` loads shipped weights: `name` is a model (its default tag) or a tag such
    as `"cnn_vgg.fashion_mnist"`; the architecture is the one the weights were trained with,
    so the only keyword taken is `include_top`. A tag without `pretrained=True` builds that
    architecture untrained (`kwargs` override its builder arguments).
    """
    if pretrained or "." in name:
        from zoo.models import pretrained as shipped

        if not pretrained:
            card = shipped.card(name)
            kwargs = {**card["builder_kwargs"], **kwargs}
            return model_info(card["model"]).builder(**kwargs)
        extra = sorted(set(kwargs) - {"include_top"})
        if extra:
            raise UsageError(
                f"build({name!r}, pretrained=True) takes no {', '.join(extra)}: a pretrained "
                "model's architecture is fixed by its weights (see its card). Only include_top "
                "can be given."
            )
        return shipped.build_pretrained(name, **kwargs)
    return model_info(name).builder(**kwargs)
