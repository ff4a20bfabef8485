"""The IDX reader (`zoo.data.idx`): MNIST's file format, gzipped or not, and its damage."""

import numpy as np
import pytest
from conftest import idx_bytes, write_idx_gz

from zoo.data.idx import parse_idx, read_idx
from zoo.errors import DataError


def test_roundtrip_gz_and_raw(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    gz = write_idx_gz(tmp_path / "x-idx3-ubyte.gz", images)
    raw = tmp_path / "x-idx3-ubyte"
    raw.write_bytes(idx_bytes(images))
    np.testing.assert_array_equal(read_idx(gz), images)
    np.testing.assert_array_equal(read_idx(raw), images)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    np.testing.assert_array_equal(parse_idx(idx_bytes(labels)), labels)


def test_big_endian_int32_payload():
    values = np.array([1, -2, 70000], dtype=">i4")
    data = bytes([0, 0, 0x0C, 1]) + (3).to_bytes(4, "big") + values.tobytes()
    np.testing.assert_array_equal(parse_idx(data), [1, -2, 70000])


def test_truncated_payload_names_the_file(tmp_path):
    images = np.zeros((10, 28, 28), dtype=np.uint8)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(idx_bytes(images)[:-100])
    with pytest.raises(DataError, match="train-images-idx3-ubyte is truncated"):
        read_idx(path)


def test_truncated_gzip_names_the_file(tmp_path):
    path = write_idx_gz(tmp_path / "t10k-images-idx3-ubyte.gz", np.ones((50, 28, 28), np.uint8))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte\.gz: the file is truncated"):
        read_idx(path)


def test_not_gzip_and_bad_magic(tmp_path):
    path = tmp_path / "labels.gz"
    path.write_bytes(b"this is not gzip data at all")
    with pytest.raises(DataError, match="labels.gz"):
        read_idx(path)
    bad = tmp_path / "bad-idx"
    bad.write_bytes(b"\x01\x02\x08\x01" + b"\0" * 8)
    with pytest.raises(DataError, match="bad magic number"):
        read_idx(bad)


def test_payload_longer_than_header_says():
    data = idx_bytes(np.zeros(4, np.uint8)) + b"\0"
    with pytest.raises(DataError, match="longer than its header"):
        parse_idx(data, source="labels")
