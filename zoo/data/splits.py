"""Train / validation / test splits with deterministic, seeded subsets.

The validation split is carved out of the training split by a seeded permutation; the test
split is only ever used for the final evaluation, never for any choice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from zoo.errors import UsageError

TEST_SUBSET_SEED = 20240229  # fixed: a test subset is the same for every trial seed


@dataclass
class Dataset:
    """A data set split three ways, ready for `model.fit`."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    num_classes: int
    class_names: list[str] = field(default_factory=list)
    # What a model builder needs to fit this data: `input_shape` and `num_classes` for
    # images, `vocab_size` and `sequence_length` for text.
    model_kwargs: dict = field(default_factory=dict)
    vocabulary: list[str] | None = None  # text: the vectorizer's vocabulary (train only)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.x_train.shape[1:])

    def sizes(self) -> dict[str, int]:
        return {"train": len(self.x_train), "val": len(self.x_val), "test": len(self.x_test)}


def split_indices(
    n_train: int,
    n_test: int,
    *,
    train_size: int | None,
    val_size: int,
    test_size: int | None,
    seed: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of (train, validation) into the train split and of the test subset.

    `val_size` examples are drawn by a permutation seeded with `seed`; `train_size` (default:
    all that remain) come from the rest. `test_size` (default: all) picks a fixed subset.
    """
    for key, value in (
        ("train_size", train_size),
        ("val_size", val_size),
        ("test_size", test_size),
    ):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise UsageError(f"{key} must be a non-negative integer, got {value!r}.")
    if val_size >= n_train:
        raise UsageError(f"val_size={val_size} leaves no training data (train split: {n_train}).")
    available = n_train - val_size
    if train_size is None:
        train_size = available
    if train_size == 0 or train_size > available:
        raise UsageError(
            f"train_size={train_size} is not possible: the train split has {n_train} examples "
            f"and val_size={val_size} of them are held out, so use 1..{available}."
        )
    perm = np.random.default_rng(seed).permutation(n_train)
    val_idx, train_idx = perm[:val_size], perm[val_size : val_size + train_size]
    if test_size is None or test_size >= n_test:
        test_idx = np.arange(n_test)
    else:
        if test_size == 0:
            raise UsageError("test_size must be at least 1.")
        test_idx = np.sort(np.random.default_rng(TEST_SUBSET_SEED).permutation(n_test)[:test_size])
    return np.sort(train_idx), np.sort(val_idx), test_idx
