"""The model registry (`zoo.models.registry`): listing, names, registering your own."""

import keras
import pytest

import zoo
from zoo.errors import UsageError
from zoo.models import registry
from zoo.specs.regularizers import AUGMENTATIONS
from zoo.specs.tasks import task


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


def test_register_checks_the_task_against_the_task_table(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    with pytest.raises(UsageError, match="unknown task 'clasification'. Did you mean"):
        zoo.register(family="toy", task="clasification", dataset="mnist")

    @zoo.register(family="toy", task="binary_classification", dataset="mnist")
    def toy_binary(input_shape=(4,), num_classes=2, regularizer="none"):
        """A tiny binary classifier."""

    info = zoo.model_info("toy_binary")
    assert info.task == "binary_classification"  # the name, as records store it
    assert info.task_info is task("binary_classification")
    assert "label_smoothing" in info.regularizers and "mixup" not in info.regularizers
    with pytest.raises(UsageError, match="binary classifier and fashion_mnist has 10 classes"):
        info.check_dataset("fashion_mnist")


def test_harness_regularizers_come_from_the_task():
    """Label smoothing for classifiers; augmentation on image data for tasks that take it."""
    assert registry.harness_regularizers("classification", "fashion_mnist") == (
        "label_smoothing", *AUGMENTATIONS
    )  # fmt: skip
    assert registry.harness_regularizers("classification", "imdb") == ("label_smoothing",)
    assert registry.harness_regularizers("binary_classification", "imdb") == ("label_smoothing",)
    assert registry.harness_regularizers("generation", "fashion_mnist") == ()


def test_check_dataset_asks_the_task():
    with pytest.raises(UsageError, match="'dcgan' cannot train on 'mnist': it trains on "
                       "fashion_mnist only: its FID comes from a classifier"):  # fmt: skip
        zoo.model_info("dcgan").check_dataset("mnist")
    with pytest.raises(UsageError, match="it reads text and fashion_mnist is image"):
        zoo.model_info("lstm").check_dataset("fashion_mnist")
    zoo.model_info("cnn_small").check_dataset("cifar10")  # any image set
    zoo.model_info("dcgan").check_dataset("fashion_mnist")
