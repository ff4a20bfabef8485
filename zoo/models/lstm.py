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

import typing
from typing import Literal

import keras
import numpy as np
from keras import layers, ops

from zoo.data.text import KeepLastTokens, make_vectorizer
from zoo.errors import UsageError
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


@keras.saving.register_keras_serializable(package="zoo")
class MaxMeanPooling1D(layers.Layer):
    """Max and mean over time of the unpadded steps, concatenated: (batch, 2 * features).

    Keras's `GlobalMaxPooling1D` ignores the mask (padding would take part) and
    `GlobalAveragePooling1D` divides by zero for a review with no tokens; this pools such a
    review to zeros.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, x, mask=None):
        if mask is None:
            return ops.concatenate([ops.max(x, axis=1), ops.mean(x, axis=1)], axis=-1)
        keep = ops.expand_dims(ops.cast(mask, x.dtype), -1)
        steps = ops.sum(keep, axis=1)
        top = ops.max(ops.where(keep > 0, x, ops.full_like(x, -1e9)), axis=1)
        top = ops.where(steps > 0, top, ops.zeros_like(top))
        mean = ops.sum(x * keep, axis=1) / ops.maximum(steps, 1.0)
        return ops.concatenate([top, mean], axis=-1)

    def compute_mask(self, x, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[2])


Pooling = Literal["last", "max_mean"]
POOLINGS = typing.get_args(Pooling)


def _recurrent(layer, x, pooling: Pooling):
    """Apply the top recurrent `layer` (built with `return_sequences=pooling != "last"`) and
    read it out: its last state (`last`), or max- and mean-pooled over the review's steps
    (`max_mean`), which gives every step a short gradient path to the classifier."""
    if pooling not in POOLINGS:
        raise UsageError(f"pooling must be one of {', '.join(POOLINGS)}, not {pooling!r}")
    x = layer(x)
    if pooling == "last":
        return x
    return MaxMeanPooling1D()(x)


def _head(x, reg: Regularization):
    if reg.batchnorm:
        x = layers.BatchNormalization(momentum=0.9)(x)
    if reg.dropout:
        x = layers.Dropout(reg.dropout)(x)
    return layers.Dense(1, activation="sigmoid", kernel_regularizer=reg.kernel_regularizer())(x)


def _embed(
    vocab_size: int, sequence_length: int | None, dim: int, reg: Regularization, dropout: float
):
    inputs = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
    x = layers.Embedding(
        vocab_size, dim, mask_zero=True, embeddings_regularizer=reg.kernel_regularizer()
    )(inputs)
    if dropout:  # drops whole embedding channels, as keras-io's text examples do
        x = layers.SpatialDropout1D(dropout)(x)
    return inputs, x


@register(family="lstm", task="binary_classification", dataset="imdb")
def lstm(
    vocab_size: int = 20000,
    sequence_length: int | None = None,
    regularizer: str | Regularization = "none",
    embedding_dim: int = 64,
    units: int = 64,
    pooling: Pooling = "last",
    embedding_dropout: float = 0.0,
) -> keras.Model:
    """Embedding, one LSTM layer, a sigmoid output (~1.3M parameters at 20k words).

    `pooling`: `last` reads the LSTM's final state; `max_mean` max- and mean-pools its
    outputs over the review. `embedding_dropout` drops embedding channels (SpatialDropout1D).
    """
    reg = parse_regularizer(regularizer)
    inputs, x = _embed(vocab_size, sequence_length, embedding_dim, reg, embedding_dropout)
    x = _recurrent(_lstm(units, reg, return_sequences=pooling != "last"), x, pooling)
    return keras.Model(inputs, _head(x, reg), name="lstm")


@register(family="lstm", task="binary_classification", dataset="imdb")
def bilstm(
    vocab_size: int = 20000,
    sequence_length: int | None = None,
    regularizer: str | Regularization = "none",
    embedding_dim: int = 128,
    units: int = 64,
    pooling: Pooling = "last",
    embedding_dropout: float = 0.0,
) -> keras.Model:
    """keras-io's shape: embedding, two bidirectional LSTM layers, sigmoid (~2.7M params).

    The defaults are keras-io's; `pooling="max_mean"` pools the second layer's outputs over
    the review instead of reading its last state, and `embedding_dropout` drops embedding
    channels: the options of the shipped `bilstm.imdb` (see its card).
    """
    reg = parse_regularizer(regularizer)
    inputs, x = _embed(vocab_size, sequence_length, embedding_dim, reg, embedding_dropout)
    x = layers.Bidirectional(_lstm(units, reg, return_sequences=True))(x)
    top = layers.Bidirectional(_lstm(units, reg, return_sequences=pooling != "last"))
    x = _recurrent(top, x, pooling)
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
    vectorizer = make_vectorizer(vocabulary, vocab_size=len(vocabulary))
    inputs = keras.Input(shape=(), dtype="string", name="text")
    outputs = model(KeepLastTokens(sequence_length)(vectorizer(inputs)))
    return TextModel(inputs, outputs, name=f"{model.name}_text")
