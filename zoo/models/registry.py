"""A timm-style model registry: `@register`, `model_info(name)`, `model_names("cnn*")`.

A builder is a plain function that returns an uncompiled `keras.Model`. What the benchmark
harness needs to know about a model (its family, its task and the data set it is benchmarked
on) is declared here, at registration, and nowhere else. The registry knows nothing of the
shipped weights: `zoo.models.factory` (`zoo.build`, `zoo.list_models`) sits above both.
"""

from __future__ import annotations

import contextlib
import fnmatch
import inspect
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from zoo.data import DATASETS, dataset_info
from zoo.errors import UsageError, unknown_key, unknown_name
from zoo.specs import Regularization
from zoo.specs.regularizers import AUGMENTATIONS
from zoo.specs.tasks import Task, task


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a builder."""

    name: str
    builder: Callable
    family: str
    task: str  # the name of its `zoo.specs.tasks.Task`, e.g. "classification"
    dataset: str  # the data set the benchmark suites train it on
    description: str
    regularizers: tuple[str, ...] = ()  # the regularizer components the builder implements

    @property
    def task_info(self) -> Task:
        """The model's `Task` (how it trains, what decides among models, how it is shown)."""
        return task(self.task)

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
        of input as its own data set (images, text), as many classes as its task requires
        (a binary classifier: two), and its own data set only where its task says so (a
        GAN: its FID classifier knows no other)."""
        if name == self.dataset:
            return
        other, own = dataset_info(name), dataset_info(self.dataset)
        t = self.task_info
        why = None
        if t.own_dataset_only:
            why = f"it trains on {own.name} only: {t.own_dataset_only}"
        elif other.kind != own.kind:
            why = f"it reads {own.kind} and {name} is {other.kind}"
        elif t.classes is not None and other.num_classes != t.classes:
            kind = "binary" if t.classes == 2 else f"{t.classes}-class"
            why = f"it is a {kind} classifier and {name} has {other.num_classes} classes"
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


BASIC_REGULARIZERS = ("l1", "l2", "dropout", "batchnorm")


def harness_regularizers(task_name: str, dataset: str) -> tuple[str, ...]:
    """The components the harness applies around any builder of task `task_name` on
    `dataset` (`Task.harness_regularizers`: label smoothing in a classifier's loss, and
    augmentation of an image classifier's batches), the augmentations on image data only."""
    image = dataset in DATASETS and DATASETS[dataset].kind == "image"
    return tuple(r for r in task(task_name).harness_regularizers if image or r not in AUGMENTATIONS)


def register(
    *,
    family: str,
    task: str = "classification",
    dataset: str,
    regularizers: tuple[str, ...] = BASIC_REGULARIZERS,
) -> Callable:
    """Decorator that registers a builder under its function name.

    `task` names its `zoo.specs.tasks.Task` (how the harness trains and scores it; an unknown
    name is a `UsageError`); `regularizers` lists the components of `zoo.specs.regularizers`
    the builder implements. A classifier also takes the ones the harness applies
    (`harness_regularizers`: label smoothing, and augmentation for images).
    """
    extra = harness_regularizers(task, dataset)  # also checks that `task` is one

    def wrap(fn: Callable) -> Callable:
        doc = (fn.__doc__ or "").strip().splitlines()
        _MODELS[fn.__name__] = ModelInfo(
            name=fn.__name__,
            builder=fn,
            family=family,
            task=task,
            dataset=dataset,
            description=doc[0] if doc else "",
            regularizers=tuple(dict.fromkeys((*regularizers, *extra))),
        )
        return fn

    return wrap


def model_names(pattern: str = "*", *, family: str | None = None) -> list[str]:
    """Registered model names matching a shell-style `pattern` (and `family`), sorted."""
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


@contextlib.contextmanager
def registered(info: ModelInfo) -> Iterator[ModelInfo]:
    """`info` in the registry inside the `with` block (a user's own builder for one
    benchmark run, `zoo.models.custom`), taken out again afterwards; a name the registry
    already holds is a `UsageError` (it would shadow that model)."""
    if info.name in _MODELS:
        raise UsageError(
            f"model name {info.name!r} is taken by one of zoo's models; give yours another "
            "name (name='my_model')."
        )
    _MODELS[info.name] = info
    try:
        yield info
    finally:
        _MODELS.pop(info.name, None)
