"""The epoch a classifier is tested at (`zoo.bench.run.epochs.BestEpoch`): the best on
validation, the first of equal ones, at Schedule-Free AdamW's averaged weights; the record's
`test` there, `test_last` at the last epoch, the saved weights the tested ones; kept across a
resume; no choice without a validation split."""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest

from zoo.bench.output.record import TrialRecord
from zoo.bench.plan.trial import Trial
from zoo.bench.run.epochs import Backup, BestEpoch
from zoo.bench.run.runner import run_trial
from zoo.bench.run.training import build_optimizer, to_averaged_weights
from zoo.data import DATASETS, DatasetInfo, load_dataset
from zoo.data import datasets as data_module
from zoo.data.splits import split_indices
from zoo.models import registry
from zoo.specs import parse_optimizer, parse_regularizer, parse_schedule

SEED, EPOCHS = 1, 4


def _tiny() -> keras.Model:
    return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])


def _epochs(best: BestEpoch, values: list[float], model: keras.Model) -> list[list]:
    """Feed `values` as the epochs' validation scores, the weights changing every epoch; the
    weights each epoch ended with."""
    best.set_model(model)
    seen = []
    for epoch, value in enumerate(values):
        model.layers[0].kernel.assign(np.full((3, 2), float(epoch), "float32"))
        seen.append(model.get_weights())
        best.on_epoch_end(epoch, {"val_accuracy": value, "accuracy": 0.0})
    return seen


@pytest.mark.parametrize("higher, values, epoch", [
    (True, [0.5, 0.7, 0.7, 0.6], 2),  # the first of equal ones
    (True, [math.nan, 0.4, 0.3], 2),  # a non-finite score is never the best
    (False, [0.9, 0.4, 0.4, 0.5], 2),  # a loss: lower is better
    (True, [math.nan, math.nan], None),  # no finite score: no choice
])  # fmt: skip
def test_the_best_epoch_is_the_first_best_validation_score(higher, values, epoch):
    best = BestEpoch("val_accuracy", higher, [])
    seen = _epochs(best, values, _tiny())
    assert best.epoch == epoch
    if epoch is not None:
        assert best.value == values[epoch - 1]
        for kept, then in zip(best.weights, seen[epoch - 1], strict=True):
            np.testing.assert_array_equal(kept, then)


def test_schedule_free_keeps_its_averaged_weights_and_trains_on():
    """Schedule-Free AdamW: the kept weights are the averaged x that validation measured;
    the model goes back to y to train on."""
    model = _tiny()
    opt = build_optimizer(parse_optimizer("schedule_free_adamw"), parse_schedule(None), 10)
    opt.build(model.trainable_variables)
    for g in (0.5, -0.2, 0.3):  # after one step x = y; they part from the second on
        opt.apply([np.full(v.shape, g, "float32") for v in model.trainable_variables])
    y = model.get_weights()
    restore = to_averaged_weights(opt)
    x = model.get_weights()
    restore()
    best = BestEpoch("val_accuracy", True, [opt])
    best.set_model(model)
    best.on_epoch_end(0, {"val_accuracy": 0.5})
    assert not np.allclose(x[0], y[0])
    for kept, want in zip(best.weights, x, strict=True):
        np.testing.assert_array_equal(kept, want)
    for now, want in zip(model.get_weights(), y, strict=True):
        np.testing.assert_array_equal(now, want)


def test_a_resumed_trial_gets_its_best_epoch_back_from_the_backup(tmp_path):
    model = _tiny()
    model.compile(optimizer="sgd", loss="mse")  # a trial's model: compiled, optimizer built
    model.optimizer.build(model.trainable_variables)
    best = BestEpoch("val_accuracy", True, [])
    seen = _epochs(best, [0.6, 0.9, 0.8], model)
    backup = Backup(str(tmp_path / "backup"), every=0, best=best)
    backup.set_model(model)
    backup.on_epoch_end(2)  # saved with the epoch's backup
    resumed = BestEpoch("val_accuracy", True, [])
    again = Backup(str(tmp_path / "backup"), every=0, best=resumed)
    fresh = _tiny()
    fresh.compile(optimizer="sgd", loss="mse")  # as a trial's model is when it resumes
    again.set_model(fresh)
    again.on_train_begin()
    assert (resumed.epoch, resumed.value) == (2, 0.9)
    for kept, then in zip(resumed.weights, seen[1], strict=True):
        np.testing.assert_array_equal(kept, then)
    resumed.on_epoch_end(3, {"val_accuracy": 0.9})  # equal, later: the earlier one stays
    assert resumed.epoch == 2


