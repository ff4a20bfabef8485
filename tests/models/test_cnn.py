"""The CNN builders (`zoo.models.cnn`): any input shape and class count, regularizers as layers."""

import keras
import numpy as np
import pytest

import zoo


def _layers(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


@pytest.mark.parametrize("name", ["cnn_small", "cnn_vgg"])
@pytest.mark.parametrize("shape, classes", [((28, 28, 1), 10), ((32, 32, 3), 4), ((12, 16, 2), 7)])
def test_any_input_shape_and_class_count(name, shape, classes):
    model = zoo.build(name, input_shape=shape, num_classes=classes)
    probs = model.predict(np.random.rand(2, *shape).astype("float32"), verbose=0)
    assert probs.shape == (2, classes)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("name", ["cnn_small", "cnn_vgg"])
def test_regularizers_map_to_layers(name):
    plain = zoo.build(name, regularizer="none")
    assert not _layers(plain, keras.layers.Dropout)
    assert not _layers(plain, keras.layers.BatchNormalization)
    assert all(c.kernel_regularizer is None for c in _layers(plain, keras.layers.Conv2D))
    full = zoo.build(name, regularizer="l2:1e-3+dropout:0.4+batchnorm")
    convs = _layers(full, keras.layers.Conv2D)
    assert convs and all(c.kernel_regularizer.l2 == pytest.approx(1e-3) for c in convs)
    assert len(_layers(full, keras.layers.BatchNormalization)) >= len(convs)
    assert max(d.rate for d in _layers(full, keras.layers.Dropout)) == pytest.approx(0.4)
    # The penalty shows up as a loss term the optimizer sees.
    full(np.zeros((1, 28, 28, 1), "float32"))
    assert len(full.losses) == len(convs) + len(_layers(full, keras.layers.Dense))
