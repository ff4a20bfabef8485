"""A user's own data as a data set of the harness: NumPy arrays, batches of a
`tf.data.Dataset` or an `.npz` file, checked, fingerprinted and described for the trials.

    data = from_data(x, y, validation_data=(x_val, y_val), name="mydata")
    data = load_npz("data.npz")   # x_train, y_train; optional x_val, y_val, x_test, y_test
    with registered(data.info(num_classes=10)):   # zoo.data.datasets.registered
        load_dataset("mydata", val_size=0)

What is checked (a `UsageError` naming the array, what is wrong and what is valid): every
split's x and y hold the same number of examples, the examples have one shape in every
split, every value is a finite number. Labels against a model's output are the task's to
check (`zoo.specs.tasks.Task.check_targets`).

Without test data, `TEST_SHARE` of the training examples, drawn once with a fixed seed (the
same for every trial), are held out as the test split; without validation data the trials
draw their validation split from the training one as for any data set (`val_size`, seeded by
the trial). `Arrays.fingerprint` (SHA-256 of every array's dtype, shape and bytes) is the
data set's `version`, part of every trial's config hash: different data never reuses a
stored record.
"""

from __future__ import annotations

import functools
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo.data.datasets import DATASETS, DatasetInfo
from zoo.data.splits import TEST_SUBSET_SEED
from zoo.errors import UsageError, unknown_key

