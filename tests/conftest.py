"""Shared test fixtures: small files in the real data sets' formats, isolated data folders,
a results folder of hand-made records."""

from __future__ import annotations

import gzip
import io
import os
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest


def idx_bytes(array: np.ndarray) -> bytes:
    """Encode a uint8 array in the IDX format (as MNIST and Fashion-MNIST ship)."""
    assert array.dtype == np.uint8
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.tobytes()


def write_idx_gz(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wb") as fh:
        fh.write(idx_bytes(array))
    return path


def write_mnist_like(folder: Path, n_train: int = 60, n_test: int = 20, seed: int = 0) -> dict:
    """Write the four Fashion-MNIST/MNIST IDX .gz files with random content into `folder`."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte.gz": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    for name, arr in arrays.items():
        write_idx_gz(folder / name, arr)
    return arrays


def write_cifar_binary(path: Path, n_per_batch: int = 4, seed: int = 0) -> dict:
    """Write a small `cifar-10-binary.tar.gz` in the release's layout and record format."""
    rng = np.random.default_rng(seed)
    batches = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
            labels = rng.integers(0, 10, n_per_batch, dtype=np.uint8)
            images = rng.integers(0, 256, (n_per_batch, 3, 32, 32), dtype=np.uint8)
            data = np.concatenate([labels[:, None], images.reshape(n_per_batch, -1)], 1).tobytes()
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            batches[name] = (images.transpose(0, 2, 3, 1), labels)
    return batches


@pytest.fixture(scope="session", autouse=True)
def zoo_cache(tmp_path_factory):
    """Tests (and the CLI they start) extract and vectorize into a temporary zoo cache."""
    if "ZOO_CACHE_DIR" not in os.environ:
        os.environ["ZOO_CACHE_DIR"] = str(tmp_path_factory.mktemp("zoo-cache"))
    return os.environ["ZOO_CACHE_DIR"]


@pytest.fixture
def isolated_data(monkeypatch, tmp_path):
    """No real data folders: empty Keras cache and Debian folder, no ZOO_DATA_DIR, offline."""
    from zoo.data import files

    monkeypatch.delenv("ZOO_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(files, "DEBIAN_DIR", tmp_path / "debian")
    monkeypatch.setenv("ZOO_OFFLINE", "1")
    from zoo.data.datasets import _raw

    _raw.cache_clear()
    yield tmp_path
    _raw.cache_clear()


def write_imdb_archive(path: Path, n: int = 12, extra: dict[str, bytes] | None = None) -> None:
    """Write a small `aclImdb.tar.gz` in the original layout.

    Train reviews use the words good/bad plus `trainonly`; test reviews add `testonlyword`,
    so a vocabulary learnt from the test split is easy to spot.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

        add("aclImdb/README", b"Large Movie Review Dataset (test copy)")
        for split in ("train", "test"):
            for label, word in (("pos", "good great"), ("neg", "bad awful")):
                for i in range(n):
                    extra_word = "trainonly" if split == "train" else "testonlyword"
                    text = f"A {word} film, {word}! <br /> {extra_word} number {i}."
                    add(f"aclImdb/{split}/{label}/{i}_{8 if label == 'pos' else 2}.txt",
                        text.encode())  # fmt: skip
        for name, data in (extra or {}).items():
            add(name, data)


@pytest.fixture
def imdb_dir(isolated_data, monkeypatch):
    """A data folder holding a small generated IMDB archive, with its own zoo cache."""
    monkeypatch.setenv("ZOO_CACHE_DIR", str(isolated_data / "cache"))
    write_imdb_archive(isolated_data / "d" / "aclImdb.tar.gz")
    return isolated_data / "d"


@pytest.fixture
def browser():
    """Headless Chromium for the HTML report's render tests. Where none is installed (and
    `make test` could not install one: no root), the test is skipped with how to enable it;
    under CI (`CI=true`, as `.ci/run` runs) a missing browser is a failure."""
    from zoo.errors import ZooError
    from zoo.report.browser import chromium

    try:
        return chromium()
    except ZooError as exc:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            raise
        pytest.skip(f"{exc} Run `make browser` as root (or `sudo apt-get install chromium`) "
                    "to run this test.")  # fmt: skip


@pytest.fixture
def fixture_dir(tmp_path):
    """A results folder of hand-made records with known numbers (`helpers.fixture_record`):
    adam and sgd, none and l2, two seeds; sgd + l2 diverged."""
    from helpers import fixture_record

    from zoo.bench import Store

    store = Store(tmp_path)
    for rec in [
        fixture_record("adam", "none", 0, 0.80),
        fixture_record("adam", "none", 1, 0.84),
        fixture_record("adam", "l2", 0, 0.90),
        fixture_record("adam", "l2", 1, 0.92),
        fixture_record("sgd", "none", 0, 0.70),
        fixture_record("sgd", "none", 1, 0.72),
        fixture_record("sgd", "l2", 0, 0.0, status="diverged"),
        fixture_record("sgd", "l2", 1, 0.0, status="diverged"),
    ]:
        store.write(rec)
    return tmp_path
