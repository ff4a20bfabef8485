"""The LSTM builders (`zoo.models.lstm`): regularizers, pooling, raw strings in."""

import keras
import numpy as np
import pytest

import zoo
from zoo.data import load_dataset
from zoo.errors import UsageError
from zoo.models.lstm import with_vectorizer


def _layers(model, cls):
    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Bidirectional):
            found += [w for w in (layer.forward_layer, layer.backward_layer) if isinstance(w, cls)]
        elif isinstance(layer, cls):
            found.append(layer)
    return found


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
