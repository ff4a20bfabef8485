"""IMDB movie reviews (Maas et al., ACL 2011) from raw text, vectorized once and cached.

The archive (`aclImdb_v1.tar.gz` as published, or a labeled-only repack `aclImdb.tar.gz`) is
found like every data file (`zoo.data.files`), or an already extracted `aclImdb/` folder is
used as it is. An archive is extracted once, safely (no member may land outside the target
folder; links and devices are refused), into the zoo cache (`$ZOO_CACHE_DIR`, default
`~/.cache/zoo`). The original 25,000 / 25,000 train / test split is kept.

Vectorization (`keras.layers.TextVectorization`) learns its vocabulary from the 25,000
training reviews only, then turns every review into its token ids and keeps the *last*
`sequence_length` of them (`KeepLastTokens`, as `pad_sequences` does by default: reviews end
with their verdict); shorter reviews are padded with 0 in front. The result is cached as
`.npz` (no pickle) per vocabulary size and sequence length.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

import keras
import numpy as np
from keras import ops

from zoo.data.files import (
    DATA_VERSION,
    RemoteFile,
    find_file,
    hash_mismatch,
    locate,
    search_dirs,
    sha256_file,
)
from zoo.errors import DataError

IMDB = RemoteFile(
    "aclImdb_v1.tar.gz",
    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe",
)
# The labeled part alone ({train,test}/{pos,neg}, README, imdb.vocab), as kept offline here.
IMDB_LABELED = RemoteFile(
    "aclImdb.tar.gz", IMDB.url, "0f75c21f67c8b22c16a861aeb8242410d1e8188a0cb587f96557582beee9d03c"
)
SPLITS = [f"{split}/{label}" for split in ("train", "test") for label in ("neg", "pos")]
DEFAULT_VOCAB_SIZE = 20000
DEFAULT_SEQUENCE_LENGTH = 200


def cache_dir() -> Path:
    """zoo's cache: `$ZOO_CACHE_DIR`, default `~/.cache/zoo`."""
    return Path(os.environ.get("ZOO_CACHE_DIR") or Path.home() / ".cache" / "zoo")


def _is_imdb_folder(path: Path) -> bool:
    return all((path / s).is_dir() for s in SPLITS)