def _toy(seed: int):
    """Three classes from a linear rule; the rows the trial's validation split will take
    (seeded by `seed`) are labelled by another rule, so validation falls as training learns:
    the best validation epoch comes before the last, while the test keeps improving."""

    def raw(data_dir=None, *, download=True, verify=True):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(1400, 8)).astype("float32")
        y = np.argmax(x @ rng.normal(size=(8, 3)), axis=1).astype("int32")
        y_train = y[:1000].copy()
        _, va, _ = split_indices(1000, 400, train_size=600, val_size=200, test_size=None,
                                 seed=seed)  # fmt: skip
        y_train[va] = (y_train[va] + 1) % 3
        return x[:1000], y_train, x[1000:], y[1000:]

    return raw


def toy_flip_classifier(input_shape=(8,), num_classes=3, regularizer="none"):
    """A small perceptron with a softmax output."""
    return keras.Sequential([keras.Input(input_shape), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(num_classes, activation="softmax")])  # fmt: skip


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setattr(registry, "_MODELS", dict(registry._MODELS))
    info = DatasetInfo("toy_flip", _toy(SEED), "array", 3, ["a", "b", "c"], "3 classes")
    monkeypatch.setitem(DATASETS, "toy_flip", info)
    registry.register(family="toy", task="classification", dataset="toy_flip")(toy_flip_classifier)
    yield
    data_module._raw.cache_clear()


def _trial(optimizer: str, val_size: int = 200) -> Trial:
    return Trial(model="toy_flip_classifier", dataset="toy_flip",
                 optimizer=parse_optimizer(optimizer), regularizer=parse_regularizer("none"),
                 seed=SEED, epochs=EPOCHS, batch_size=32, train_size=600, val_size=val_size,
                 test_size=None)  # fmt: skip


@pytest.mark.parametrize("optimizer", ["adam:lr=0.01", "schedule_free_adamw:lr=0.01"])
def test_a_classifier_is_tested_at_its_best_validation_epoch(toy, tmp_path, optimizer):
    record = run_trial(_trial(optimizer), save_weights=True)
    assert record.status == "ok"
    curve = record.curve("val_accuracy")
    assert record.best_epoch == int(np.argmax(curve)) + 1 < EPOCHS  # first best, not the last
    assert record.validation == max(curve) == curve[record.best_epoch - 1]
    assert set(record.test_last) == set(record.test)
    assert record.test_last["accuracy"] > record.test["accuracy"]  # test kept improving
    # `test` is the saved weights' score on the test split: the tested weights are saved.
    ds = load_dataset("toy_flip", train_size=600, val_size=200, seed=SEED)
    model = toy_flip_classifier()
    path = tmp_path / "tested.weights.h5"
    path.write_bytes(record.attachments["weights.h5"])
    model.load_weights(str(path))
    model.compile(loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    again = model.evaluate(ds.x_test, ds.y_test, batch_size=256, verbose=0, return_dict=True)
    assert again["accuracy"] == pytest.approx(record.test["accuracy"], abs=1e-6)
    assert again["loss"] == pytest.approx(record.test["loss"], rel=1e-5)
    data = record.to_json()
    assert data["best_epoch"] == record.best_epoch and "test_last" in data
    assert TrialRecord.from_json(data).test_last == record.test_last


def test_without_a_validation_split_there_is_no_choice(toy):
    record = run_trial(_trial("adam:lr=0.01", val_size=0))
    assert record.status == "ok" and record.test
    assert record.best_epoch is None and record.test_last is None
    assert math.isnan(record.validation)
    assert "best_epoch" not in record.to_json() and "test_last" not in record.to_json()
