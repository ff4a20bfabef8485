"""Every optimizer class Keras ships has a name, and Muon says what it does per family."""

import keras

import zoo
from zoo.specs import (
    OPTIMIZERS,
)


def test_every_optimizer_class_keras_ships_has_a_name():
    shipped = {
        n for n in dir(keras.optimizers)
        if isinstance(getattr(keras.optimizers, n), type)
        and issubclass(getattr(keras.optimizers, n), keras.optimizers.Optimizer)
        and n not in ("Optimizer", "LossScaleOptimizer", "MultiOptimizer")
    }  # fmt: skip
    assert {cls for cls, _ in OPTIMIZERS.values()} == shipped
    assert len(shipped) == 14 and len(OPTIMIZERS) == 16


def test_muon_says_what_it_does_per_family():
    from zoo.specs.optimizers import muon_split

    # cnn_small: its one dense layer is Muon's; the conv kernels and biases go to AdamW.
    text = muon_split(zoo.build("cnn_small"))
    assert text.startswith("Muon on 1 of 6 weight tensors") and "dense kernels" in text
    assert "embedding" not in muon_split(zoo.build("lstm", vocab_size=100))
