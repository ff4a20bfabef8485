"""The DCGAN's training step under each Keras backend, one discriminator and one generator
update per batch: TensorFlow with `GradientTape`, torch with `backward()`, JAX with
`jax.value_and_grad` over the networks' `stateless_call` (keras-io's "customizing fit"
pattern for each backend). `zoo.models.dcgan.DCGAN` inherits them.
"""

from __future__ import annotations

import keras
from keras import ops


def penalty(model: keras.Model):
    """The sum of `model`'s weight-penalty losses (0.0 without any)."""
    return ops.sum(ops.stack(model.losses)) if model.losses else 0.0


class BackendSteps:
    """The per-backend halves of `DCGAN.train_step` (a mixin: it uses the model's networks,
    optimizers, loss, latents and trackers)."""

    def _train_step_tf(self, real):
        import tensorflow as tf  # this backend's only: jax and torch runs never load it

        n = ops.shape(real)[0]
        g, d = self.generator, self.discriminator
        z = self._latents(n)
        with tf.GradientTape() as tape:
            fake = g(z, training=True)
            d_loss = self._d_loss(d(real, training=True), d(fake, training=True))
            d_loss = d_loss + penalty(d)
        grads = tape.gradient(d_loss, d.trainable_variables)
        self.d_optimizer.apply_gradients(zip(grads, d.trainable_variables, strict=True))

        z = self._latents(n)
        with tf.GradientTape() as tape:
            fake_logits = d(g(z, training=True), training=True)
            g_loss = self.bce(ops.ones_like(fake_logits), fake_logits) + penalty(g)
        grads = tape.gradient(g_loss, g.trainable_variables)
        self.g_optimizer.apply_gradients(zip(grads, g.trainable_variables, strict=True))
        return d_loss, g_loss

    def _train_step_torch(self, real):
        import torch  # optional (the torch backend): only its runs import it

        n = ops.shape(real)[0]
        g, d = self.generator, self.discriminator
        z = self._latents(n)
        self.zero_grad()
        with torch.no_grad():
            fake = g(z, training=True)
        # One pass over real and fake together: spectral normalization rewrites its kernel in
        # place on each training call, which torch's autograd refuses between two passes.
        logits = d(ops.concatenate([real, fake], axis=0), training=True)
        d_loss = self._d_loss(logits[:n], logits[n:]) + penalty(d)
        d_loss.backward()
        grads = [v.value.grad for v in d.trainable_weights]
        with torch.no_grad():
            self.d_optimizer.apply(grads, d.trainable_weights)

        z = self._latents(n)
        self.zero_grad()
        fake_logits = d(g(z, training=True), training=True)
        g_loss = self.bce(ops.ones_like(fake_logits), fake_logits) + penalty(g)
        g_loss.backward()
        grads = [v.value.grad for v in g.trainable_weights]
        with torch.no_grad():
            self.g_optimizer.apply(grads, g.trainable_weights)
        return d_loss.detach(), g_loss.detach()

    def _train_step_jax(self, state, data):
        """JAX: the trainer passes and expects the model's state. The two losses and their
        gradients are pure functions of the networks' variables (`stateless_call`, jitted);
        the two optimizers apply their updates to the variables in between, so `compile`
        runs this step un-jitted (`jit_compile=False`), and the state is read back at the end."""
        import jax  # optional (the JAX backend): only its runs import it

        groups = (self.trainable_variables, self.non_trainable_variables,
                  self.optimizer.variables, self.metrics_variables)  # fmt: skip
        for variables, values in zip(groups, state, strict=True):
            for v, value in zip(variables, values, strict=True):
                v.assign(value)
        real = data[0] if isinstance(data, tuple) else data
        real = real * 2.0 - 1.0
        g, d = self.generator, self.discriminator
        if not hasattr(self, "_jax_grads"):
            self._jax_grads = self._make_jax_grads(jax)
        d_grads, g_grads = self._jax_grads
        values = lambda vs: [v.value for v in vs]  # noqa: E731

        n = real.shape[0]
        fake = g(self._latents(n), training=True)
        (d_loss, d_ntv), grads = d_grads(
            values(d.trainable_variables), values(d.non_trainable_variables), real, fake
        )
        for v, value in zip(d.non_trainable_variables, d_ntv, strict=True):
            v.assign(value)
        self.d_optimizer.apply(grads, d.trainable_variables)

        (g_loss, (g_ntv, d_ntv)), grads = g_grads(
            values(g.trainable_variables), values(g.non_trainable_variables),
            values(d.trainable_variables), values(d.non_trainable_variables), self._latents(n),
        )  # fmt: skip
        for v, value in zip(g.non_trainable_variables + d.non_trainable_variables,
                            g_ntv + d_ntv, strict=True):  # fmt: skip
            v.assign(value)
        self.g_optimizer.apply(grads, g.trainable_variables)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        logs = {m.name: m.result() for m in self.metrics}
        return logs, tuple([v.value for v in vs] for vs in groups)

    def _make_jax_grads(self, jax):
        g, d = self.generator, self.discriminator

        def d_loss_fn(d_tv, d_ntv, real, fake):
            real_logits, d_ntv, losses = d.stateless_call(
                d_tv, d_ntv, real, training=True, return_losses=True
            )
            fake_logits, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            loss = self._d_loss(real_logits, fake_logits) + sum(losses, 0.0)
            return loss, d_ntv

        def g_loss_fn(g_tv, g_ntv, d_tv, d_ntv, z):
            fake, g_ntv, losses = g.stateless_call(g_tv, g_ntv, z, training=True,
                                                   return_losses=True)  # fmt: skip
            logits, d_ntv = d.stateless_call(d_tv, d_ntv, fake, training=True)
            loss = self.bce(ops.ones_like(logits), logits) + sum(losses, 0.0)
            return loss, (g_ntv, d_ntv)

        return (jax.jit(jax.value_and_grad(d_loss_fn, has_aux=True)),
                jax.jit(jax.value_and_grad(g_loss_fn, has_aux=True)))  # fmt: skip
