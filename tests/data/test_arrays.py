"""A user's own data: arrays, tf.data batches and .npz files become a data set the trials read,
with its validation split kept as given, a fixed held-out test split when none is given, a
fingerprint that changes with any value, and a clear refusal of bad arrays."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from zoo.data import load_dataset
from zoo.data.arrays import TEST_SHARE, from_data, load_npz
from zoo.data.datasets import DATASETS, registered
from zoo.errors import UsageError


def _xy(n: int = 50, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 6)), rng.integers(0, 3, n)


def test_given_validation_is_kept_and_test_is_held_out_once():
    x, y = _xy(50)
    xv, yv = _xy(10, seed=1)
    data = from_data(x, y, validation_data=(xv, yv), name="mine")
    assert data.test_held_out and len(data.x_test) == round(TEST_SHARE * 50) == 10
    assert len(data.x_train) == 40 and data.x_train.dtype == np.float32  # float64 -> float32
    train_rows = {r.tobytes() for r in data.x_train}
    assert not any(r.tobytes() in train_rows for r in data.x_test)  # disjoint
    with registered(data.info(num_classes=3)):
        for seed in (0, 1):
            ds = load_dataset("mine", val_size=999, seed=seed)  # given validation: not drawn
            np.testing.assert_array_equal(ds.x_val, xv.astype("float32"))
            np.testing.assert_array_equal(ds.y_val, yv)
            assert ds.sizes() == {"train": 40, "val": 10, "test": 10}
            assert ds.y_train.dtype == np.int32 and ds.model_kwargs["input_shape"] == (6,)
    assert "mine" not in DATASETS  # gone after the block


def test_without_validation_each_trial_draws_it_from_train():
    x, y = _xy(60)
    data = from_data(x, y, test_data=_xy(12, seed=2), name="drawn")
    assert not data.test_held_out and len(data.x_train) == 60
    with registered(data.info(num_classes=3)):
        a, b = (load_dataset("drawn", val_size=15, seed=s) for s in (0, 1))
    assert a.sizes() == {"train": 45, "val": 15, "test": 12}
    assert not np.array_equal(a.x_val, b.x_val)  # seeded by the trial


def test_a_tf_data_dataset_of_batches_reads_as_its_examples():
    x, y = _xy(40)
    batches = tf.data.Dataset.from_tensor_slices((x, y)).batch(7)
    data = from_data(batches, validation_data=batches, test_data=(x, y), name="tfdata")
    np.testing.assert_allclose(data.x_train, x.astype("float32"))
    np.testing.assert_array_equal(data.y_val, y)
    singles = tf.data.Dataset.from_tensor_slices((x, y))
    with pytest.raises(UsageError, match=r"single examples: batch it"):
        from_data(singles, name="x")


def test_the_fingerprint_changes_with_any_value_and_not_otherwise():
    x, y = _xy(30)
    a = from_data(x, y, name="a").fingerprint
    assert a == from_data(x.copy(), y.copy(), name="a").fingerprint
    x2 = x.copy()
    x2[3, 2] += 1e-3
    assert from_data(x2, y, name="a").fingerprint != a


def test_an_npz_file_reads_and_image_arrays_are_images(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (20, 8, 8, 1), dtype=np.uint8)
    path = tmp_path / "pics.npz"
    np.savez(path, x_train=images, y_train=rng.integers(0, 2, 20), x_test=images[:5],
             y_test=np.zeros(5, int))  # fmt: skip
    data = load_npz(path)
    assert data.name == "pics" and data.kind == "image" and not data.test_held_out
    with registered(data.info(num_classes=2)):
        ds = load_dataset("pics", val_size=4)
    assert ds.x_train.dtype == np.float32 and ds.x_train.min() >= 0 and ds.x_train.max() <= 1


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"y_train": np.zeros(3)}, r"has no x_train \(it holds y_train\)"),
        ({"x_train": np.zeros((3, 2)), "y_train": np.zeros(2)},
         r"x_train has 3 examples and y_train 2: give one target per example"),
        ({"x_train": np.array([[1.0, np.nan]] * 4), "y_train": np.zeros(4)},
         r"x_train holds 4 non-finite value\(s\) \(NaN or infinity\), the first in example 0"),
        ({"x_train": np.zeros((5, 2)), "y_train": np.zeros(5), "x_val": np.zeros((2, 3)),
          "y_val": np.zeros(2)}, r"x_val's examples have shape \(3,\) and x_train's \(2,\)"),
        ({"x_train": np.zeros((5, 2)), "y_train": np.zeros(5), "x_val": np.zeros((2, 2))},
         r"x_val and y_val go together"),
        ({"x_train": np.zeros((5, 2)), "y_train": np.zeros(5), "x_tset": np.zeros(1)},
         r"unknown key 'x_tset' \(did you mean 'x_test'\?\)"),
    ],
)  # fmt: skip
def test_bad_npz_files_are_refused_with_what_is_wrong(tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(UsageError, match=message):
        load_npz(path)


def test_a_missing_or_unreadable_file_is_refused(tmp_path):
    with pytest.raises(UsageError, match=r"nope.npz: no such file\. Give an \.npz file"):
        load_npz(tmp_path / "nope.npz")
    (tmp_path / "text.npz").write_text("not a zip")
    with pytest.raises(UsageError, match="not a readable .npz file"):
        load_npz(tmp_path / "text.npz")


def test_names_of_zoos_data_sets_are_refused():
    with pytest.raises(UsageError, match="one of zoo's data sets"):
        from_data(*_xy(10), name="mnist")
