"""A user's own model builder as a model of the registry, for one benchmark run.

    own = OwnModel.of("mypkg.models:build", task="classification")   # or the function itself
    units = own.probe(x_train[:2], num_classes=10)   # builds it once and checks it
    with own.registered("my_data"):                 # trials name it like any model
        ...

A builder is a function that returns an uncompiled `keras.Model`. It may take `input_shape`
(one example's shape), `num_classes` (classification: 1 + the largest label; binary: 2) and,
for text data sets, `vocab_size` and `sequence_length`: zoo passes those it names. The
harness compiles it with each optimizer; weight penalties go on every kernel
(`zoo.specs.regularizers.add_kernel_penalty`); regularizers that need the architecture are
refused (`zoo.specs.regularizers.check_own_model`).

Its trials are told apart by the builder's identity, not only its name: `builder`
(module:qualname) and `source_sha256` (of its source code) are its `model_options`, so they
are part of every trial's config hash and an edited builder never reuses a stored record.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import inspect
import marshal
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from zoo.errors import UsageError, closest
from zoo.models.registry import ModelInfo, harness_regularizers, registered
from zoo.specs import Regularization
from zoo.specs.regularizers import ANY_MODEL, add_kernel_penalty
from zoo.specs.tasks import Task, task

PASSED = ("input_shape", "num_classes", "vocab_size", "sequence_length")  # what zoo fills in


def import_builder(spec: str) -> Callable:
    """The function `spec` names, `module:function` (`mypkg.models:build`; a dotted path
    after the colon reaches into a class). The current folder is searched first, as
    `python -m` would. A bad spec, a module that does not import, a missing or uncallable
    name: `UsageError`."""
    module, sep, attr = spec.partition(":")
    if not (sep and module and attr):
        raise UsageError(
            f"--model {spec!r}: write MODULE:FUNCTION, e.g. mypkg.models:build (a function "
            "that returns an uncompiled keras.Model)."
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        obj: Any = importlib.import_module(module)
    except Exception as exc:
        raise UsageError(
            f"--model {spec}: cannot import {module!r} ({type(exc).__name__}: {exc}). Run zoo "
            "from the folder that holds it, or install it (pip install -e .)."
        ) from exc
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            hint = closest(part, names)
            raise UsageError(
                f"--model {spec}: {module} has no {part!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + "."
            )
        obj = getattr(obj, part)
    if not callable(obj):
        raise UsageError(f"--model {spec}: {attr} is a {type(obj).__name__}, not a function.")
    return obj


def _source_sha(fn: Callable) -> str:
    """SHA-256 (16 hex digits) of the builder's source, or of its bytecode where the source
    cannot be read (a function typed into an interpreter)."""
    try:
        blob = inspect.getsource(fn).encode()
    except (OSError, TypeError):
        code = getattr(fn, "__code__", None)
        blob = marshal.dumps(code) if code is not None else repr(fn).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@dataclass(frozen=True)
class OwnModel:
    """A user's builder: the function, its identity, the name the report shows, its task."""

    fn: Callable
    name: str
    builder: str  # module:qualname
    source_sha256: str
    task: Task

    @classmethod
    def of(cls, fn: Callable | str, task_name: str = "classification",
           name: str | None = None) -> OwnModel:  # fmt: skip
        """The builder `fn` (a function or `module:function`) for task `task_name`, shown as
        `name` (default: the function's name)."""
        if isinstance(fn, str):
            fn = import_builder(fn)
        if not callable(fn):
            raise UsageError(
                f"build_model must be a function that returns a keras.Model, got a "
                f"{type(fn).__name__}."
            )
        t = task(task_name)
        if t.labels is None:
            raise UsageError(
                f"task {task_name!r} takes zoo's own models only; for your model choose "
                f"classification, binary_classification or regression."
            )
        qualname = getattr(fn, "__qualname__", type(fn).__name__)
        shown = name or getattr(fn, "__name__", "model").strip("<>")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", shown):
            raise UsageError(
                f"model name {shown!r}: use letters, digits and _ . - (name='my_model')."
            )
        ident = f"{getattr(fn, '__module__', None) or '__main__'}:{qualname}"
        return cls(fn, shown, ident, _source_sha(fn), t)

    def accepts(self) -> set[str]:
        """The arguments of `PASSED` the builder takes (all of them with **kwargs)."""
        try:
            params = inspect.signature(self.fn).parameters
        except (TypeError, ValueError):
            return set()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
            return set(PASSED)
        return set(PASSED) & set(params)

    def build(self, regularizer: Regularization | None = None, **data: Any) -> keras.Model:
        """A fresh model from the builder, given what it takes of `data` (`PASSED`), built,
        with `regularizer`'s weight penalty on its kernels. A builder that fails, returns
        something other than a `keras.Model` or a compiled one: `UsageError`."""
        wanted = self.accepts()
        try:
            model = self.fn(**{k: v for k, v in data.items() if k in wanted and v is not None})
        except Exception as exc:
            raise UsageError(
                f"your builder {self.builder} raised {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(model, keras.Model):
            raise UsageError(
                f"your builder {self.builder} returned a {type(model).__name__}, not a "
                "keras.Model: return the model (keras.Sequential, keras.Model(inputs, outputs) "
                "or a subclass)."
            )
        if getattr(model, "compiled", False):
            raise UsageError(
                f"your builder {self.builder} returned a compiled model: zoo compiles it with "
                "each optimizer and the task's loss. Leave out model.compile(...)."
            )
        if not model.built and data.get("input_shape") is not None:
            model(np.zeros((1, *data["input_shape"]), "float32"))  # builds its variables
        add_kernel_penalty(model, regularizer or Regularization())
        return model

    def probe(self, x: np.ndarray, **data: Any) -> tuple[int, ...]:
        """Build the model once on `x` (a few examples) and check its outputs against the
        task (`Task.check_outputs`); its output shape, batch left out. A model that cannot
        take `x`: `UsageError`."""
        model = self.build(input_shape=tuple(x.shape[1:]), **data)
        try:
            outputs = keras.ops.convert_to_numpy(model(x, training=False))
        except Exception as exc:
            raise UsageError(
                f"your model ({self.builder}) cannot take the data: inputs of shape "
                f"{('batch', *x.shape[1:])} raised {type(exc).__name__}: {exc}"
            ) from exc
        if not isinstance(outputs, np.ndarray):
            raise UsageError(f"your model ({self.builder}) has several outputs; give it one.")
        self.task.check_outputs(outputs)
        return tuple(outputs.shape[1:]) or (1,)

    def builder_function(self) -> Callable:
        """The registry's builder: `model_options` carry the identity (part of every trial's
        config hash); the harness passes the data's sizes and the regularizer."""

        def build(*, builder: str, source_sha256: str, regularizer: Any = None,
                  input_shape: tuple | None = None, num_classes: int | None = None,
                  vocab_size: int | None = None, sequence_length: int | None = None,
                  ) -> keras.Model:  # fmt: skip
            return self.build(regularizer, input_shape=input_shape,
                              num_classes=num_classes or None, vocab_size=vocab_size,
                              sequence_length=sequence_length)  # fmt: skip

        return build

    @property
    def options(self) -> dict[str, str]:
        """Its trials' `model_options`: the builder's identity."""
        return {"builder": self.builder, "source_sha256": self.source_sha256}

    def applies(self, dataset: str) -> tuple[str, ...]:
        """The regularizer components that apply to it on `dataset`: weight penalties, and
        the task's (label smoothing; augmentation on images)."""
        return tuple(dict.fromkeys((*ANY_MODEL, *harness_regularizers(self.task.name, dataset))))

    @contextlib.contextmanager
    def registered(self, dataset: str) -> Iterator[ModelInfo]:
        """The builder in the model registry, trained on `dataset`, inside the block."""
        info = ModelInfo(
            name=self.name, builder=self.builder_function(), family="custom",
            task=self.task.name, dataset=dataset, description=f"your builder {self.builder}",
            regularizers=self.applies(dataset),
        )  # fmt: skip
        with registered(info):
            yield info
