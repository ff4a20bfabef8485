"""The Fashion-MNIST classifier that GAN metrics are measured with, shipped in `zoo/weights`.

FID (Heusel et al. 2017) compares feature statistics of generated and real images. The
original uses ImageNet Inception features, which mean little for 28x28 clothing images and are
not available offline; a *domain* FID uses a classifier trained on the data set itself. For
scores to be comparable across runs and machines, that classifier must be one fixed network:
its architecture is frozen here, its weights are trained once (`python -m zoo.metrics.classifier`,
or `make fid-classifier`) and shipped with a card that records their SHA-256 and test accuracy.
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


def train(data_dir: str | None = None) -> dict[str, Any]:
    """Train the classifier by `RECIPE` on Fashion-MNIST, write weights and card; return it."""
    import platform
    import time

    from zoo.bench.provenance import environment
    from zoo.data import load_dataset

    ds = load_dataset(RECIPE["dataset"], val_size=RECIPE["val_size"], seed=RECIPE["seed"],
                      data_dir=data_dir)  # fmt: skip
    keras.utils.set_random_seed(RECIPE["seed"])
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(RECIPE["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    t0 = time.perf_counter()
    history = model.fit(
        ds.x_train, ds.y_train, validation_data=(ds.x_val, ds.y_val),
        epochs=RECIPE["epochs"], batch_size=RECIPE["batch_size"], verbose=2,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    _, test_acc = model.evaluate(ds.x_test, ds.y_test, batch_size=512, verbose=0)
    WEIGHTS_DIR.mkdir(exist_ok=True)
    model.save_weights(WEIGHTS)
    env = environment()
    info = {
        "name": NAME,
        "file": WEIGHTS.name,
        "sha256": sha256_file(WEIGHTS),
        "bytes": WEIGHTS.stat().st_size,
        "params": int(model.count_params()),
        "purpose": "features (layer 'features', 128-d) for the domain FID; softmax for class "
        "coverage of generated Fashion-MNIST images",
        "recipe": RECIPE,
        "test_accuracy": round(float(test_acc), 4),
        "test_size": len(ds.x_test),
        "val_accuracy": round(float(history.history["val_accuracy"][-1]), 4),
        "train_time_s": round(seconds, 1),
        "command": "make fid-classifier  (python -m zoo.metrics.classifier)",
        "git_commit": env.get("git_commit"),
        "git_dirty": env.get("git_dirty"),
        "keras": env.get("keras"),
        "backend": f"{env.get('backend')} {env.get(env.get('backend', ''), '')}".strip(),
        "hardware": f"{env.get('cpu')} ({env.get('cpu_count')} cores), {platform.machine()}",
    }
    CARD.write_text(json.dumps(info, indent=1) + "\n")
    load.cache_clear()
    return info


if __name__ == "__main__":
    print(json.dumps(train(), indent=1))
