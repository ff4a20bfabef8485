"""Reader for the IDX format of MNIST and Fashion-MNIST (optionally gzip-compressed).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from zoo.errors import DataError

TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, gunzipped when it ends in `.gz`; a damaged gzip raises `DataError`."""
    path = Path(path)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fh:
                return fh.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"cannot read {path}: the file is truncated or corrupt ({exc}). "
            "Delete it and provide a good copy (see zoo.data.files for where zoo looks)."
        ) from exc


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse IDX bytes into an array, checking the header against the payload size."""
    if len(data) < 4:
        raise DataError(f"{source} is not an IDX file: only {len(data)} bytes.")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or type_code not in TYPES or ndim == 0:
        raise DataError(
            f"{source} is not an IDX file (bad magic number {data[:4].hex()}); "
            "expected an MNIST-style IDX file such as train-images-idx3-ubyte.gz."
        )
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{source} is truncated: its IDX header is incomplete.")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = TYPES[type_code]
    expected = int(np.prod(shape)) * dtype.itemsize
    got = len(data) - header
    if got != expected:
        state = "truncated" if got < expected else "longer than its header says"
        raise DataError(
            f"{source} is {state}: header says shape {shape} ({expected} bytes of data), "
            f"found {got} bytes. Delete the file and provide a good copy."
        )
    return (
        np.frombuffer(data, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (`.gz` or raw) into a numpy array."""
    return parse_idx(read_bytes(path), source=str(path))
