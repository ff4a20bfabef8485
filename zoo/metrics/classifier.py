"""The Fashion-MNIST classifier that GAN metrics are measured with, shipped in `zoo/weights`.

FID (Heusel et al. 2017) compares feature statistics of generated and real images. The
original uses ImageNet Inception features, which mean little for 28x28 clothing images and are
not available offline; a *domain* FID uses a classifier trained on the data set itself. For
scores to be comparable across runs and machines, that classifier must be one fixed network:
its architecture is frozen here, its weights are trained once (`make fid-classifier`:
`zoo.tools.fid_classifier`, above the harness) and shipped with a card that records their
SHA-256 and test accuracy.
Its 128-d penultimate layer (`features`) gives the FID features, its softmax the class coverage.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import keras
from keras import layers

from zoo.data.files import sha256_file
from zoo.errors import ZooError

WEIGHTS_DIR = Path(__file__).resolve().parents[1] / "weights"
NAME = "fid_fashion_mnist"
WEIGHTS = WEIGHTS_DIR / f"{NAME}.weights.h5"
CARD = WEIGHTS_DIR / f"{NAME}.json"
FEATURES = "features"
# Training recipe; changing it means new weights, a new card and new FIDs.
RECIPE = {"dataset": "fashion_mnist", "val_size": 5000, "seed": 0, "epochs": 8,
          "batch_size": 128, "optimizer": "adam", "learning_rate": 1e-3}  # fmt: skip


def build() -> keras.Model:
    """The frozen architecture: four 3x3 convs in two blocks, a 128-unit layer, softmax."""
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = inputs
    for filters in (32, 64):
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.Conv2D(filters, 3, activation="relu")(x)
        x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128, activation="relu", name=FEATURES)(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(10, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name=NAME)


def card() -> dict[str, Any]:
    """The shipped card: SHA-256, size, test accuracy and how the weights were made."""
    try:
        return json.loads(CARD.read_text())
    except (OSError, ValueError) as exc:
        raise ZooError(
            f"the FID classifier's card {CARD} is missing or unreadable ({exc}). Reinstall zoo, "
            "or retrain it with `make fid-classifier`."
        ) from exc


@functools.cache
def load() -> tuple[keras.Model, keras.Model]:
    """(classifier, feature extractor) with the shipped weights, after checking their hash.

    The feature extractor has two outputs: the 128-d features and the class probabilities,
    so one pass over a batch of images gives both the FID features and the coverage.
    """
    expected = card()["sha256"]
    if not WEIGHTS.is_file():
        raise ZooError(f"the FID classifier's weights {WEIGHTS} are missing. Reinstall zoo.")
    actual = sha256_file(WEIGHTS)
    if actual != expected:
        raise ZooError(
            f"the FID classifier's weights {WEIGHTS} are damaged or were replaced: SHA-256 "
            f"{actual}, its card says {expected}. Reinstall zoo, or retrain both with "
            "`make fid-classifier`."
        )
    model = build()
    model.load_weights(WEIGHTS)
    features = keras.Model(
        model.input, [model.get_layer(FEATURES).output, model.output], name=f"{NAME}_features"
    )
    return model, features
