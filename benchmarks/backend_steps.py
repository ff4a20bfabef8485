"""Seconds per training step of every family under this process's Keras backend, as JSON.

    KERAS_BACKEND=jax python benchmarks/backend_steps.py

`test_microbench.py::test_train_step_per_backend` runs it once per backend (a backend is
chosen before Keras is imported, so each needs its own process) and compares them. Steps
are compiled as the harness compiles them (JAX jits its step; TensorFlow and torch run
without XLA / torch.compile).
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import keras
import numpy as np

import zoo
from zoo.specs import parse_optimizer

BATCH = 128
FAMILIES = ["cnn_small", "cnn_vgg", "lstm", "bilstm", "dcgan"]


def batch_and_model(name: str):
    """`name` compiled with adam and one in-memory batch of its input (and labels)."""
    info = zoo.model_info(name)
    rng = np.random.default_rng(0)
    jit = keras.backend.backend() == "jax"
    if info.dataset == "imdb":
        kwargs = {"vocab_size": 10000, "sequence_length": 128}
        x = rng.integers(1, 10000, (BATCH, 128)).astype("int32")
        y = rng.integers(0, 2, (BATCH,)).astype("int32")
    else:
        kwargs = {"input_shape": (28, 28, 1), "num_classes": 10}
        x = rng.random((BATCH, 28, 28, 1)).astype("float32")
        y = rng.integers(0, 10, (BATCH,)).astype("int32")
    model = zoo.build(name, **kwargs)
    if info.task == "generation":
        model.compile(g_optimizer=parse_optimizer("adam").build(), jit_compile=jit)
        return model, (x,)
    loss = "binary_crossentropy" if info.task == "binary_classification" else None
    model.compile(parse_optimizer("adam").build(), loss or "sparse_categorical_crossentropy",
                  jit_compile=jit)  # fmt: skip
    return model, (x, y)


def step_seconds(name: str, rounds: int = 7, steps: int = 3) -> float:
    """Median seconds of one `train_on_batch` of `name` (after two warm-up steps)."""
    model, batch = batch_and_model(name)
    for _ in range(2):
        model.train_on_batch(*batch)
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        for _ in range(steps):
            model.train_on_batch(*batch)
        times.append((time.perf_counter() - t) / steps)
    return statistics.median(times)


if __name__ == "__main__":
    from zoo.backend import start

    start()  # quiet start-up, so that stdout is the JSON alone
    names = sys.argv[1:] or FAMILIES
    result = {"backend": keras.backend.backend(), "batch_size": BATCH,
              "seconds_per_step": {n: step_seconds(n) for n in names}}  # fmt: skip
    print(json.dumps(result))
