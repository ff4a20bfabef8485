"""LSTM sentiment classifiers on token ids: `lstm` and `bilstm` (keras-io's bidirectional).

Input: int token ids (0 = padding, masked), as `zoo.data.text` makes them. Output: the
probability that the review is positive. `with_vectorizer` wraps a trained model with its
`TextVectorization` so raw strings go in: `model.predict(["a wonderful film"])`.

Regularizer specs map to what they mean for a recurrent net: the weight penalty goes on the
embedding, the LSTM kernels (input and recurrent) and the classifier; `dropout` is the LSTM's
input `dropout` and `recurrent_dropout` plus dropout before the classifier; `batchnorm`
normalizes the LSTM's output features before the classifier.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from zoo.models.registry import register
from zoo.specs import Regularization, parse_regularizer


def _lstm(units: int, reg: Regularization, **kwargs) -> layers.LSTM:
    return layers.LSTM(
        units,
        dropout=reg.dropout,
        recurrent_dropout=reg.dropout,
        kernel_regularizer=reg.kernel_regularizer(),
        recurrent_regularizer=reg.kernel_regularizer(),
        **kwargs,
    )


def _head(x, reg: Regularization):
    if reg.batchnorm:
        x = layers.BatchNormalization(momentum=0.9)(x)
    if reg.dropout:
        x = layers.Dropout(reg.dropout)(x)
    return layers.Dense(1, activation="sigmoid", kernel_regularizer=reg.kernel_regularizer())(x)


def _embed(vocab_size: int, sequence_length: int | None, dim: int, reg: Regularization):
    inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
    x = layers.Embedding(
        vocab_size, dim, mask_zero=True, embeddings_regularizer=reg.kernel_regularizer()
    )(inputs)
    return inputs, x


@register(family="lstm", task="binary_classification", dataset="imdb")
def lstm(
    vocab_size: int = 20000,
    sequence_length: int | None = None,
    regularizer: str | Regularization = "none",
    embedding_dim: int = 64,
    units: int = 64,
) -> keras.Model:
    """Embedding, one LSTM layer, a sigmoid output (~1.3M parameters at 20k words)."""
    reg = parse_regularizer(regularizer)
    inputs, x = _embed(vocab_size, sequence_length, embedding_dim, reg)
    x = _lstm(units, reg)(x)
    return keras.Model(inputs, _head(x, reg), name="lstm")


@register(family="lstm", task="binary_classification", dataset="imdb")
def bilstm(
    vocab_size: int = 20000,
    sequence_length: int | None = None,
    regularizer: str | Regularization = "none",
    embedding_dim: int = 128,
    units: int = 64,
) -> keras.Model:
    """keras-io's shape: embedding, two bidirectional LSTM layers, sigmoid (~2.7M params)."""
    reg = parse_regularizer(regularizer)
    inputs, x = _embed(vocab_size, sequence_length, embedding_dim, reg)
    x = layers.Bidirectional(_lstm(units, reg, return_sequences=True))(x)
    x = layers.Bidirectional(_lstm(units, reg))(x)
    return keras.Model(inputs, _head(x, reg), name="bilstm")


@keras.saving.register_keras_serializable(package="zoo")
class TextModel(keras.Model):
    """A functional model whose input is raw text; `predict` also takes a list of strings.

    Keras's `predict` accepts strings only as numpy object arrays; this converts a `str`, a
    list or tuple of `str`, or a numpy unicode array to one first. Under JAX or torch, whose
    tensors hold no strings, `predict` runs the vectorizer eagerly (it is built on TensorFlow
    ops) and the token model on its output: the same numbers, any backend.
    """

    def predict(self, x, *args, **kwargs):
        if isinstance(x, str):
            x = [x]
        if isinstance(x, list | tuple) or (isinstance(x, np.ndarray) and x.dtype.kind in "US"):
            x = np.asarray(x, dtype=object)
        if keras.backend.backend() == "tensorflow":
            return super().predict(x, *args, **kwargs)
        vectorize, keep, token_model = self.layers[1:4]
        batch = kwargs.get("batch_size") or 256
        ids = np.concatenate([
            keras.ops.convert_to_numpy(keep(np.asarray(vectorize(x[i : i + batch]))))
            for i in range(0, len(x), batch)
        ])  # fmt: skip
        return token_model.predict(ids, *args, **kwargs)


def with_vectorizer(model: keras.Model, vocabulary: list[str], sequence_length: int) -> keras.Model:
    """`model` behind a `TextVectorization` with `vocabulary`: raw strings in, probability out.

    The vectorizer travels with the model when it is saved (`model.save("m.keras")`).
    """
    from zoo.data.text import KeepLastTokens, make_vectorizer

    vectorizer = make_vectorizer(vocabulary, vocab_size=len(vocabulary))
    inputs = keras.Input(shape=(), dtype="string", name="text")
    outputs = model(KeepLastTokens(sequence_length)(vectorizer(inputs)))
    return TextModel(inputs, outputs, name=f"{model.name}_text")
