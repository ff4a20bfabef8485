"""The DCGAN (`zoo.models.dcgan`, `zoo.models.dcgan_steps`): shapes, regularizers, its train step,
generation, saving."""

import keras
import numpy as np
import pytest

import zoo
from zoo.data import load_dataset
from zoo.models.dcgan import DCGAN


def _layers(model, cls):
    return [layer for layer in model.layers if isinstance(layer, cls)]


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_shapes_for_mnist_and_cifar_sized_images(shape):
    gan = zoo.build("dcgan", input_shape=shape, num_classes=10)
    assert isinstance(gan, DCGAN) and zoo.model_info("dcgan").task == "generation"
    z = np.random.default_rng(0).standard_normal((3, gan.latent_dim)).astype("float32")
    images = gan.generator.predict(z, verbose=0)
    assert images.shape == (3, *shape) and np.all(np.abs(images) <= 1.0)
    assert gan.discriminator.predict(images, verbose=0).shape == (3, 1)


def test_regularizers_map_to_the_network_they_belong_to():
    plain = zoo.build("dcgan")
    assert not _layers(plain.generator, keras.layers.BatchNormalization)
    assert not _layers(plain.discriminator, keras.layers.SpectralNormalization)
    assert not _layers(plain.discriminator, keras.layers.Dropout)
    assert plain.label_smoothing == 0.0 and not plain.generator.losses

    full = zoo.build("dcgan", regularizer="batchnorm+spectral_norm+dropout:0.25+l2+label_smoothing")
    assert _layers(full.generator, keras.layers.BatchNormalization)  # batchnorm: generator
    assert not _layers(full.discriminator, keras.layers.BatchNormalization)
    wrapped = _layers(full.discriminator, keras.layers.SpectralNormalization)
    assert len(wrapped) == 3  # both convs and the dense layer
    assert [d.rate for d in _layers(full.discriminator, keras.layers.Dropout)] == [0.25, 0.25]
    assert full.label_smoothing == pytest.approx(0.1)
    assert full.generator.losses and full.discriminator.losses  # l2 on both networks


def test_train_step_updates_both_networks_with_their_own_optimizers():
    ds = load_dataset("fashion_mnist", train_size=256, val_size=0, test_size=10)
    keras.utils.set_random_seed(0)
    gan = zoo.build("dcgan", input_shape=(28, 28, 1), regularizer="l2+label_smoothing")
    g_before = [w.copy() for w in gan.generator.get_weights()]
    d_before = [w.copy() for w in gan.discriminator.get_weights()]
    g_opt = keras.optimizers.Adam(2e-4, beta_1=0.5)
    d_opt = keras.optimizers.SGD(0.01)
    gan.compile(g_optimizer=g_opt, d_optimizer=d_opt)
    history = gan.fit(ds.x_train, epochs=2, batch_size=64, verbose=0).history
    assert set(history) == {"d_loss", "g_loss"} and len(history["g_loss"]) == 2
    assert all(np.isfinite(history["d_loss"] + history["g_loss"]))
    assert int(g_opt.iterations) == int(d_opt.iterations) == 2 * 4  # one step each per batch
    for before, after in ((g_before, gan.generator), (d_before, gan.discriminator)):
        assert any(not np.allclose(b, a) for b, a in zip(before, after.get_weights(), strict=True))


def test_d_optimizer_defaults_to_a_separate_copy_of_the_generators():
    gan = zoo.build("dcgan")
    g_opt = keras.optimizers.Adam(3e-4, beta_1=0.5)
    gan.compile(g_optimizer=g_opt)
    assert gan.d_optimizer is not g_opt
    assert float(gan.d_optimizer.learning_rate) == pytest.approx(3e-4)
    assert float(gan.d_optimizer.beta_1) == pytest.approx(0.5)


def test_generate_is_seeded_and_in_unit_range():
    gan = zoo.build("dcgan")
    a, b, c = gan.generate(5, seed=3), gan.generate(5, seed=3), gan.generate(5, seed=4)
    assert a.shape == (5, 28, 28, 1) and a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_dcgan_saves_and_loads_in_safe_mode(tmp_path):
    gan = zoo.build("dcgan", regularizer="spectral_norm+label_smoothing:0.2")
    path = tmp_path / "gan.keras"
    gan.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    assert isinstance(loaded, DCGAN) and loaded.label_smoothing == pytest.approx(0.2)
    np.testing.assert_allclose(loaded.generate(4, seed=1), gan.generate(4, seed=1), atol=1e-6)
