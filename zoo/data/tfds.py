"""Any TensorFlow Datasets (TFDS) image or text classification data set, by name.

    load_dataset("tfds:kmnist")                       # images: the CNNs take any shape
    load_dataset("tfds:imdb_reviews", vocab_size=20000, sequence_length=200)   # text

A name is `tfds:` and a TFDS catalog name. What it is (image or text, the class count, its
version) comes from the TFDS builder's features, without downloading anything. Its `train`
and `test` splits are read as arrays (images uint8, text vectorized as IMDB is:
`zoo.data.text.vectorize`). TFDS keeps its prepared data in its own folder: `data_dir` (the
`--data-dir` flag) when given, else TFDS's default (`$TFDS_DATA_DIR`, `~/tensorflow_datasets`);
without it there, TFDS downloads and prepares it (not with `ZOO_OFFLINE=1`).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from zoo.data.files import offline
from zoo.data.text import DEFAULT_SEQUENCE_LENGTH, DEFAULT_VOCAB_SIZE, vectorize
from zoo.errors import DataError, UsageError

PREFIX = "tfds:"


def is_tfds(name: str) -> bool:
    return isinstance(name, str) and name.startswith(PREFIX)


def _builder(name: str, data_dir=None):
    import tensorflow_datasets as tfds  # heavy (seconds): only for a tfds: data set

    try:
        return tfds.builder(name[len(PREFIX) :], data_dir=str(data_dir) if data_dir else None)
    except tfds.core.registered.DatasetNotFoundError:
        raise UsageError(
            f"unknown TFDS data set {name!r}: see https://www.tensorflow.org/datasets/catalog "
            "for the names (e.g. tfds:kmnist, tfds:cifar10, tfds:imdb_reviews)."
        ) from None


@functools.cache
def describe(name: str) -> dict[str, Any]:
    """What zoo needs to know of `name` before loading it: kind, classes, version."""
    import tensorflow_datasets as tfds  # heavy (seconds): only for a tfds: data set

    builder = _builder(name)
    features = builder.info.features
    keys = dict(features.items()) if hasattr(features, "items") else {}
    label = keys.get("label")
    kinds = {"image": tfds.features.Image, "text": tfds.features.Text}
    kind = next((k for k, cls in kinds.items() if isinstance(keys.get(k), cls)), None)
    if kind is None or not isinstance(label, tfds.features.ClassLabel):
        raise UsageError(
            f"{name} is not an image or text classification data set zoo can read (it needs "
            f"an `image` or `text` feature and a `label`; it has {', '.join(keys) or 'none'})."
        )
    _check_splits(name, builder)
    shape = tuple(keys[kind].shape) if kind == "image" else ()
    if None in shape:
        raise UsageError(
            f"{name} has images of varying size (shape {shape}: None is a size that varies); "
            "zoo trains on arrays of one shape and does not resize. Choose a data set of "
            "fixed-size images (e.g. tfds:cifar10, tfds:eurosat, tfds:kmnist)."
        )
    return {
        "kind": kind,
        "num_classes": int(label.num_classes),
        "class_names": list(label.names),
        "version": str(builder.version),
        "description": f"TFDS {name[len(PREFIX) :]} {builder.version}, {kind} classification",
    }


def _check_splits(name: str, builder) -> None:
    """`UsageError` if a prepared data set lacks a `train` or a `test` split (TFDS knows a
    set's splits once it is prepared; before that, loading says what is missing)."""
    splits = sorted(builder.info.splits)
    missing = [s for s in ("train", "test") if splits and s not in splits]
    if missing:
        raise UsageError(
            f"{name} has no {' or '.join(missing)} split (its splits: {', '.join(splits)}): "
            "zoo trains on `train`, carves the validation split out of it, and scores on "
            "`test`. Choose a data set that has both (e.g. tfds:cifar10, tfds:kmnist)."
        )


def _arrays(name: str, split: str, data_dir, download: bool) -> tuple[np.ndarray, np.ndarray]:
    import tensorflow_datasets as tfds  # heavy (seconds): only for a tfds: data set

    try:
        ds = tfds.load(name[len(PREFIX):], split=split, as_supervised=True, download=download,
                       data_dir=str(data_dir) if data_dir else None)  # fmt: skip
    except (AssertionError, OSError, ValueError) as exc:  # TFDS's "could not find data"
        how = "" if download else " (downloads are off: ZOO_OFFLINE)"
        raise DataError(
            f"{name}: its {split!r} split is not prepared in TFDS's data folder "
            f"({data_dir or '$TFDS_DATA_DIR or ~/tensorflow_datasets'}) and could not be "
            f"downloaded{how}: {str(exc).splitlines()[0]} With internet access TFDS downloads "
            "and prepares it; offline, copy a prepared data set there (or point --data-dir "
            "at the folder that holds it)."
        ) from None
    xs, ys = [], []
    for x, y in tfds.as_numpy(ds.batch(4096)):
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys).astype("int32")


def load(
    name: str,
    data_dir=None,
    *,
    download: bool = True,
    verify: bool = True,
    vocab_size: int | None = None,
    sequence_length: int | None = None,
) -> tuple:
    """`(x_train, y_train, x_test, y_test)` (and the vocabulary, for text) of a TFDS data set.

    `verify` has no effect: TFDS checks its downloads against its own registered checksums.
    """
    info = describe(name)
    _check_splits(name, _builder(name, data_dir))  # where --data-dir points, too
    download = download and not offline()
    x_train, y_train = _arrays(name, "train", data_dir, download)
    x_test, y_test = _arrays(name, "test", data_dir, download)
    if info["kind"] == "image":
        if x_train.ndim == 3:
            x_train, x_test = x_train[..., None], x_test[..., None]
        return x_train, y_train, x_test, y_test
    texts = [[t.decode("utf-8", "replace") for t in x] for x in (x_train, x_test)]
    x_train, x_test, vocabulary = vectorize(
        texts[0], texts[1], vocab_size=vocab_size or DEFAULT_VOCAB_SIZE,
        sequence_length=sequence_length or DEFAULT_SEQUENCE_LENGTH,
    )  # fmt: skip
    return x_train, y_train, x_test, y_test, vocabulary
