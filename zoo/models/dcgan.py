"""DCGAN (Radford et al. 2015) for 28x28x1 and 32x32x3 images, trained with plain `fit`.

`DCGAN` is a `keras.Model` whose `train_step` is overridden, as in keras-io's
`dcgan_overriding_train_step`: each batch takes one discriminator step (real vs generated
images) and one generator step (fool the discriminator). `fit`, callbacks and the benchmark
harness therefore work unchanged. The generator and the discriminator each get their own
optimizer, so two-time-scale runs (a faster discriminator) are one `compile` argument.

Images are [0, 1] outside the model (as `zoo.data` gives them) and [-1, 1] inside it (tanh).

Regularizer specs map to where each one is used in the GAN literature:
`dropout` and `spectral_norm` on the discriminator, `batchnorm` on the generator,
`label_smoothing` (one-sided: real targets 1 - s) in the discriminator's loss, and the weight
penalties (`l1`, `l2`) on the kernels of both networks.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from zoo.models.dcgan_steps import BackendSteps
from zoo.models.registry import register
from zoo.specs import Regularization, parse_regularizer

BN_MOMENTUM = 0.9  # as for the CNNs: Keras's 0.99 lags far behind in short runs


def generator(
    image_shape: Sequence[int] = (28, 28, 1),
    latent_dim: int = 64,
    width: int = 64,
    regularizer: str | Regularization = "none",
) -> keras.Model:
    """Latent vector -> image in [-1, 1]: a dense projection, then 2x upsampling deconvs.

    28x28 images start from 7x7 (two upsamplings), 32x32 from 4x4 (three).
    """
    reg = parse_regularizer(regularizer)
    height, wide, channels = image_shape
    ups = 3 if height % 8 == 0 else 2
    start = height // 2**ups
    if start * 2**ups != height or height != wide:
        raise ValueError(f"the DCGAN needs square images of side 4*k or 8*k, got {image_shape}.")
    filters = [width * 2 ** (ups - 1 - i) for i in range(ups)]  # e.g. 128, 64 for 28x28

    def norm_act(x):
        if reg.batchnorm:
            x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        return layers.LeakyReLU(0.2)(x)

    z = keras.Input(shape=(latent_dim,), name="z")
    x = layers.Dense(
        start * start * filters[0],
        use_bias=not reg.batchnorm,
        kernel_regularizer=reg.kernel_regularizer(),
    )(z)
    x = layers.Reshape((start, start, filters[0]))(norm_act(x))
    for f in filters[1:]:
        x = layers.Conv2DTranspose(
            f, 4, strides=2, padding="same", use_bias=not reg.batchnorm,
            kernel_regularizer=reg.kernel_regularizer(),
        )(x)  # fmt: skip
        x = norm_act(x)
    image = layers.Conv2DTranspose(
        channels, 4, strides=2, padding="same", activation="tanh",
        kernel_regularizer=reg.kernel_regularizer(),
    )(x)  # fmt: skip
    return keras.Model(z, image, name="generator")


def discriminator(
    image_shape: Sequence[int] = (28, 28, 1),
    width: int = 64,
    regularizer: str | Regularization = "none",
) -> keras.Model:
    """Image in [-1, 1] -> one logit ("real"): strided convs with LeakyReLU, then dense."""
    reg = parse_regularizer(regularizer)

    def sn(layer):
        return layers.SpectralNormalization(layer) if reg.spectral_norm else layer

    image = keras.Input(shape=tuple(image_shape), name="image")
    x = image
    for f in (width, width * 2):
        x = sn(
            layers.Conv2D(
                f, 4, strides=2, padding="same", kernel_regularizer=reg.kernel_regularizer()
            )
        )(x)
        x = layers.LeakyReLU(0.2)(x)
        if reg.dropout:
            x = layers.Dropout(reg.dropout)(x)
    x = layers.Flatten()(x)
    logit = sn(layers.Dense(1, kernel_regularizer=reg.kernel_regularizer()))(x)
    return keras.Model(image, logit, name="discriminator")


@keras.saving.register_keras_serializable(package="zoo")
class DCGAN(BackendSteps, keras.Model):
    """A generator and a discriminator trained against each other by `fit(images)`.

    `compile(g_optimizer=..., d_optimizer=..., label_smoothing=...)`; the logged metrics are
    `d_loss` and `g_loss` (each including its network's weight penalties).
    """

    def __init__(
        self,
        generator: keras.Model,
        discriminator: keras.Model,
        label_smoothing: float = 0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(generator.input_shape[-1])
        # Unseeded: drawn from Python's RNG, which `keras.utils.set_random_seed` seeds, so the
        # latent noise follows the trial's seed like the weight initialization does.
        self.seed_generator = keras.random.SeedGenerator()
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.bce = keras.losses.BinaryCrossentropy(from_logits=True)
        self.label_smoothing = float(label_smoothing)
        self.built = True

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def compile(
        self,
        g_optimizer: keras.optimizers.Optimizer,
        d_optimizer: keras.optimizers.Optimizer | None = None,
        label_smoothing: float | None = None,
        **kwargs,
    ) -> None:
        """Set both optimizers (`d_optimizer` defaults to a copy of the generator's).

        `label_smoothing` (one-sided, on the real targets) overrides the builder's value.
        """
        if d_optimizer is None:
            d_optimizer = g_optimizer.__class__.from_config(g_optimizer.get_config())
        if keras.backend.backend() == "jax":  # see _train_step_jax: two stateful optimizers
            kwargs["jit_compile"] = False
        # `optimizer` is the generator's, so that Keras (BackupAndRestore, saving) sees a
        # built optimizer rather than building a default one for all weights.
        super().compile(optimizer=g_optimizer, **kwargs)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer
        if label_smoothing is not None:
            self.label_smoothing = float(label_smoothing)
        # Build the optimizers' slots now, outside the traced train step.
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)

    def call(self, z, training=False):
        """Generate images in [-1, 1] from latent vectors `z`."""
        return self.generator(z, training=training)

    def _d_loss(self, real_logits, fake_logits):
        real_target = ops.ones_like(real_logits) * (1.0 - self.label_smoothing)
        return self.bce(real_target, real_logits) + self.bce(
            ops.zeros_like(fake_logits), fake_logits
        )

    def train_step(self, *args):
        """One discriminator step, then one generator step, under the current backend.

        TensorFlow uses `GradientTape`, torch `backward()`, JAX `jax.value_and_grad` over the
        networks' `stateless_call` (keras-io's "customizing fit" pattern for each backend).
        """
        backend = keras.backend.backend()
        if backend == "jax":
            return self._train_step_jax(*args)
        data = args[0]
        real = data[0] if isinstance(data, tuple) else data
        real = real * 2.0 - 1.0
        if backend == "torch":
            d_loss, g_loss = self._train_step_torch(real)
        elif backend == "tensorflow":
            d_loss, g_loss = self._train_step_tf(real)
        else:
            raise NotImplementedError(f"DCGAN.train_step has no {backend!r} version.")
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {m.name: m.result() for m in self.metrics}

    def _latents(self, n):
        return keras.random.normal((n, self.latent_dim), seed=self.seed_generator)

    def generate(self, n: int, seed: int = 0, batch_size: int = 500) -> np.ndarray:
        """`n` images in [0, 1] (numpy, NHWC) from latent vectors drawn with numpy `seed`.

        The latents come from numpy, not the backend's RNG, so a seed gives the same images
        under every backend and on every machine.
        """
        z = np.random.default_rng(seed).standard_normal((n, self.latent_dim)).astype("float32")
        images = self.generator.predict(z, batch_size=batch_size, verbose=0)
        return np.clip((images + 1.0) / 2.0, 0.0, 1.0)

    def get_config(self):
        return {
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "label_smoothing": self.label_smoothing,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(
            generator=keras.saving.deserialize_keras_object(config["generator"]),
            discriminator=keras.saving.deserialize_keras_object(config["discriminator"]),
            label_smoothing=config.get("label_smoothing", 0.0),
            name=config.get("name"),
        )


@register(
    family="dcgan",
    task="generation",
    dataset="fashion_mnist",
    regularizers=("l1", "l2", "dropout", "batchnorm", "spectral_norm", "label_smoothing"),
)
def dcgan(
    input_shape: Sequence[int] = (28, 28, 1),
    num_classes: int | None = None,
    regularizer: str | Regularization = "none",
    latent_dim: int = 64,
    width: int = 64,
) -> DCGAN:
    """DCGAN, generator and discriminator of `width` base filters (~0.7M params at 28x28x1).

    `num_classes` is accepted (the harness passes every image data set's shape and class
    count) and unused: the GAN is unconditional.
    """
    del num_classes
    reg = parse_regularizer(regularizer)
    return DCGAN(
        generator(input_shape, latent_dim, width, reg),
        discriminator(input_shape, width, reg),
        label_smoothing=reg.label_smoothing,
        name="dcgan",
    )
