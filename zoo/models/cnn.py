"""CNN image classifiers: `cnn_small` (keras-io's mnist_convnet shape) and `cnn_vgg`.

Both take any input shape and class count and a regularizer spec (`zoo.specs.regularizers`):
the weight penalty goes on every conv and dense kernel, batch normalization after every conv
(and the hidden dense layer), dropout before the classifier (and after each block in
`cnn_vgg`). With `regularizer="none"` they are plain conv nets.

`include_top=False` returns the model up to its `features` layer (the input of the classifier),
for fine-tuning on other data: `zoo.build("cnn_vgg", pretrained=True, include_top=False)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from zoo.models.registry import register
from zoo.specs import Regularization, parse_regularizer

# Keras's default 0.99 leaves the moving statistics far from the data's after a few hundred
# steps (test accuracy ~0.2 after 3 short epochs, measured); 0.9 is PyTorch's default.
BN_MOMENTUM = 0.9


def _conv(x, filters: int, reg: Regularization, **kwargs):
    x = layers.Conv2D(
        filters,
        3,
        kernel_regularizer=reg.kernel_regularizer(),
        use_bias=not reg.batchnorm,
        **kwargs,
    )(x)
    if reg.batchnorm:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    return layers.Activation("relu")(x)


def _top(inputs, features, num_classes: int, reg: Regularization, include_top: bool, name: str):
    """The model: the softmax classifier on `features`, or (`include_top=False`) `features`."""
    if not include_top:
        return keras.Model(inputs, features, name=f"{name}_features")
    return keras.Model(inputs, _classifier(features, num_classes, reg), name=name)


def _classifier(x, num_classes: int, reg: Regularization):
    """Dropout (if any), then the softmax layer."""
    if reg.dropout:
        x = layers.Dropout(reg.dropout)(x)
    return layers.Dense(
        num_classes, activation="softmax", kernel_regularizer=reg.kernel_regularizer()
    )(x)


@register(family="cnn", dataset="fashion_mnist")
def cnn_small(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    regularizer: str | Regularization = "none",
    include_top: bool = True,
) -> keras.Model:
    """Two conv/pool stages and a softmax layer (~35k parameters at 28x28x1)."""
    reg = parse_regularizer(regularizer)
    inputs = keras.Input(shape=tuple(input_shape))
    x = _conv(inputs, 32, reg)
    x = layers.MaxPooling2D()(x)
    x = _conv(x, 64, reg)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten(name="features")(x)
    return _top(inputs, x, num_classes, reg, include_top, "cnn_small")


@register(family="cnn", dataset="fashion_mnist")
def cnn_vgg(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int = 10,
    regularizer: str | Regularization = "none",
    widths: Sequence[int] = (16, 32, 64),
    dense_units: int = 128,
    include_top: bool = True,
) -> keras.Model:
    """VGG-style: blocks of two 3x3 convs then 2x2 pooling, a dense layer and softmax.

    The default widths (16, 32, 64) keep a Fashion-MNIST epoch near a minute on a 2-core CPU;
    `widths=(32, 64, 128)` is the classic, four times the compute.
    """
    reg = parse_regularizer(regularizer)
    inputs = keras.Input(shape=tuple(input_shape))
    x = inputs
    for filters in widths:
        x = _conv(x, filters, reg, padding="same")
        x = _conv(x, filters, reg, padding="same")
        if min(x.shape[1], x.shape[2]) >= 2:
            x = layers.MaxPooling2D()(x)
        if reg.dropout:
            x = layers.Dropout(reg.dropout / 2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(
        dense_units, kernel_regularizer=reg.kernel_regularizer(), use_bias=not reg.batchnorm
    )(x)
    if reg.batchnorm:
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
    x = layers.Activation("relu", name="features")(x)
    return _top(inputs, x, num_classes, reg, include_top, "cnn_vgg")
