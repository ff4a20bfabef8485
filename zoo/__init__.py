"""zoo: a Keras 3 model zoo and a benchmark suite that compares optimizers and regularizers.

    >>> import zoo
    >>> zoo.list_models("cnn*")
    ['cnn_small', 'cnn_vgg']
    >>> model = zoo.build("cnn_vgg", regularizer="dropout+batchnorm")
    >>> result = zoo.benchmark(build_model, x, y, optimizers=["adam", "sgd"])  # your own model

The model API and the benchmark (`zoo.api`) are imported on first use, so `import zoo` (and
`zoo --help`) stays fast.
"""

from __future__ import annotations

import importlib
import os

from zoo import backend as _backend  # noqa: F401  filters TensorFlow's start-up lines

# TensorFlow's C++ log lines, even at ERROR level, are harmless chatter on CPU machines
# (oneDNN dtype fallbacks, graph-rewrite notes) that read like failures; real failures still
# raise Python exceptions. The lines TensorFlow prints as it starts, before its logging reads
# this, are filtered by zoo.backend. Set TF_CPP_MIN_LOG_LEVEL yourself (0-2) to see them all.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.2.0"

_LAZY = {"build": "zoo.models", "list_models": "zoo.models", "model_info": "zoo.models",
         "register": "zoo.models", "Benchmark": "zoo.api", "BenchmarkResult": "zoo.api",
         "benchmark": "zoo.api"}  # fmt: skip
__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'zoo' has no attribute {name!r}")
