"""Data sets, read from local files or downloaded with a hash check.

    >>> ds = zoo.data.load_dataset("fashion_mnist", train_size=5000, seed=0)
    >>> ds.x_train.shape, ds.x_val.shape, ds.x_test.shape
    ((5000, 28, 28, 1), (5000, 28, 28, 1), (10000, 28, 28, 1))

Where files are looked for: see `zoo.data.files` (argument, `ZOO_DATA_DIR`, Keras cache,
`/usr/share/datasets`, download). Any TFDS image or text classification data set works too,
as `tfds:NAME` (`zoo.data.tfds`).
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from zoo.data import images, text, tfds
from zoo.data.splits import Dataset, split_indices
from zoo.errors import UsageError, unknown_name


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    loader: Callable
    # "image": uint8 images scaled to [0, 1]; "text": int token sequences; "array": numeric
    # features as they are (a data set registered by a user or a test)
    kind: str
    num_classes: int  # 0: the targets are real numbers (regression), kept as float32
    class_names: list[str]
    description: str
    options: tuple[str, ...] = ()  # keyword options the loader takes (`data_options`)
    version: str | None = None  # a TFDS data set's version (part of its trials' config)
    # The loader returns its own validation split after the test one (x_val, y_val: a
    # user's `validation_data`), used as it is: none is drawn from the training split.
    given_validation: bool = False


TEXT_OPTIONS = ("vocab_size", "sequence_length")
DATASETS: dict[str, DatasetInfo] = {
    "fashion_mnist": DatasetInfo(
        "fashion_mnist", images.fashion_mnist, "image", 10, images.FASHION_CLASSES,
        "Fashion-MNIST, 28x28 grey clothing images, 60k train / 10k test",
    ),
    "mnist": DatasetInfo(
        "mnist", images.mnist, "image", 10, [str(i) for i in range(10)],
        "MNIST handwritten digits, 28x28 grey, 60k train / 10k test",
    ),
    "cifar10": DatasetInfo(
        "cifar10", images.cifar10, "image", 10, images.CIFAR10_CLASSES,
        "CIFAR-10, 32x32 colour images, 50k train / 10k test",
    ),
    "imdb": DatasetInfo(
        "imdb", text.imdb, "text", 2, ["negative", "positive"],
        "IMDB movie reviews (raw text, vectorized), 25k train / 25k test, binary sentiment",
        options=TEXT_OPTIONS,
    ),
}  # fmt: skip

DEFAULT_VAL_SIZE = 5000


def list_datasets() -> list[str]:
    return list(DATASETS)


def dataset_info(name: str) -> DatasetInfo:
    """What is known of data set `name` (a built-in one, or `tfds:NAME`) before loading it;
    an unknown name raises `UsageError` with the closest valid one."""
    if tfds.is_tfds(name):
        d = tfds.describe(name)
        loader = functools.partial(tfds.load, name)
        options = TEXT_OPTIONS if d["kind"] == "text" else ()
        return DatasetInfo(name, loader, d["kind"], d["num_classes"], d["class_names"],
                           d["description"], options, d["version"])  # fmt: skip
    if name not in DATASETS:
        raise unknown_name("dataset", name, [*DATASETS, "tfds:NAME"])
    return DATASETS[name]


@contextlib.contextmanager
def registered(info: DatasetInfo) -> Iterator[DatasetInfo]:
    """`info` in the table of data sets (`load_dataset(info.name)` reads it) inside the `with`
    block, whatever was there under its name back afterwards; the cache of read data sets
    is emptied on the way in and out, so a name never serves another's arrays."""
    before = DATASETS.get(info.name)
    DATASETS[info.name] = info
    _raw.cache_clear()
    try:
        yield info
    finally:
        if before is None:
            DATASETS.pop(info.name, None)
        else:
            DATASETS[info.name] = before
        _raw.cache_clear()


@functools.lru_cache(maxsize=4)
def _raw(name: str, data_dir: str | None, download: bool, verify: bool, options: tuple):
    loader = dataset_info(name).loader
    return loader(data_dir, download=download, verify=verify, **dict(options))


def _check_options(info: DatasetInfo, options: dict) -> None:
    for key, value in options.items():
        if key not in info.options:
            valid = ", ".join(info.options) or "none"
            raise UsageError(
                f"data set {info.name!r} takes no option {key!r}; its options: {valid}."
            )
        if isinstance(value, bool) or not isinstance(value, int) or value < 2:
            raise UsageError(f"data option {key} must be an integer >= 2, got {value!r}.")


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
    **options: int,
) -> Dataset:
    """Load data set `name` with a seeded validation split.

    uint8 images come as float32 in [0, 1]; text as int32 token ids (`options`: `vocab_size`,
    `sequence_length`); other arrays as they are. A data set with its own validation split
    (`DatasetInfo.given_validation`) keeps it, and `val_size` is not drawn. Raw files are read
    once per process and cached, so trials that share a data set do not re-read or
    re-vectorize it.
    """
    info = dataset_info(name)
    _check_options(info, options)
    key_dir = str(data_dir) if data_dir else None
    raw = _raw(name, key_dir, download, verify, tuple(sorted(options.items())))
    x_train, y_train, x_test, y_test = raw[:4]
    tr, va, te = split_indices(
        len(x_train), len(x_test), train_size=train_size,
        val_size=0 if info.given_validation else val_size, test_size=test_size, seed=seed,
    )  # fmt: skip
    x_val, y_val = raw[4:6] if info.given_validation else (x_train[va], y_train[va])

    if info.kind == "text":
        vocabulary = raw[4]
        model_kwargs = {"vocab_size": len(vocabulary), "sequence_length": x_train.shape[1]}
    else:
        model_kwargs = {"input_shape": tuple(x_train.shape[1:]), "num_classes": info.num_classes}
        vocabulary = None

    def prep(x: np.ndarray) -> np.ndarray:  # uint8 images to float32 in [0, 1]; the rest as is
        if info.kind == "image" and x.dtype == np.uint8:
            return x.astype("float32") / np.float32(255.0)
        return x

    y_type = "int32" if info.num_classes else "float32"  # class ids, or regression targets
    return Dataset(
        name=name,
        x_train=prep(x_train[tr]), y_train=y_train[tr].astype(y_type),
        x_val=prep(x_val), y_val=y_val.astype(y_type),
        x_test=prep(x_test[te]), y_test=y_test[te].astype(y_type),
        num_classes=info.num_classes, class_names=list(info.class_names),
        model_kwargs=model_kwargs, vocabulary=vocabulary,
    )  # fmt: skip
