"""A timm-style model registry: `@register`, `list_models("cnn*")`, `build(name, **kwargs)`.

A builder is a plain function that returns an uncompiled `keras.Model`. What the benchmark
harness needs to know about a model (its family, its task and the data set it is benchmarked
on) is declared here, at registration, and nowhere else.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass

from zoo.errors import unknown_name


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a builder."""

    name: str
    builder: Callable
    family: str
    task: str  # "classification": sparse labels, softmax outputs, accuracy
    dataset: str  # the data set the benchmark suites train it on
    description: str


_MODELS: dict[str, ModelInfo] = {}


def register(*, family: str, task: str = "classification", dataset: str) -> Callable:
    """Decorator that registers a builder under its function name."""

    def wrap(fn: Callable) -> Callable:
        doc = (fn.__doc__ or "").strip().splitlines()
        _MODELS[fn.__name__] = ModelInfo(
            name=fn.__name__,
            builder=fn,
            family=family,
            task=task,
            dataset=dataset,
            description=doc[0] if doc else "",
        )
        return fn

    return wrap


def list_models(pattern: str = "*", *, family: str | None = None) -> list[str]:
    """Registered model names matching a shell-style `pattern`, sorted."""
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


def build(name: str, **kwargs):
    """Build the registered model `name`, passing `kwargs` to its builder."""
    return model_info(name).builder(**kwargs)
