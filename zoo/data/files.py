"""Finding, downloading and verifying data files.

Search order for a data file (the first folder that has it wins):

1. the explicit `data_dir` argument;
2. the `ZOO_DATA_DIR` environment variable;
3. the Keras cache, `$KERAS_HOME/datasets` (default `~/.keras/datasets`);
4. Debian's `/usr/share/datasets` (e.g. package `dataset-fashion-mnist`);
5. a download from the official source with `keras.utils.get_file`, checked by SHA-256
   (skipped when `download=False` or `ZOO_OFFLINE=1`).

In each folder a file is looked for both directly and in the data set's own sub-folder
(`fashion-mnist/train-images-idx3-ubyte.gz`), as Keras and Debian lay them out.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import keras

from zoo.errors import DataError, UsageError

DEBIAN_DIR = Path("/usr/share/datasets")
# Version of what the loaders produce. It is part of every trial's config hash: bump it when
# a loader's output changes (2: IMDB keeps the last tokens of a review, not the first).
DATA_VERSION = 2


@dataclass(frozen=True)
class RemoteFile:
    """A data file: its name, where to download it, and the SHA-256s accepted for it.

    `sha256` is the digest of the file as published; `content_sha256`, if given, is the digest
    of its decompressed content, which stays the same when a mirror recompresses the file.
    """

    name: str
    url: str
    sha256: str
    content_sha256: str | None = None


def keras_cache_dir() -> Path:
    """The Keras data set cache, `$KERAS_HOME/datasets` or `~/.keras/datasets`."""
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(home) / "datasets"


def search_dirs(data_dir: str | os.PathLike | None = None) -> list[Path]:
    """The folders searched for data files, in order (see the module docstring)."""
    dirs = []
    if data_dir:
        if not Path(data_dir).is_dir():
            what = "is a file" if Path(data_dir).exists() else "does not exist"
            raise UsageError(f"data_dir {data_dir} {what}: give the folder with the data files.")
        dirs.append(Path(data_dir))
    if os.environ.get("ZOO_DATA_DIR"):
        dirs.append(Path(os.environ["ZOO_DATA_DIR"]))
    dirs += [keras_cache_dir(), DEBIAN_DIR]
    return dirs


def offline() -> bool:
    return os.environ.get("ZOO_OFFLINE", "").lower() in ("1", "true", "yes")


def find_file(name: str, subdir: str, data_dir: str | os.PathLike | None = None) -> Path | None:
    """The first existing `<dir>/<subdir>/<name>` or `<dir>/<name>` in the search order."""
    for d in search_dirs(data_dir):
        for candidate in (d / subdir / name, d / name):
            if candidate.is_file():
                return candidate
    return None


def locate(
    f: RemoteFile,
    subdir: str,
    data_dir: str | os.PathLike | None = None,
    *,
    download: bool = True,
) -> Path:
    """Find `f` locally or download it into the Keras cache; raise `DataError` if neither works."""
    found = find_file(f.name, subdir, data_dir)
    if found:
        return found
    searched = [str(d / subdir) + "/" for d in search_dirs(data_dir)]
    how = (
        f"Put {f.name} into one of those folders, or point ZOO_DATA_DIR (or data_dir=) at a "
        f"folder that has it; with internet access zoo downloads it from {f.url}."
    )
    if not download or offline():
        raise DataError(
            f"data file {f.name} not found. Searched: {', '.join(searched)} "
            f"(downloads are off). {how}"
        )
    try:
        path = keras.utils.get_file(
            f.name, origin=f.url, file_hash=f.sha256, cache_subdir=f"datasets/{subdir}"
        )
    except Exception as exc:  # network errors, hash mismatch: report them as data errors
        raise DataError(
            f"data file {f.name} not found and its download failed ({exc}). "
            f"Searched: {', '.join(searched)}. {how}"
        ) from exc
    return Path(path)


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verify(path: Path, f: RemoteFile, content: bytes | None = None) -> None:
    """Check `path` against `f`'s published or content SHA-256; raise `DataError` on mismatch."""
    if (
        f.content_sha256
        and content is not None
        and hashlib.sha256(content).hexdigest() == f.content_sha256
    ):
        return
    digest = sha256_file(path)
    if digest != f.sha256:
        raise hash_mismatch(path, f, digest)


def hash_mismatch(path: Path, f: RemoteFile, digest: str) -> DataError:
    """The error for a file whose SHA-256 `digest` is not the one expected for `f`."""
    return DataError(
        f"data file {path} is not the expected {f.name}: its SHA-256 is {digest}, expected "
        f"{f.sha256}" + (f" (or content {f.content_sha256})" if f.content_sha256 else "") + ". "
        "The file is damaged or a different file. Delete it so that zoo can find or download a "
        "good copy, or pass verify=False if you really mean to use it."
    )
