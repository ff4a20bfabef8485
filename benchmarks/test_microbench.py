"""Microbenchmarks (pytest-benchmark): what a trial costs, piece by piece.

    make microbench                      # runs these, saves JSON under .benchmarks/
    make microbench ARGS=--benchmark-compare   # against the last saved run

- one training step of each registered family (a batch already in memory);
- data: parsing a Fashion-MNIST-sized IDX file, vectorizing 2,000 reviews;
- report generation for a folder of 40 records;
- harness overhead: one trial through `zoo.bench.run.runner.run_trial` against the same model,
  data and batch size trained by a bare `model.fit` in the same process. The ratio of their
  samples/s is saved in the JSON (`extra_info`) and printed; the goal is ~1.0.

Timings are measured, never asserted: these machines are shared and noisy.
"""

from __future__ import annotations

import gzip
import shutil
import struct
import time

import keras
import numpy as np
import pytest
from backend_steps import BATCH, FAMILIES, batch_and_model  # benchmarks/backend_steps.py

import zoo
from zoo.bench.output.record import TrialRecord
from zoo.specs import parse_optimizer


@pytest.mark.parametrize("name", FAMILIES)
def test_train_step(benchmark, name):
    model, batch = batch_and_model(name)
    model.train_on_batch(*batch)  # trace and build outside the timing
    benchmark.extra_info["batch_size"] = BATCH
    benchmark.pedantic(model.train_on_batch, args=batch, rounds=10, iterations=2)


def test_parse_idx_60000_images(benchmark, tmp_path):
    from zoo.data.idx import read_idx

    images = np.random.default_rng(0).integers(0, 256, (60000, 28, 28), dtype=np.uint8)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    with gzip.open(path, "wb", compresslevel=6) as fh:
        fh.write(struct.pack(">HBB", 0, 8, 3) + struct.pack(">3I", 60000, 28, 28))
        fh.write(images.tobytes())
    out = benchmark.pedantic(read_idx, args=(path,), rounds=3, iterations=1)
    assert out.shape == (60000, 28, 28)


def test_vectorize_2000_reviews(benchmark):
    from zoo.data.text import KeepLastTokens, make_vectorizer

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(5000)]
    texts = np.array([" ".join(rng.choice(words, 230)) for _ in range(2000)], dtype=object)

    def vectorize():
        v = make_vectorizer(vocab_size=5000)
        v.adapt(texts, batch_size=1024)
        return np.asarray(KeepLastTokens(128)(v(texts)))

    assert benchmark.pedantic(vectorize, rounds=3, iterations=1).shape == (2000, 128)


def test_write_report_40_records(benchmark, tmp_path):
    from zoo.bench import Store
    from zoo.report import write_report

    store = Store(tmp_path)
    rng = np.random.default_rng(0)
    cells = [(o, r) for o in ["sgd", "adam", "nadam", "lion"]
             for r in ["none", "l2", "dropout", "batchnorm", "l1"]]  # fmt: skip
    for i, (opt, reg) in enumerate(cells):
        for seed in (0, 1):
            acc = [float(a) for a in np.sort(rng.random(3))]
            store.write(TrialRecord.from_json({
                "schema": 1, "config_hash": f"{i:08d}{seed:08d}", "status": "ok",
                "config": {"model": "cnn_small", "dataset": "fashion_mnist", "seed": seed,
                           "epochs": 3, "train_size": 1000, "test_size": 500,
                           "batch_size": 128, "optimizer": {"kwargs": {"learning_rate": 0.01}}},
                "labels": {"optimizer": opt, "regularizer": reg},
                "history": {"accuracy": acc, "val_accuracy": acc},
                "test": {"accuracy": acc[-1], "loss": 1.0}, "params": 1000,
            }))  # fmt: skip
    benchmark.pedantic(write_report, args=(tmp_path,), kwargs={"warn": lambda m: None},
                       rounds=3, iterations=1)  # fmt: skip