def safe_extract(archive: Path, target: Path, *, keep=lambda name: True) -> None:
    """Extract `archive` into `target`, refusing members that would escape it.

    Absolute names, `..` components, symbolic and hard links and device files raise
    `DataError` before anything is written. Extraction goes to a temporary sibling folder
    that is renamed into place at the end, so an interrupted run leaves no partial tree.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        with tarfile.open(archive, "r:*") as tar:
            members = []
            for m in tar:
                p = PurePosixPath(m.name)
                if p.is_absolute() or ".." in p.parts:
                    raise DataError(
                        f"refusing to extract {archive}: member {m.name!r} would land outside "
                        f"the target folder. The archive is damaged or malicious; delete it."
                    )
                if not (m.isfile() or m.isdir()):
                    raise DataError(
                        f"refusing to extract {archive}: member {m.name!r} is a link or a "
                        "device, which a data archive has no reason to hold. Delete it."
                    )
                if keep(m.name):
                    members.append(m)
            tar.extractall(tmp, members=members, filter="data")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise DataError(f"cannot extract {archive}: truncated or corrupt ({exc}).") from exc
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def imdb_folder(data_dir=None, *, download: bool = True, verify: bool = True) -> tuple[Path, Path]:
    """The `aclImdb/` folder (found, or extracted once) and the cache folder for its derivatives.

    Nothing is ever written next to a found folder: data folders may be read-only or shared.
    """
    for d in search_dirs(data_dir):
        for candidate in (d / "aclImdb", d / "imdb" / "aclImdb"):
            if _is_imdb_folder(candidate):
                key = hashlib.sha256(str(candidate.resolve()).encode()).hexdigest()[:16]
                return candidate, cache_dir() / "imdb" / f"folder-{key}"
    archive, expected = None, None
    for f in (IMDB_LABELED, IMDB):
        found = find_file(f.name, "imdb", data_dir)
        if found:
            archive, expected = found, f
            break
    if archive is None:
        archive, expected = locate(IMDB, "imdb", data_dir, download=download), IMDB
    digest = sha256_file(archive)
    if verify and digest != expected.sha256:
        raise hash_mismatch(archive, expected, digest)
    root = cache_dir() / "imdb" / digest[:16] / "src"
    found = [p for p in (root / "aclImdb", root) if _is_imdb_folder(p)]
    if not found:

        def keep(name: str) -> bool:  # the labeled reviews only: skip train/unsup (50k files)
            parts = PurePosixPath(name).parts
            return len(parts) < 3 or "/".join(parts[1:3]) in SPLITS

        safe_extract(archive, root, keep=keep)
        found = [p for p in (root / "aclImdb", root) if _is_imdb_folder(p)]
    if not found:
        raise DataError(f"{archive} does not hold aclImdb/{{train,test}}/{{pos,neg}}/ reviews.")
    return found[0], root.parent


def read_reviews(folder: Path) -> tuple[list[str], np.ndarray, list[str], np.ndarray]:
    """Read `folder/{train,test}/{neg,pos}/*.txt` (sorted by name): texts and 0/1 labels."""
    out: dict[str, tuple[list[str], list[int]]] = {"train": ([], []), "test": ([], [])}
    for split_label in SPLITS:
        split, label = split_label.split("/")
        texts, labels = out[split]
        for path in sorted((folder / split_label).glob("*.txt")):
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
            labels.append(1 if label == "pos" else 0)
    (xtr, ytr), (xte, yte) = out["train"], out["test"]
    if not xtr or not xte:
        raise DataError(f"{folder} holds no reviews under train/ or test/.")
    return xtr, np.array(ytr, "int32"), xte, np.array(yte, "int32")


def make_vectorizer(vocabulary: list[str] | None = None, *, vocab_size: int):
    """A `TextVectorization` layer: lower-case, strip punctuation, split on whitespace.

    It returns every token id of a review (post-padded to the batch's longest); follow it
    with `KeepLastTokens(sequence_length)` for fixed-length input.
    """
    return keras.layers.TextVectorization(
        max_tokens=vocab_size, output_mode="int", vocabulary=vocabulary
    )


@keras.saving.register_keras_serializable(package="zoo")
class KeepLastTokens(keras.layers.Layer):
    """Keep the last `length` token ids of each post-padded row, padding with 0 in front.

    `[[5, 6, 7, 0], [8, 0, 0, 0]]` with `length=2` gives `[[6, 7], [0, 8]]`. Id 0 is padding
    only (out-of-vocabulary words are 1), so a row's length is its count of non-zero ids. A
    batch with no token at all (empty or punctuation-only texts: the vectorizer's output is
    0 wide) gives rows of padding, as an all-padding review.
    """

    def __init__(self, length: int, **kwargs):
        super().__init__(**kwargs)
        self.length = int(length)

    def call(self, ids):
        # `length` more padding columns: every index below is in range, even for 0-wide input.
        ids = ops.pad(ops.cast(ids, "int32"), [[0, 0], [0, self.length]])
        lengths = ops.sum(ops.cast(ops.not_equal(ids, 0), "int32"), axis=1, keepdims=True)
        index = lengths - self.length + ops.expand_dims(ops.arange(self.length, dtype="int32"), 0)
        taken = ops.take_along_axis(ids, ops.maximum(index, 0), axis=1)
        return ops.where(index >= 0, taken, ops.zeros_like(taken))

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.length)

    def get_config(self):
        return {**super().get_config(), "length": self.length}


def vectorize(
    train_texts: list[str], test_texts: list[str], *, vocab_size: int, sequence_length: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Token ids of the last `sequence_length` tokens of every text, and the vocabulary,
    learnt from `train_texts` only (index 0 = padding, 1 = out-of-vocabulary)."""
    vectorizer = make_vectorizer(vocab_size=vocab_size)
    vectorizer.adapt(np.array(train_texts, dtype=object), batch_size=1024)
    vocabulary = [str(w) for w in vectorizer.get_vocabulary()]
    keep_last = KeepLastTokens(sequence_length)

    def ids(texts: list[str]) -> np.ndarray:
        parts = [
            np.asarray(keep_last(vectorizer(np.array(texts[i : i + 1024], dtype=object))))
            for i in range(0, len(texts), 1024)
        ]
        return np.concatenate(parts).astype("int32")

    return ids(train_texts), ids(test_texts), vocabulary


def imdb(
    data_dir=None,
    *,
    download: bool = True,
    verify: bool = True,
    vocab_size: int = DEFAULT_VOCAB_SIZE,
    sequence_length: int = DEFAULT_SEQUENCE_LENGTH,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """IMDB as int sequences: `(x_train, y_train, x_test, y_test, vocabulary)`.

    The vocabulary (index 0 = padding, 1 = out-of-vocabulary) is learnt from the training
    reviews only. Results are cached next to the extracted reviews.
    """
    folder, cache = imdb_folder(data_dir, download=download, verify=verify)
    cache.mkdir(parents=True, exist_ok=True)
    cached = cache / f"vectorized-v{DATA_VERSION}-{vocab_size}-{sequence_length}.npz"
    if cached.is_file():
        try:
            with np.load(cached, allow_pickle=False) as z:
                return (
                    z["x_train"], z["y_train"], z["x_test"], z["y_test"],
                    [str(w) for w in z["vocabulary"]],
                )  # fmt: skip
        except (OSError, ValueError, KeyError):
            cached.unlink(missing_ok=True)  # a damaged cache is rebuilt
    x_train_text, y_train, x_test_text, y_test = read_reviews(folder)
    x_train, x_test, vocabulary = vectorize(
        x_train_text, x_test_text, vocab_size=vocab_size, sequence_length=sequence_length
    )
    fd, tmp = tempfile.mkstemp(dir=cache, suffix=".npz")
    os.close(fd)
    np.savez(tmp, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             vocabulary=np.array(vocabulary))  # fmt: skip
    os.replace(tmp, cached)
    return x_train, y_train, x_test, y_test, vocabulary
