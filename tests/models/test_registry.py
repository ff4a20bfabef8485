"""The model registry (`zoo.models.registry`): listing, names, registering your own."""

import keras
import pytest

import zoo
from zoo.errors import UsageError
from zoo.models import registry


def test_list_and_pattern():
    assert {"cnn_small", "cnn_vgg"} <= set(zoo.list_models())
    assert zoo.list_models("cnn_v*") == ["cnn_vgg"]
    assert zoo.list_models("nothing*") == []
    assert zoo.model_info("cnn_vgg").family == "cnn"


def test_unknown_model_suggests_closest():
    with pytest.raises(UsageError, match="unknown model 'cnn_smal'. Did you mean 'cnn_small'"):
        zoo.build("cnn_smal")


def test_register_decorator(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))

    @zoo.register(family="toy", dataset="mnist")
    def toy_mlp(input_shape=(4,), num_classes=2, regularizer="none"):
        """A tiny MLP."""
        inputs = keras.Input(input_shape)
        return keras.Model(inputs, keras.layers.Dense(num_classes)(inputs))

    assert "toy_mlp" in zoo.list_models("toy*")
    assert zoo.model_info("toy_mlp").description == "A tiny MLP."
    assert zoo.build("toy_mlp", num_classes=3).output_shape == (None, 3)
