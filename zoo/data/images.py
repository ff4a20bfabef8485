"""Image classification data sets: Fashion-MNIST, MNIST and CIFAR-10, as uint8 arrays.

Each loader returns `(x_train, y_train, x_test, y_test)` with images in NHWC layout. Files are
found with `zoo.data.files.locate` (explicit folder, `ZOO_DATA_DIR`, Keras cache, Debian,
then download) and checked by SHA-256 unless `verify=False`.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from zoo.data.files import RemoteFile, find_file, locate
from zoo.data.files import verify as verify_file
from zoo.data.idx import parse_idx, read_bytes
from zoo.errors import DataError

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
PathLike = str | os.PathLike | None

FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# Published .gz digests (as pinned by TFDS) and digests of the decompressed IDX content, which
# also match copies whose gzip stream was recompressed (Debian's dataset-fashion-mnist).
FASHION_MNIST = {
    "x_train": RemoteFile(
        "train-images-idx3-ubyte.gz",
        FASHION_URL + "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    "y_train": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        FASHION_URL + "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    "x_test": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        FASHION_URL + "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    "y_test": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        FASHION_URL + "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}
FASHION_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]

MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MNIST = {
    "x_train": RemoteFile(
        "train-images-idx3-ubyte.gz",
        MNIST_URL + "train-images-idx3-ubyte.gz",
        "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    ),
    "y_train": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        MNIST_URL + "train-labels-idx1-ubyte.gz",
        "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    ),
    "x_test": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        MNIST_URL + "t10k-images-idx3-ubyte.gz",
        "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    ),
    "y_test": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        MNIST_URL + "t10k-labels-idx1-ubyte.gz",
        "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
    ),
}
# Keras's own single-file copy, used when it is already in the Keras cache.
MNIST_NPZ = RemoteFile(
    "mnist.npz",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz",
    "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
)

# The binary (not the pickled Python) release: plain records, nothing to unpickle.
CIFAR10 = RemoteFile(
    "cifar-10-binary.tar.gz",
    "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
)
CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]


def _read_idx_set(
    files: dict[str, RemoteFile], subdir: str, data_dir: PathLike, download: bool, verify_: bool
) -> Arrays:
    arrays = {}
    for key, f in files.items():
        path = locate(f, subdir, data_dir, download=download)
        content = read_bytes(path)
        if verify_:
            verify_file(path, f, content)
        arrays[key] = parse_idx(content, source=str(path))
    for split in ("train", "test"):
        x, y = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if x.ndim != 3 or y.ndim != 1 or len(x) != len(y):
            raise DataError(
                f"{subdir} {split} files do not match: images {x.shape}, labels {y.shape}; "
                "expected (N, rows, cols) images and N labels."
            )
    return (
        arrays["x_train"][..., None],
        arrays["y_train"],
        arrays["x_test"][..., None],
        arrays["y_test"],
    )


def fashion_mnist(
    data_dir: PathLike = None, *, download: bool = True, verify: bool = True
) -> Arrays:
    """Fashion-MNIST (Zalando, MIT licence): 60,000 train and 10,000 test 28x28x1 images."""
    return _read_idx_set(FASHION_MNIST, "fashion-mnist", data_dir, download, verify)


def mnist(data_dir: PathLike = None, *, download: bool = True, verify: bool = True) -> Arrays:
    """MNIST digits: the four IDX files, or Keras's `mnist.npz` when that is what is cached."""
    if not all(find_file(f.name, "mnist", data_dir) for f in MNIST.values()):
        npz = find_file(MNIST_NPZ.name, "mnist", data_dir)
        if npz:
            return _read_mnist_npz(npz, verify)
    return _read_idx_set(MNIST, "mnist", data_dir, download, verify)


def _read_mnist_npz(path: Path, verify_: bool) -> Arrays:
    if verify_:
        verify_file(path, MNIST_NPZ)
    try:
        with np.load(path, allow_pickle=False) as f:
            x_train, y_train, x_test, y_test = (
                f[k] for k in ("x_train", "y_train", "x_test", "y_test")
            )
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(f"cannot read {path}: not a valid mnist.npz ({exc}).") from exc
    return x_train[..., None], y_train, x_test[..., None], y_test


CIFAR_RECORD = 1 + 32 * 32 * 3


def _cifar_records(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    if len(data) % CIFAR_RECORD:
        raise DataError(
            f"{source} is truncated or corrupt: {len(data)} bytes is not a whole number of "
            f"{CIFAR_RECORD}-byte CIFAR-10 records."
        )
    rec = np.frombuffer(data, np.uint8).reshape(-1, CIFAR_RECORD)
    images = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), rec[:, 0].copy()


def cifar10(data_dir: PathLike = None, *, download: bool = True, verify: bool = True) -> Arrays:
    """CIFAR-10 from its binary release: 50,000 train and 10,000 test 32x32x3 images.

    The records are read straight out of `cifar-10-binary.tar.gz`; nothing is extracted.
    """
    path = locate(CIFAR10, "cifar10", data_dir, download=download)
    if verify:
        verify_file(path, CIFAR10)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in names:
                    parts[base] = _cifar_records(tar.extractfile(member).read(), f"{path}:{base}")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"cannot read {path}: truncated or corrupt archive ({exc}).") from exc
    missing = [n for n in names if n not in parts]
    if missing:
        raise DataError(f"{path} lacks {', '.join(missing)}: not the CIFAR-10 binary release.")
    x_train = np.concatenate([parts[n][0] for n in names[:5]])
    y_train = np.concatenate([parts[n][1] for n in names[:5]])
    return x_train, y_train, *parts["test_batch.bin"]
