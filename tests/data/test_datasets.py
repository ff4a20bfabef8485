"""Loading data sets (`zoo.data.datasets`, `zoo.data.files`, `zoo.data.images`,
`zoo.data.splits`): the search order, hashes, loaders on generated files, seeded splits, the
real Fashion-MNIST."""

import numpy as np
import pytest
from conftest import write_cifar_binary, write_mnist_like

from zoo.data import files, images, load_dataset
from zoo.data.splits import split_indices
from zoo.errors import DataError, UsageError

NAME = "train-images-idx3-ubyte.gz"


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_search_order(isolated_data, monkeypatch):
    tmp = isolated_data
    debian = _touch(tmp / "debian" / "fashion-mnist" / NAME)
    assert files.find_file(NAME, "fashion-mnist") == debian
    keras_cache = _touch(tmp / "keras_home" / "datasets" / "fashion-mnist" / NAME)
    assert files.find_file(NAME, "fashion-mnist") == keras_cache
    env = _touch(tmp / "env" / NAME)  # flat layout is accepted too
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp / "env"))
    assert files.find_file(NAME, "fashion-mnist") == env
    explicit = _touch(tmp / "explicit" / "fashion-mnist" / NAME)
    assert files.find_file(NAME, "fashion-mnist", tmp / "explicit") == explicit
    assert files.search_dirs(tmp / "explicit") == [
        tmp / "explicit",
        tmp / "env",
        tmp / "keras_home" / "datasets",
        tmp / "debian",
    ]


def test_missing_data_message(isolated_data):
    with pytest.raises(DataError) as err:
        images.fashion_mnist()
    msg = str(err.value)
    assert "train-images-idx3-ubyte.gz not found" in msg
    assert str(isolated_data / "keras_home" / "datasets" / "fashion-mnist") in msg
    assert str(isolated_data / "debian" / "fashion-mnist") in msg
    assert "ZOO_DATA_DIR" in msg and "downloads" in msg


def test_failed_download_is_a_data_error(isolated_data, monkeypatch):
    monkeypatch.delenv("ZOO_OFFLINE")
    bad = files.RemoteFile("nothing.gz", "http://127.0.0.1:9/nothing.gz", "0" * 64)
    with pytest.raises(DataError, match="nothing.gz not found and its download failed"):
        files.locate(bad, "nowhere")


def test_fashion_mnist_loader_on_generated_files(isolated_data):
    arrays = write_mnist_like(isolated_data / "d" / "fashion-mnist")
    x_train, y_train, x_test, y_test = images.fashion_mnist(isolated_data / "d", verify=False)
    assert x_train.shape == (60, 28, 28, 1) and x_test.shape == (20, 28, 28, 1)
    np.testing.assert_array_equal(x_train[..., 0], arrays["train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte.gz"])


def test_wrong_hash_is_refused(isolated_data):
    write_mnist_like(isolated_data / "d" / "fashion-mnist")
    with pytest.raises(DataError, match=r"not the expected train-images-idx3-ubyte\.gz.*SHA-256"):
        images.fashion_mnist(isolated_data / "d")


def test_mismatched_images_and_labels(isolated_data):
    folder = isolated_data / "d" / "mnist"
    write_mnist_like(folder)
    from conftest import write_idx_gz

    write_idx_gz(folder / "train-labels-idx1-ubyte.gz", np.zeros(7, np.uint8))
    with pytest.raises(DataError, match="train files do not match"):
        images.mnist(isolated_data / "d", verify=False)


def test_mnist_idx_and_npz(isolated_data):
    arrays = write_mnist_like(isolated_data / "idx" / "mnist", seed=1)
    x_train, y_train, _, _ = images.mnist(isolated_data / "idx", verify=False)
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte.gz"])
    # Keras's mnist.npz layout, as found in the Keras cache.
    npz = isolated_data / "keras_home" / "datasets" / "mnist.npz"
    npz.parent.mkdir(parents=True)
    rng = np.random.default_rng(2)
    xs = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    np.savez(npz, x_train=xs, y_train=np.arange(30) % 10, x_test=xs[:5], y_test=np.arange(5))
    x_train, y_train, x_test, _ = images.mnist(verify=False)
    assert x_train.shape == (30, 28, 28, 1) and x_test.shape == (5, 28, 28, 1)
    with pytest.raises(DataError, match="mnist.npz is not the expected"):
        images.mnist()


def test_cifar10_binary_archive(isolated_data):
    path = isolated_data / "d" / "cifar10" / "cifar-10-binary.tar.gz"
    batches = write_cifar_binary(path)
    x_train, y_train, x_test, y_test = images.cifar10(isolated_data / "d", verify=False)
    assert x_train.shape == (20, 32, 32, 3) and x_test.shape == (4, 32, 32, 3)
    np.testing.assert_array_equal(x_train[:4], batches["data_batch_1.bin"][0])
    np.testing.assert_array_equal(y_test, batches["test_batch.bin"][1])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 200])
    with pytest.raises(DataError, match="cifar-10-binary.tar.gz"):
        images.cifar10(isolated_data / "d", verify=False)


def test_splits_are_seeded_disjoint_and_test_is_fixed():
    kw = dict(train_size=100, val_size=50, test_size=30)
    tr0, va0, te0 = split_indices(1000, 200, seed=0, **kw)
    tr0b, va0b, _ = split_indices(1000, 200, seed=0, **kw)
    tr1, va1, te1 = split_indices(1000, 200, seed=1, **kw)
    np.testing.assert_array_equal(tr0, tr0b)
    np.testing.assert_array_equal(va0, va0b)
    assert not np.array_equal(va0, va1)
    assert not set(tr0) & set(va0)
    np.testing.assert_array_equal(te0, te1)  # the test subset never depends on the seed
    assert len(tr0) == 100 and len(va0) == 50 and len(te0) == 30
    with pytest.raises(UsageError, match="train_size=960 is not possible"):
        split_indices(1000, 200, train_size=960, val_size=50, test_size=None, seed=0)


def test_real_fashion_mnist_subset_and_hashes():
    """The real files (ZOO_DATA_DIR, cache or download) pass the SHA-256 check and split."""
    ds = load_dataset("fashion_mnist", train_size=2000, val_size=500, test_size=1000, seed=3)
    assert ds.x_train.shape == (2000, 28, 28, 1) and ds.x_train.dtype == np.float32
    assert ds.x_train.min() >= 0.0 and ds.x_train.max() <= 1.0
    assert ds.sizes() == {"train": 2000, "val": 500, "test": 1000}
    assert set(np.unique(ds.y_train)) == set(range(10))
    assert ds.class_names[9] == "Ankle boot"