# The overhead benchmark's trial per family: small enough for minutes, big enough for a
# steady state (the first epoch, with its tracing, is left out on both sides) and for epochs
# of a few seconds: with 1-second epochs this shared machine's speed drift (+-30% between
# identical runs) swamps the harness's per-epoch costs (a checkpoint save is ~25 ms).
OVERHEAD = {
    "cnn_small": {"dataset": "fashion_mnist", "train_size": 20000, "val_size": 1000,
                  "batch_size": 128},
    "lstm": {"dataset": "imdb", "train_size": 5000, "val_size": 500, "batch_size": 64,
             "data_options": {"vocab_size": 10000, "sequence_length": 128}},
    "dcgan": {"dataset": "fashion_mnist", "train_size": 6000, "val_size": 0, "batch_size": 64,
              "model_options": {"width": 32}, "fid_samples": 500},
}  # fmt: skip


def _load(name: str):
    from zoo.data import load_dataset

    cfg = OVERHEAD[name]
    return load_dataset(cfg["dataset"], train_size=cfg["train_size"], val_size=cfg["val_size"],
                        test_size=500, seed=0, **cfg.get("data_options", {}))  # fmt: skip


def _bare_fit(
    name: str,
    ds,
    epochs: int,
    steps_per_execution: int = 1,
    pipeline: str = "arrays",
    best_epoch: bool = False,
):
    """Samples/s of a plain `model.fit` of `name` on `ds` (steady state: epochs 2..N; with
    `best_epoch`, that of the fastest of them).

    pipeline `arrays` hands numpy arrays to `fit` (Keras's adapter batches and prefetches
    them, as the harness does); `tf.data` builds a shuffled, batched, cached and prefetched
    `tf.data.Dataset` first.
    """
    from zoo.bench.run.training import loss_and_metrics
    from zoo.models import model_info
    from zoo.specs import parse_regularizer

    cfg, task = OVERHEAD[name], model_info(name).task
    keras.utils.set_random_seed(0)
    model = zoo.build(name, **ds.model_kwargs, **cfg.get("model_options", {}))
    if task == "generation":
        model.compile(g_optimizer=parse_optimizer("adam").build(),
                      d_optimizer=parse_optimizer("adam").build(),
                      steps_per_execution=steps_per_execution)  # fmt: skip
        data, validation = (ds.x_train,), None
    else:
        loss, metrics = loss_and_metrics(task, parse_regularizer("none"))
        model.compile(parse_optimizer("adam").build(), loss, metrics=metrics,
                      steps_per_execution=steps_per_execution)  # fmt: skip
        data, validation = (ds.x_train, ds.y_train), (ds.x_val, ds.y_val)
    batch = {"batch_size": cfg["batch_size"]}
    if pipeline == "tf.data":
        import tensorflow as tf

        def dataset(arrays, shuffle):
            d = tf.data.Dataset.from_tensor_slices(arrays[0] if len(arrays) == 1 else arrays)
            d = d.cache()
            if shuffle:
                d = d.shuffle(len(arrays[0]), seed=0)
            return d.batch(cfg["batch_size"]).prefetch(tf.data.AUTOTUNE)

        data = (dataset(data, True),)
        validation = dataset(validation, False) if validation else None
        batch = {"shuffle": False}  # the dataset shuffles itself
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t)

    start = time.perf_counter()
    model.fit(*data, validation_data=validation, epochs=epochs, verbose=0, callbacks=[Timer()],
              **batch)  # fmt: skip
    if best_epoch:
        return _best_epoch_speed(len(ds.x_train), times, time.perf_counter() - start)
    return len(ds.x_train) * (epochs - 1) / sum(times[1:])


def _best_epoch_speed(samples: int, epoch_times: list[float], fit_seconds: float) -> float:
    """Samples/s of the fastest steady-state epoch, charged its share of what `fit` spent
    outside the epochs (callbacks between epochs, such as the harness's checkpoint, and
    set-up). The minimum (as `timeit` takes) filters this shared machine's slow spells."""
    between = (fit_seconds - sum(epoch_times)) / len(epoch_times)
    return samples / (min(epoch_times[1:]) + between)


