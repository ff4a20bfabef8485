"""IMDB from raw text: the archive reader, safe extraction, vectorization and the LSTMs."""

import io
import tarfile

import keras
import numpy as np
import pytest
from conftest import write_imdb_archive

import zoo
from zoo.data import load_dataset
from zoo.data.text import imdb, imdb_folder, read_reviews, safe_extract
from zoo.errors import DataError, UsageError
from zoo.models.lstm import with_vectorizer


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


def test_raw_string_prediction_survives_save_and_load(imdb_dir, tmp_path):
    ds = load_dataset(
        "imdb", val_size=4, seed=0, data_dir=imdb_dir, verify=False, vocab_size=50,
        sequence_length=12,
    )  # fmt: skip
    assert ds.model_kwargs == {"vocab_size": len(ds.vocabulary), "sequence_length": 12}
    model = zoo.build("lstm", **ds.model_kwargs, units=8, embedding_dim=8)
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    model.fit(ds.x_train, ds.y_train, epochs=30, batch_size=8, verbose=0)
    text_model = with_vectorizer(model, ds.vocabulary, sequence_length=12)
    probs = text_model.predict(["a good great film", "a bad awful film"], verbose=0)
    assert probs.shape == (2, 1) and ((probs >= 0) & (probs <= 1)).all()
    assert probs[0, 0] > 0.5 > probs[1, 0]  # it learnt the obvious words
    path = tmp_path / "sentiment.keras"
    text_model.save(path)
    loaded = keras.models.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(["a good great film", "a bad awful film"],
                                              verbose=0), probs, rtol=1e-5)  # fmt: skip
    assert loaded.predict("a wonderful film", verbose=0).shape == (1, 1)


def _layers(model, cls):
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found += [w for w in (layer.forward_layer, layer.backward_layer) if isinstance(w, cls)]
        elif isinstance(layer, cls):
            found.append(layer)
    return found


@pytest.mark.parametrize("name", ["lstm", "bilstm"])
def test_lstm_regularizer_mappings(name):
    plain = zoo.build(name, vocab_size=100, sequence_length=10)
    lstms = _layers(plain, keras.layers.LSTM)
    assert lstms and all(lay.dropout == 0 and lay.recurrent_dropout == 0 for lay in lstms)
    assert not _layers(plain, keras.layers.BatchNormalization)
    model = zoo.build(name, vocab_size=100, sequence_length=10,
                      regularizer="l2:1e-3+dropout:0.25+batchnorm")  # fmt: skip
    emb = _layers(model, keras.layers.Embedding)[0]
    assert emb.embeddings_regularizer.l2 == pytest.approx(1e-3)
    for lay in _layers(model, keras.layers.LSTM):
        assert lay.dropout == lay.recurrent_dropout == pytest.approx(0.25)
        assert lay.cell.kernel_regularizer.l2 == pytest.approx(1e-3)
        assert lay.cell.recurrent_regularizer.l2 == pytest.approx(1e-3)
    assert _layers(model, keras.layers.BatchNormalization)
    assert _layers(model, keras.layers.Dropout)[0].rate == pytest.approx(0.25)
    out = model.predict(np.ones((3, 10), "int32"), verbose=0)
    assert out.shape == (3, 1)


def test_clipnorm_is_an_optimizer_override_for_every_family():
    from zoo.specs import parse_optimizer

    for spec in ("adam:clipnorm=1.0", "sgd:clipnorm=0.5", "rmsprop:clipnorm=2"):
        assert parse_optimizer(spec).build().clipnorm == float(spec.split("=")[1])


def test_max_mean_pooling_ignores_padding_and_empty_reviews():
    from zoo.models.lstm import MaxMeanPooling1D

    x = np.array([[[9.0, 9.0], [1.0, -2.0], [-3.0, -4.0]], [[1.0, 1.0]] * 3], "float32")
    mask = np.array([[False, True, True], [False, False, False]])
    out = keras.ops.convert_to_numpy(MaxMeanPooling1D()(x, mask=mask))
    # Row 0: the padded step (9, 9) takes no part; row 1 has no tokens: zeros, not NaN.
    np.testing.assert_allclose(out, [[1.0, -2.0, -1.0, -3.0], [0.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize("name", ["lstm", "bilstm"])
def test_pooled_readout_and_embedding_dropout(name):
    model = zoo.build(name, vocab_size=100, sequence_length=10, pooling="max_mean",
                      embedding_dropout=0.2)  # fmt: skip
    assert _layers(model, keras.layers.SpatialDropout1D)[0].rate == pytest.approx(0.2)
    top = _layers(model, keras.layers.LSTM)[-1]
    assert top.return_sequences  # the pooling reads every step
    ids = np.zeros((2, 10), "int32")
    ids[0, -3:] = [4, 5, 6]  # one short review and one empty one
    out = model.predict(ids, verbose=0)
    assert out.shape == (2, 1) and np.isfinite(out).all()
    default = zoo.build(name, vocab_size=100, sequence_length=10)
    assert not _layers(default, keras.layers.SpatialDropout1D)
    assert not _layers(default, keras.layers.LSTM)[-1].return_sequences  # keras-io's readout
    with pytest.raises(UsageError, match="pooling = 'avg' is not valid; choose one of 'last'"):
        zoo.model_info(name).check_options({"pooling": "avg"})
