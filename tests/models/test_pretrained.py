"""Pretrained models (`zoo.models.pretrained`; made by `zoo.tools.weights`): cards
(`zoo.models.card`), export, loading, refusing damaged files."""

from __future__ import annotations

import json
import shutil

import keras
import numpy as np
import pytest

import zoo
from zoo.bench import expand, load_suite, run_trials
from zoo.bench.output.store import Store
from zoo.data import load_dataset
from zoo.data.files import sha256_file
from zoo.errors import UsageError, ZooError
from zoo.models.card import ModelCard
from zoo.models.pretrained import WEIGHTS_DIR, build_pretrained, cards
from zoo.tools.weights import export


def _smoke(model: str, regularizer: str = "none"):
    (trial,) = expand(
        load_suite("zoo"),
        "smoke",
        {"models": [model], "optimizers": ["adam"], "regularizers": [regularizer]},
    )
    return trial


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A smoke cnn_small trial run with --save-weights and exported under a tag."""
    root = tmp_path_factory.mktemp("pretrained")
    trial = _smoke("cnn_small", "batchnorm")
    run_trials([trial], root / "runs", progress=False, save_weights=True)
    card = export("cnn_small.fashion_mnist", root / "runs", root / "weights", trial=trial)
    record = Store(root / "runs").read(trial.config_hash)
    return root, trial, card, record


def test_export_writes_a_card_that_matches_its_files(exported):
    root, trial, card, record = exported
    assert card.trial.config_hash == trial.config_hash
    assert card.test == record.test and card.task == record.task
    assert card.builder_kwargs == {
        "input_shape": [28, 28, 1], "num_classes": 10, "regularizer": "batchnorm"
    }  # fmt: skip
    weights = root / "weights" / card.files["weights"].file
    assert card.files["weights"].sha256 == sha256_file(weights)
    assert card.files["weights"].bytes == weights.stat().st_size
    assert not card.text and card.fid is None and card.coverage is None
    # The shipped file holds the model's weights alone, not the optimizer's state.
    trial_file = root / "runs" / "results" / record.files["weights.h5"]
    assert weights.stat().st_size < 0.6 * trial_file.stat().st_size
    written = json.loads((root / "weights" / "cnn_small.fashion_mnist.json").read_text())
    assert written == card.to_json() and ModelCard.from_json(written) == card
    assert cards(root / "weights") == {"cnn_small.fashion_mnist": card}


def test_exported_model_reproduces_the_trials_test_metric(exported):
    root, trial, card, _ = exported
    model = build_pretrained("cnn_small", weights_dir=root / "weights")
    ds = load_dataset("fashion_mnist", train_size=1, val_size=0, test_size=trial.test_size)
    acc = float((model.predict(ds.x_test, verbose=0).argmax(1) == ds.y_test).mean())
    assert acc == pytest.approx(card.headline, abs=1e-6)
    assert card.task_info.metric == "accuracy"


def test_feature_extractor_variant(exported):
    root, trial, _, _ = exported
    full = build_pretrained("cnn_small.fashion_mnist", weights_dir=root / "weights")
    features = build_pretrained(
        "cnn_small.fashion_mnist", include_top=False, weights_dir=root / "weights"
    )
    x = load_dataset("fashion_mnist", train_size=1, val_size=0, test_size=8).x_test
    assert features.output.shape == (None, 1600)
    expected = keras.Model(full.input, full.get_layer("features").output).predict(x, verbose=0)
    np.testing.assert_allclose(features.predict(x, verbose=0), expected, rtol=1e-6)


@pytest.mark.parametrize("damage", ["flip", "truncate", "delete"])
def test_damaged_weights_are_refused(exported, tmp_path, damage):
    root, *_ = exported
    folder = tmp_path / "weights"
    shutil.copytree(root / "weights", folder)
    path = folder / "cnn_small.fashion_mnist.weights.h5"
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "truncate":
        path.write_bytes(bytes(data[: len(data) // 2]))
    else:
        path.unlink()
    expected = "missing" if damage == "delete" else "damaged or was replaced"
    with pytest.raises(ZooError, match=expected) as err:
        build_pretrained("cnn_small", weights_dir=folder)
    assert "make weights" in str(err.value)


def test_unknown_names_and_fixed_architecture():
    with pytest.raises(UsageError, match="Did you mean 'cnn_vgg'"):
        zoo.build("cnn_vggg", pretrained=True)
    with pytest.raises(UsageError, match="unknown pretrained model 'cnn_vgg.mnist'"):
        zoo.build("cnn_vgg.mnist", pretrained=True)
    with pytest.raises(UsageError, match="takes no widths"):
        zoo.build("cnn_vgg", pretrained=True, widths=(8, 8, 8))


@pytest.mark.parametrize("path", sorted(WEIGHTS_DIR.glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_card_loads_and_round_trips(path):
    """The committed cards load as `ModelCard`s and write back unchanged, key for key and in
    the same order (what `zoo.tools.weights export` writes)."""
    text = path.read_text()
    data = json.loads(text)
    card = ModelCard.from_json(data)
    assert card.to_json() == data
    assert json.dumps(card.to_json(), indent=1) + "\n" == text
    assert card.tag == path.name.removesuffix(".json")
    assert card.headline == data["test"][card.task_info.metric]
    assert card.size_bytes == sum(f["bytes"] for f in data["files"].values())
    assert card.text == (card.model == "bilstm")
    assert (card.fid is not None) == card.task_info.generative


def test_a_card_with_unknown_or_missing_fields_is_refused(tmp_path):
    data = json.loads((WEIGHTS_DIR / "cnn_vgg.fashion_mnist.json").read_text())
    with pytest.raises(ValueError, match="unknown fields colour"):
        ModelCard.from_json({**data, "colour": "blue"})
    with pytest.raises(ValueError, match="not a model card"):
        ModelCard.from_json({k: v for k, v in data.items() if k != "params"})
    (tmp_path / "bad.json").write_text(json.dumps({**data, "colour": "blue"}))
    with pytest.raises(ZooError, match="bad.json is unreadable"):
        cards(tmp_path)
