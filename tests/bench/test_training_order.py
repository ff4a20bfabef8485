"""The order a trial trains in (`zoo.bench.run.training.training_input`): a new permutation of
the examples every epoch, the same sequence of permutations for the same seed (also after
`zoo.backend.set_seed`, as every trial runs it), another for another seed. Read from the
labels the real pipelines yield, with and without augmentation, for a GAN's images alone,
and from the batches `fit` itself trains on."""

import keras
import numpy as np
import pytest

from zoo.backend import set_seed
from zoo.bench.run.training import training_input
from zoo.specs import parse_regularizer

N, BATCH = 40, 8
IMAGES = np.broadcast_to(np.arange(N, dtype="float32")[:, None, None, None], (N, 8, 8, 1))
LABELS = np.arange(N)  # each example's label is its index


def _epochs(data: dict, n: int = 3, inputs_only: bool = False) -> list[list[int]]:
    """The indices of the examples in each of `n` epochs of `fit`'s training `data`."""
    out = []
    for _ in range(n):
        if inputs_only:  # a GAN's images: each image is its index, everywhere
            order = [int(v) for b in data["x"] for v in np.asarray(b)[:, 0, 0, 0]]
        else:
            order = [int(v) for _, y in data["x"] for v in np.asarray(y)]
        assert sorted(order) == list(range(N))  # every example once an epoch
        out.append(order)
    return out


@pytest.mark.parametrize("reg", ["none", "augment", "random_erasing:0.5", "gan"])
def test_a_new_order_every_epoch_fixed_by_the_seed(reg):
    gan = reg == "gan"
    spec = parse_regularizer("none" if gan else reg)
    y = None if gan else LABELS

    def orders(seed: int) -> list[list[int]]:
        set_seed(seed)  # as a trial does, before its inputs are built
        data = training_input(IMAGES, y, spec, BATCH, seed)
        assert data["shuffle"] is False and data["x"].options().autotune.enabled is False
        assert int(data["x"].cardinality()) == N // BATCH  # Keras knows the epoch's length
        return _epochs(data, inputs_only=gan)

    first = orders(3)
    assert len({tuple(o) for o in first}) == 3  # each epoch its own permutation
    assert all(o != list(range(N)) for o in first)
    assert orders(3) == first  # the same seed: the same orders, epoch by epoch
    second = orders(4)
    assert all(a != b for a, b in zip(first, second, strict=True))  # another seed: others


class _Recorder(keras.Model):
    """A model whose training step only notes the labels of the batch it is given."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(1)
        self.seen: list[np.ndarray] = []

    def call(self, x):
        return self.dense(x)

    def train_step(self, data):
        x, y = data
        self(x)
        self.seen.append(keras.ops.convert_to_numpy(y))
        return {"loss": keras.ops.convert_to_tensor(0.0)}


def test_fit_trains_on_a_new_order_every_epoch():
    """What `fit` consumes, epoch by epoch: it iterates the pipeline anew each epoch."""

    def fitted(seed: int) -> list[list[int]]:
        set_seed(seed)
        model = _Recorder()
        model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
        x = np.arange(N, dtype="float32")[:, None]
        model.fit(**training_input(x, LABELS, parse_regularizer("none"), BATCH, seed),
                  epochs=3, verbose=0)  # fmt: skip
        flat = [int(v) for batch in model.seen for v in batch]
        return [flat[i : i + N] for i in range(0, len(flat), N)]

    epochs = fitted(5)
    assert len(epochs) == 3 and all(sorted(e) == list(range(N)) for e in epochs)
    assert len({tuple(e) for e in epochs}) == 3
    assert fitted(5) == epochs
    assert fitted(6) != epochs
