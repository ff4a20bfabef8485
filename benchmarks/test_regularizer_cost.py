"""What each regularizer costs per training step (pytest-benchmark).

    make microbench ARGS="-k regularizer_cost"

`cnn_small` on 2,560 Fashion-MNIST-shaped images, batch 128: one epoch (20 steps) of `fit`
through the harness's own training input (`zoo.bench.run.training.training_input`: plain arrays,
or the seeded `tf.data` pipeline of Keras's augmentation layers) and loss. The JSON's
`extra_info` holds ms per step and the ratio to `none` measured in the same run; the ratios
are printed at the end. Timings are measured, never asserted.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import pytest

import zoo
from zoo.bench.run.training import loss_and_metrics, targets, training_input
from zoo.specs import parse_optimizer, parse_regularizer

REGULARIZERS = ["none", "l2", "dropout", "batchnorm", "label_smoothing", "augment",
                "random_erasing", "mixup", "cutmix",
                "augment+random_erasing+label_smoothing"]  # fmt: skip
STEPS, BATCH = 20, 128
_MS: dict[str, float] = {}


def _epoch_ms_per_step(spec: str) -> float:
    reg = parse_regularizer(spec)
    rng = np.random.default_rng(0)
    x = rng.random((STEPS * BATCH, 28, 28, 1)).astype("float32")
    y = targets(rng.integers(0, 10, len(x)).astype("int32"), "classification", reg, 10)
    keras.utils.set_random_seed(0)
    model = zoo.build("cnn_small", regularizer=reg)
    loss, metrics = loss_and_metrics("classification", reg)
    model.compile(parse_optimizer("adam").build(), loss, metrics=metrics)
    data = training_input(x, y, reg, BATCH, seed=0)
    model.fit(**data, epochs=1, verbose=0)  # trace and build outside the timing
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        model.fit(**data, epochs=1, verbose=0)
        best = min(best, (time.perf_counter() - t0) / STEPS * 1000)
    return best


@pytest.mark.parametrize("spec", REGULARIZERS)
def test_regularizer_cost(benchmark, capsys, spec):
    ms = benchmark.pedantic(_epoch_ms_per_step, args=(spec,), rounds=1, iterations=1)
    _MS[spec] = ms
    benchmark.extra_info["ms_per_step"] = ms
    if "none" in _MS:
        benchmark.extra_info["ratio_to_none"] = ms / _MS["none"]
    if spec == REGULARIZERS[-1]:
        with capsys.disabled():
            print("\nms per training step, cnn_small, batch 128 (best of 3 epochs):")
            for name, value in _MS.items():
                print(f"  {name:40s} {value:6.1f} ms  x{value / _MS['none']:.2f}")
