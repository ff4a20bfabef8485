"""Retraining the FID classifier (`make fid-classifier`): the one network every zoo FID is
measured with (`zoo.metrics.classifier`), trained by its frozen recipe and shipped with a card.
"""

from __future__ import annotations

import json
import platform
import time
from typing import Any

import keras

from zoo.bench.run.provenance import environment
from zoo.data import load_dataset
from zoo.data.files import sha256_file
from zoo.metrics import classifier


def train(data_dir: str | None = None) -> dict[str, Any]:
    """Train the classifier by its recipe on Fashion-MNIST, write weights and card; return it."""
    recipe = classifier.RECIPE
    ds = load_dataset(recipe["dataset"], val_size=recipe["val_size"], seed=recipe["seed"],
                      data_dir=data_dir)  # fmt: skip
    keras.utils.set_random_seed(recipe["seed"])
    model = classifier.build()
    model.compile(
        optimizer=keras.optimizers.Adam(recipe["learning_rate"]),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    t0 = time.perf_counter()
    history = model.fit(
        ds.x_train, ds.y_train, validation_data=(ds.x_val, ds.y_val),
        epochs=recipe["epochs"], batch_size=recipe["batch_size"], verbose=2,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    _, test_acc = model.evaluate(ds.x_test, ds.y_test, batch_size=512, verbose=0)
    classifier.WEIGHTS_DIR.mkdir(exist_ok=True)
    model.save_weights(classifier.WEIGHTS)
    env = environment()
    info = {
        "name": classifier.NAME,
        "file": classifier.WEIGHTS.name,
        "sha256": sha256_file(classifier.WEIGHTS),
        "bytes": classifier.WEIGHTS.stat().st_size,
        "params": int(model.count_params()),
        "purpose": "features (layer 'features', 128-d) for the domain FID; softmax for class "
        "coverage of generated Fashion-MNIST images",
        "recipe": recipe,
        "test_accuracy": round(float(test_acc), 4),
        "test_size": len(ds.x_test),
        "val_accuracy": round(float(history.history["val_accuracy"][-1]), 4),
        "train_time_s": round(seconds, 1),
        "command": "make fid-classifier  (python -m zoo.tools.fid_classifier)",
        "git_commit": env.get("git_commit"),
        "git_dirty": env.get("git_dirty"),
        "keras": env.get("keras"),
        "backend": f"{env.get('backend')} {env.get(env.get('backend', ''), '')}".strip(),
        "hardware": f"{env.get('cpu')} ({env.get('cpu_count')} cores), {platform.machine()}",
    }
    classifier.CARD.write_text(json.dumps(info, indent=1) + "\n")
    classifier.load.cache_clear()
    return info


if __name__ == "__main__":
    print(json.dumps(train(), indent=1))
