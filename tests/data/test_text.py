"""IMDB as zoo reads it (`zoo.data.text`): the archive, safe extraction, the last tokens, a
vocabulary from the training split only."""

import io
import tarfile

import numpy as np
import pytest
from conftest import write_imdb_archive

from zoo.data.text import imdb, imdb_folder, read_reviews, safe_extract
from zoo.errors import DataError


def test_archive_reader_keeps_the_split(imdb_dir):
    folder, cache = imdb_folder(imdb_dir, verify=False)
    assert cache.is_relative_to(imdb_dir.parent / "cache")  # never beside the data
    x_train, y_train, x_test, y_test = read_reviews(folder)
    assert len(x_train) == len(x_test) == 24
    assert y_train.tolist() == [0] * 12 + [1] * 12
    assert all("testonlyword" in t for t in x_test) and all("trainonly" in t for t in x_train)
    # Extracted once: a second call reuses the folder.
    marker = folder / "train" / "pos" / "0_8.txt"
    mtime = marker.stat().st_mtime_ns
    assert imdb_folder(imdb_dir, verify=False)[0] == folder
    assert marker.stat().st_mtime_ns == mtime


def test_wrong_hash_archive_is_refused(imdb_dir):
    with pytest.raises(DataError, match="aclImdb.tar.gz is not the expected"):
        imdb_folder(imdb_dir)


def test_missing_archive_message(isolated_data):
    (isolated_data / "empty").mkdir()
    with pytest.raises(DataError, match="aclImdb_v1.tar.gz not found"):
        imdb_folder(isolated_data / "empty")


@pytest.mark.parametrize("evil", ["../evil.txt", "aclImdb/../../evil.txt", "/tmp/evil.txt"])
def test_path_escapes_are_refused(tmp_path, evil):
    archive = tmp_path / "bad.tar.gz"
    write_imdb_archive(archive, n=1, extra={evil: b"pwned"})
    target = tmp_path / "out" / "src"
    with pytest.raises(DataError, match="would land outside the target folder"):
        safe_extract(archive, target)
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path / "out" / "evil.txt").exists()
    assert not target.exists()


def test_links_are_refused(tmp_path):
    archive = tmp_path / "link.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("aclImdb/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
        data = tarfile.TarInfo("aclImdb/README")
        data.size = 2
        tar.addfile(data, io.BytesIO(b"hi"))
    with pytest.raises(DataError, match="is a link or a device"):
        safe_extract(archive, tmp_path / "out")


def test_keep_last_tokens():
    from zoo.data.text import KeepLastTokens

    ids = np.array([[5, 6, 7, 0], [8, 0, 0, 0], [0, 0, 0, 0], [1, 2, 3, 4]])
    out = np.asarray(KeepLastTokens(2)(ids))
    np.testing.assert_array_equal(out, [[6, 7], [0, 8], [0, 0], [3, 4]])
    wide = np.asarray(KeepLastTokens(6)(ids))
    np.testing.assert_array_equal(wide[0], [0, 0, 0, 5, 6, 7])


def test_reviews_keep_their_last_tokens(imdb_dir):
    x_train, _, _, _, vocab = imdb(imdb_dir, verify=False, vocab_size=50, sequence_length=3)
    # "... trainonly number 0." ends every training review: its last three tokens.
    assert [vocab[i] for i in x_train[0]] == ["trainonly", "number", "0"]


def test_vocabulary_is_learnt_from_train_only(imdb_dir):
    x_train, y_train, x_test, y_test, vocab = imdb(
        imdb_dir, verify=False, vocab_size=50, sequence_length=12
    )
    assert "trainonly" in vocab and "good" in vocab
    assert "testonlyword" not in vocab
    assert x_train.shape == (24, 12) and x_test.dtype == np.int32
    oov = vocab.index("[UNK]")
    assert (x_test == oov).any(axis=1).all()  # every test review has the unseen word
    # Cached: a second call gives the same arrays without re-vectorizing.
    again = imdb(imdb_dir, verify=False, vocab_size=50, sequence_length=12)
    np.testing.assert_array_equal(again[2], x_test)