NPZ_KEYS = ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test")
TEST_SHARE = 0.2  # no test data given: this share of the training examples is the test split
SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Arrays:
    """A user's data split three ways (`x_val` None: drawn from train by each trial)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    x_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    test_held_out: bool = False  # the test split was taken from the training data

    @functools.cached_property
    def fingerprint(self) -> str:
        """SHA-256 (16 hex digits) of every split's dtype, shape and bytes."""
        digest = hashlib.sha256()
        for key, a in self.arrays().items():
            digest.update(f"{key}:{a.dtype.str}:{a.shape};".encode())
            digest.update(np.ascontiguousarray(a).tobytes())
        return digest.hexdigest()[:16]

    @property
    def kind(self) -> str:
        """ "image" for (examples, height, width, channels) arrays, else "array"."""
        return "image" if self.x_train.ndim == 4 else "array"

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays given, by their npz name (`x_train`, ..., `y_test`)."""
        found = {f"{xy}_{s}": getattr(self, f"{xy}_{s}") for s in SPLITS for xy in "xy"}
        return {k: v for k, v in found.items() if v is not None}

    def info(self, num_classes: int) -> DatasetInfo:
        """The data set's description for `zoo.data.datasets.registered`; `num_classes` from
        the task and the model (`Task.output_classes`; 0: real-valued targets)."""
        given = self.x_val is not None
        raw = (self.x_train, self.y_train, self.x_test, self.y_test)
        raw += (self.x_val, self.y_val) if given else ()
        shape = "x".join(map(str, self.x_train.shape[1:])) or "scalar"
        held = f", {len(self.x_test)} of them held out as the test split" * self.test_held_out
        return DatasetInfo(
            self.name, lambda data_dir=None, **_: raw, self.kind, num_classes,
            [str(k) for k in range(num_classes)],
            f"{self.name}: {len(self.x_train) + len(self.x_test) * self.test_held_out} "
            f"examples of shape {shape}{held} (given by the user)",
            version=self.fingerprint, given_validation=given,
        )  # fmt: skip


def load_npz(path: str | Path, name: str | None = None) -> Arrays:
    """The arrays of an `.npz` file (`numpy.savez(path, x_train=..., y_train=..., ...)`):
    `x_train` and `y_train`, optionally `x_val`, `y_val`, `x_test`, `y_test`. A missing or
    unreadable file, a missing or unknown key: `UsageError`. `name`: default the file's stem."""
    path = Path(path)
    if not path.is_file():
        what = "a folder" if path.is_dir() else "no such file"
        raise UsageError(
            f"--data {path}: {what}. Give an .npz file with x_train and y_train (and optionally "
            "x_val, y_val, x_test, y_test), written by numpy.savez(path, x_train=..., ...)."
        )
    try:
        with np.load(path, allow_pickle=False) as npz:
            found = {k: npz[k] for k in npz.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise UsageError(
            f"--data {path}: not a readable .npz file ({exc}). Write one with "
            "numpy.savez(path, x_train=..., y_train=...)."
        ) from exc
    for key in found:
        if key not in NPZ_KEYS:
            raise unknown_key(f"--data {path}", key, NPZ_KEYS)
    for need in ("x_train", "y_train"):
        if need not in found:
            raise UsageError(
                f"--data {path} has no {need} (it holds {', '.join(found) or 'nothing'}). An "
                "npz for zoo holds x_train and y_train, optionally x_val, y_val, x_test, y_test."
            )
    pair = {s: (found.get(f"x_{s}"), found.get(f"y_{s}")) for s in ("val", "test")}
    return from_data(
        found["x_train"], found["y_train"], validation_data=pair["val"], test_data=pair["test"],
        name=name or path.stem, where=f"--data {path}: ",
    )  # fmt: skip


def from_data(x: Any, y: Any = None, *, validation_data: Any = None, test_data: Any = None,
              name: str = "data", where: str = "") -> Arrays:  # fmt: skip
    """`Arrays` from NumPy arrays (`x`, `y`) or a `tf.data.Dataset` of (x, y) batches (`x`,
    `y` None, as `keras.Model.fit` takes one), with `validation_data` and `test_data` each an
    (x, y) pair or such a data set (None: drawn from the training data, see the module).
    Every array is checked (see the module); `where` prefixes the messages."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name) or name in DATASETS:
        raise UsageError(
            f"data set name {name!r}: "
            + ("one of zoo's data sets" if name in DATASETS else "use letters, digits, _ . -")
            + "; call your data something else (e.g. name='my_data')."
        )
    x_train, y_train = _pair(x, y, "train", where)
    x_val, y_val = _pair(*_split(validation_data), "val", where)
    x_test, y_test = _pair(*_split(test_data), "test", where)
    held = x_test is None
    if held:
        n = len(x_train)
        order = np.random.default_rng(TEST_SUBSET_SEED).permutation(n)
        cut = max(1, round(TEST_SHARE * n))
        if n - cut < 2:
            raise UsageError(f"{where}x_train has {n} examples: too few to hold out a test split.")
        test, train = np.sort(order[:cut]), np.sort(order[cut:])
        x_test, y_test, x_train, y_train = (
            x_train[test],
            y_train[test],
            x_train[train],
            y_train[train],
        )
    data = Arrays(name, x_train, y_train, x_test, y_test, x_val, y_val, held)
    _check_shapes(data, where)
    return data


def _split(data: Any) -> tuple[Any, Any]:
    """(x, y) of an optional (x, y) pair or a data set (None, None: not given)."""
    if data is None:
        return None, None
    if isinstance(data, tuple | list):
        if len(data) != 2:
            raise UsageError(
                f"give (x, y) pairs for validation and test data, got {len(data)} items."
            )
        return data[0], data[1]
    return data, None


def _pair(x: Any, y: Any, split: str, where: str) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A split's x and y as checked NumPy arrays (None, None where neither is given)."""
    if x is None and y is None:
        return None, None
    if hasattr(x, "as_numpy_iterator") and y is None:  # a tf.data.Dataset of (x, y) batches
        x, y = _from_batches(x, split, where)
    if x is None or y is None:
        raise UsageError(f"{where}x_{split} and y_{split} go together: give both or neither.")
    arrays = (_numeric(x, f"x_{split}", where), _numeric(y, f"y_{split}", where))
    if len(arrays[0]) != len(arrays[1]):
        raise UsageError(
            f"{where}x_{split} has {len(arrays[0])} examples and y_{split} {len(arrays[1])}: "
            "give one target per example."
        )
    if not len(arrays[0]):
        raise UsageError(f"{where}x_{split} holds no examples.")
    return arrays


def _from_batches(ds: Any, split: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """The examples of a `tf.data.Dataset` of (x, y) batches, concatenated (read once)."""
    xs, ys = [], []
    for element in ds.as_numpy_iterator():
        if not (isinstance(element, tuple) and len(element) == 2):
            raise UsageError(
                f"{where}the {split} data set yields {type(element).__name__}s; give one of "
                "(x, y) batches, as keras.Model.fit takes: tf.data.Dataset.from_tensor_slices("
                "(x, y)).batch(32)."
            )
        xs.append(np.asarray(element[0]))
        ys.append(np.asarray(element[1]))
    if not xs:
        raise UsageError(f"{where}the {split} data set is empty.")
    if any(a.ndim == 0 for a in ys):
        raise UsageError(
            f"{where}the {split} data set yields single examples: batch it, as keras.Model.fit "
            "takes one (dataset.batch(32))."
        )
    return np.concatenate(xs), np.concatenate(ys)


def _numeric(a: Any, key: str, where: str) -> np.ndarray:
    """`a` as a numeric array (float64 as float32, bool as float32), or `UsageError`."""
    try:
        a = np.asarray(a)
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{where}{key} is not an array of numbers ({exc}).") from exc
    if a.ndim == 0:
        raise UsageError(f"{where}{key} is a single value; give one row per example.")
    if a.dtype == bool or a.dtype == np.float64:
        a = a.astype("float32")
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise UsageError(f"{where}{key} holds {a.dtype} values; give numbers (ints or floats).")
    if np.issubdtype(a.dtype, np.floating):
        bad = ~np.isfinite(a)
        if bad.any():
            first = int(np.argwhere(bad)[0][0])
            raise UsageError(
                f"{where}{key} holds {int(bad.sum())} non-finite value(s) (NaN or infinity), the "
                f"first in example {first}: drop or fill them before benchmarking."
            )
    return a


def _check_shapes(data: Arrays, where: str) -> None:
    """Every split's examples have the training examples' shape, its targets theirs."""
    for xy in "xy":
        ref = getattr(data, f"{xy}_train").shape[1:]
        for split in ("val", "test"):
            a = getattr(data, f"{xy}_{split}")
            if a is not None and a.shape[1:] != ref:
                raise UsageError(
                    f"{where}{xy}_{split}'s examples have shape {a.shape[1:]} and {xy}_train's "
                    f"{ref}: every split needs the same shape."
                )
