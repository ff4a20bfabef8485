"""Data sets, read from local files or downloaded with a hash check.

    >>> ds = zoo.data.load_dataset("fashion_mnist", train_size=5000, seed=0)
    >>> ds.x_train.shape, ds.x_val.shape, ds.x_test.shape
    ((5000, 28, 28, 1), (5000, 28, 28, 1), (10000, 28, 28, 1))

Where files are looked for: see `zoo.data.files` (argument, `ZOO_DATA_DIR`, Keras cache,
`/usr/share/datasets`, download).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from zoo.data import images
from zoo.data.files import search_dirs
from zoo.data.splits import Dataset, split_indices
from zoo.errors import unknown_name


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    loader: Callable
    num_classes: int
    class_names: list[str]
    description: str


DATASETS: dict[str, DatasetInfo] = {
    "fashion_mnist": DatasetInfo(
        "fashion_mnist",
        images.fashion_mnist,
        10,
        images.FASHION_CLASSES,
        "Fashion-MNIST, 28x28 grey clothing images, 60k train / 10k test",
    ),
    "mnist": DatasetInfo(
        "mnist",
        images.mnist,
        10,
        [str(i) for i in range(10)],
        "MNIST handwritten digits, 28x28 grey, 60k train / 10k test",
    ),
    "cifar10": DatasetInfo(
        "cifar10",
        images.cifar10,
        10,
        images.CIFAR10_CLASSES,
        "CIFAR-10, 32x32 colour images, 50k train / 10k test",
    ),
}

DEFAULT_VAL_SIZE = 5000


def list_datasets() -> list[str]:
    return list(DATASETS)


@functools.lru_cache(maxsize=4)
def _raw(name: str, data_dir: str | None, download: bool, verify: bool):
    return DATASETS[name].loader(data_dir, download=download, verify=verify)


def load_dataset(
    name: str,
    *,
    train_size: int | None = None,
    val_size: int = DEFAULT_VAL_SIZE,
    test_size: int | None = None,
    seed: int = 0,
    data_dir: str | os.PathLike | None = None,
    download: bool = True,
    verify: bool = True,
) -> Dataset:
    """Load data set `name` with a seeded validation split; images scaled to [0, 1] float32.

    Raw files are read once per process and cached, so trials that share a data set do not
    re-read it.
    """
    if name not in DATASETS:
        raise unknown_name("dataset", name, DATASETS)
    info = DATASETS[name]
    key_dir = str(data_dir) if data_dir else None
    x_train, y_train, x_test, y_test = _raw(name, key_dir, download, verify)
    tr, va, te = split_indices(
        len(x_train),
        len(x_test),
        train_size=train_size,
        val_size=val_size,
        test_size=test_size,
        seed=seed,
    )

    def scale(x: np.ndarray) -> np.ndarray:
        return x.astype("float32") / np.float32(255.0)

    return Dataset(
        name=name,
        x_train=scale(x_train[tr]),
        y_train=y_train[tr].astype("int32"),
        x_val=scale(x_train[va]),
        y_val=y_train[va].astype("int32"),
        x_test=scale(x_test[te]),
        y_test=y_test[te].astype("int32"),
        num_classes=info.num_classes,
        class_names=list(info.class_names),
    )


__all__ = ["DATASETS", "Dataset", "list_datasets", "load_dataset", "search_dirs"]
