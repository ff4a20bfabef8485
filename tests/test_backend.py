"""`zoo.backend`: seeding like Keras without flushing TensorFlow's compiled functions."""

import random

import keras
import numpy as np
import tensorflow as tf

from zoo.backend import set_seed


def _draws():
    shuffled = tf.data.Dataset.range(8).shuffle(8)  # op seed from TensorFlow's global seed
    return (random.random(), np.random.rand(), float(keras.random.uniform(())),
            [int(v) for v in shuffled])  # fmt: skip


def test_set_seed_draws_what_keras_set_random_seed_draws():
    keras.utils.set_random_seed(7)
    expected = _draws()
    set_seed(7)
    assert _draws() == expected
    set_seed(8)
    assert _draws() != expected


def test_set_seed_keeps_tensorflows_caches(monkeypatch):
    """`tf.random.set_seed` flushes TensorFlow's kernel cache (a reused model's train function
    is then instantiated again at its next call); `set_seed` sets the same seed without it."""
    from tensorflow.python.eager import context

    flushes = []
    real = context.pywrap_tfe.TFE_ContextClearCaches
    monkeypatch.setattr(context.pywrap_tfe, "TFE_ContextClearCaches",
                        lambda handle: flushes.append(handle) or real(handle))  # fmt: skip
    keras.utils.set_random_seed(3)
    assert len(flushes) == 1  # what it would cost
    set_seed(3)
    assert len(flushes) == 1
    assert context.global_seed() == 3 and context.context()._context_handle is not None