@pytest.mark.parametrize("name", list(OVERHEAD))
def test_harness_overhead_against_bare_fit(benchmark, capsys, tmp_path, name):
    """Samples/s of `run_trial` over those of a bare `fit` of the same model and data."""
    from zoo.bench.plan.trial import Trial
    from zoo.bench.run.runner import run_trial
    from zoo.specs import parse_regularizer

    cfg = dict(OVERHEAD[name])
    epochs = 4
    trial = Trial(model=name, optimizer=parse_optimizer("adam"),
                  regularizer=parse_regularizer("none"), seed=0, epochs=epochs, test_size=500,
                  **cfg)  # fmt: skip
    ds = _load(name)

    def bare() -> float:
        return _bare_fit(name, ds, epochs, best_epoch=True)

    def harness() -> float:  # as `zoo bench` runs it: with per-epoch checkpoints
        checkpoints = tmp_path / "checkpoints"
        record = run_trial(trial, checkpoint_dir=checkpoints)
        shutil.rmtree(checkpoints)
        times = record.history["epoch_time_s"]
        return _best_epoch_speed(record.data_sizes["train"], times, record.fit_time_s)

    bare(), harness()  # warm both paths (data cache, tracing)
    ratios = []

    def pair():  # alternate which side goes first: the machine's speed drifts
        if len(ratios) % 2:
            b = bare()
            ratios.append(harness() / b)
        else:
            h = harness()
            ratios.append(h / bare())

    benchmark.pedantic(pair, rounds=5, iterations=1)
    ratio = float(np.median(ratios))
    benchmark.extra_info["harness_over_bare_fit_samples_per_s"] = ratio
    with capsys.disabled():
        print(f"\n{name}: harness / bare fit samples/s: median {ratio:.3f} over {ratios}")


FIT_SETTINGS = {
    "arrays": {},  # what the harness does: numpy arrays, Keras's own adapter
    "steps_per_execution=8": {"steps_per_execution": 8},
    "tf.data cache+prefetch": {"pipeline": "tf.data"},
}


@pytest.mark.parametrize("name", list(OVERHEAD))
def test_fit_settings(benchmark, capsys, name):
    """Which `fit` settings help on this machine: samples/s of each over that of plain arrays.

    The settings are interleaved round by round, so the ratios come from one run.
    """
    ds = _load(name)
    epochs = 3
    samples: dict[str, list[float]] = {k: [] for k in FIT_SETTINGS}

    def round_():
        for setting, kwargs in FIT_SETTINGS.items():
            samples[setting].append(_bare_fit(name, ds, epochs, **kwargs))

    _bare_fit(name, ds, 2)  # warm the data cache and the kernels
    benchmark.pedantic(round_, rounds=3, iterations=1)
    base = float(np.median(samples["arrays"]))
    ratios = {k: float(np.median(v)) / base for k, v in samples.items()}
    benchmark.extra_info["samples_per_s"] = {k: float(np.median(v)) for k, v in samples.items()}
    benchmark.extra_info["over_arrays"] = ratios
    with capsys.disabled():
        shown = ", ".join(f"{k} {r:.3f}" for k, r in ratios.items())
        print(f"\n{name}: samples/s over plain arrays ({base:.0f}/s): {shown}")


@pytest.mark.parametrize("backend", ["tensorflow", "jax", "torch"])
def test_train_step_per_backend(benchmark, capsys, backend):
    """One training step of every family under each Keras backend (a process per backend).

    The three runs' seconds per step are saved in `extra_info` and printed; which backend is
    fastest for which model is read from them.
    """
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    pytest.importorskip(backend)
    script = Path(__file__).with_name("backend_steps.py")
    env = {**os.environ, "KERAS_BACKEND": backend}

    def run() -> dict:
        out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                             text=True, check=True)  # fmt: skip
        return json.loads(out.stdout.strip().splitlines()[-1])

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    assert result["backend"] == backend
    benchmark.extra_info.update(result)
    with capsys.disabled():
        shown = ", ".join(f"{n} {s * 1000:.1f} ms" for n, s in result["seconds_per_step"].items())
        print(f"\n{backend}: one step at batch {result['batch_size']}: {shown}")
