"""How a trial trains (`zoo.bench.run.training`): schedules over the real steps, label smoothing,
augmentation, the divergence rule, Schedule-Free AdamW's evaluation weights."""

import json
import math
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from zoo.bench.output.record import TrialRecord
from zoo.bench.run.epochs import Backup
from zoo.bench.run.training import (
    EXPLOSION,
    augmentation_layers,
    batches,
    build_optimizer,
    diverged,
    to_averaged_weights,
    training_input,
    validation_input,
)
from zoo.errors import UsageError
from zoo.specs import (
    parse_optimizer,
    parse_regularizer,
    parse_schedule,
)
from zoo.specs.tasks import task

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def _first_batch(data):
    return [np.asarray(a) for a in next(iter(data["x"]))]


def test_a_trial_optimizer_follows_its_schedule_over_the_real_steps():
    opt = build_optimizer(parse_optimizer("sgd:lr=0.2"), parse_schedule("linear"), 40)
    opt.build([keras.Variable(np.zeros(2, "float32"))])
    opt.iterations.assign(20)
    assert float(opt.learning_rate) == pytest.approx(0.1)


def test_label_smoothing_is_the_loss_as_keras_defines_it():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10), 8).astype("float32")
    y = rng.integers(0, 10, 8)
    reg = parse_regularizer("label_smoothing:0.2")
    loss, metrics = task("classification").loss(reg)
    onehot = task("classification").targets(y, reg, 10)
    smoothed = onehot * 0.8 + 0.2 / 10
    manual = -np.mean(np.sum(smoothed * np.log(probs), axis=1))
    assert float(loss(onehot, probs)) == pytest.approx(manual, rel=1e-5)
    assert metrics[0].name == "accuracy"
    plain, _ = task("classification").loss(parse_regularizer("none"))
    assert plain == "sparse_categorical_crossentropy"
    p = rng.random(8).astype("float32")[:, None]
    yb = rng.integers(0, 2, 8)
    bce, _ = task("binary_classification").loss(parse_regularizer("label_smoothing"))
    t = yb * 0.9 + 0.05
    manual = -np.mean(t * np.log(p[:, 0]) + (1 - t) * np.log(1 - p[:, 0]))
    assert float(bce(yb[:, None].astype("float32"), p)) == pytest.approx(manual, rel=1e-4)


def test_augmentation_changes_training_batches_and_follows_the_seed():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 10, 64), 10)
    for spec in ("augment", "random_erasing:1", "mixup", "cutmix"):
        reg = parse_regularizer(spec)
        a = _first_batch(training_input(x, y, reg, 16, seed=3))
        b = _first_batch(training_input(x, y, reg, 16, seed=3))
        c = _first_batch(training_input(x, y, reg, 16, seed=4))
        assert training_input(x, y, reg, 16, 3)["x"].options().autotune.enabled is False
        np.testing.assert_array_equal(a[0], b[0])  # the same seed: the same batches
        assert not np.array_equal(a[0], c[0])
        originals = {img.tobytes() for img in x}
        assert sum(img.tobytes() not in originals for img in a[0]) > 0, spec
        if spec in ("mixup", "cutmix"):  # soft targets that still sum to 1
            assert not set(np.unique(a[1])) <= {0.0, 1.0}
            np.testing.assert_allclose(a[1].sum(1), 1.0, rtol=1e-5)


def _epoch(ds):
    xs, ys = zip(*((np.asarray(a), np.asarray(b)) for a, b in ds), strict=True)
    return np.concatenate(xs), np.concatenate(ys)


def test_plain_batches_are_shuffled_without_autotuning():
    """Without augmentation: a seeded tf.data pipeline of the arrays, every example once an
    epoch, shuffled, pairs kept together, tf.data autotuning off; evaluation keeps the order.
    (A new order every epoch: tests/bench/test_training_order.py.)"""
    x = np.arange(70, dtype="float32")[:, None] * [1.0, 2.0]
    y = np.arange(70)
    train = training_input(x, y, parse_regularizer("none"), 16, 0)
    assert train["shuffle"] is False and train["y"] is None  # shuffled in the data
    ds = train["x"]
    assert ds.options().autotune.enabled is False
    assert int(ds.cardinality()) == 5  # 4 full batches and a partial one: Keras knows the steps
    (x1, y1), (x2, y2) = _epoch(ds), _epoch(ds)
    for xs, ys in ((x1, y1), (x2, y2)):
        assert sorted(ys) == list(range(70))
        np.testing.assert_array_equal(xs[:, 1], 2 * ys)  # each image with its own label
    assert not np.array_equal(y1, y) and not np.array_equal(y2, y)
    test = batches(x, y, 32)
    assert set(test) == {"x"}  # what `evaluate` takes
    np.testing.assert_array_equal(_epoch(test["x"])[1], y)
    val = validation_input(x, y, 32)
    assert val.options().autotune.enabled is False
    np.testing.assert_array_equal(_epoch(val)[1], y)


def test_divergence_rule():
    chance = task("classification").chance(10)
    assert chance == {"loss": pytest.approx(math.log(10))}
    assert diverged({"loss": 1.0e11, "val_loss": 300.0}, chance).startswith("loss 1e+11 >")
    assert diverged({"loss": float("nan")}, chance) == "loss is nan"
    assert diverged({"loss": 2.4, "val_loss": 900.0}, chance) is None  # validation never counts
    gan = task("generation").chance(10)
    assert diverged({"d_loss": 1.3, "g_loss": 7.1}, gan) is None
    assert diverged({"d_loss": 0.0, "g_loss": EXPLOSION}, gan) is not None


def test_no_committed_trial_changes_status_under_the_rule():
    """Every epoch of every committed record, read through the rule, keeps its status."""
    checked = 0
    for path in REPORTS.glob("*/results/*.json"):
        record = TrialRecord.from_json(json.loads(path.read_text()))
        if record.status != "ok":
            continue
        num_classes = record.coverage.num_classes if record.coverage else 10
        chance = task(zoo.model_info(record.model).task).chance(num_classes)
        history = record.history
        for epoch in range(len(history.get("epoch_time_s", []))):
            logs = {k: v[epoch] for k, v in history.items() if len(v) > epoch}
            assert diverged(logs, chance) is None, (path, epoch)
        checked += 1
    assert checked >= 100


def test_schedule_free_weights_for_evaluation():
    var = keras.Variable(np.ones(3, "float32"))
    opt = build_optimizer(parse_optimizer("schedule_free_adamw"), parse_schedule(None), 10)
    opt.build([var])
    opt.apply([np.full(3, 0.5, "float32")], [var])
    y = keras.ops.convert_to_numpy(var).copy()
    z = keras.ops.convert_to_numpy(opt._momentums[0])
    restore = to_averaged_weights(opt)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(var), (y - 0.1 * z) / 0.9, rtol=1e-6)
    restore()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(var), y)
    adam = parse_optimizer("adam").build()
    adam.build([var])
    to_averaged_weights(adam)()  # any other optimizer: nothing happens
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(var), y)


def test_a_backup_is_replaced_whole_or_not_at_all(tmp_path):
    """A kill while a backup is written (here: an error after half the weights file) leaves
    the previous backup whole and loadable."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    backup = Backup(str(tmp_path / "backup"), every=0)
    backup.set_model(model)
    backup._current_epoch, backup._last_batch_seen = 1, 0
    backup._save_model()
    weights, metadata = Path(backup._weights_path), Path(backup._training_metadata_path)
    saved = weights.read_bytes(), metadata.read_text()
    assert json.loads(saved[1])["epoch"] == 1

    def killed_mid_write(filepath, overwrite=True):
        Path(filepath).write_bytes(saved[0][: len(saved[0]) // 2])
        raise OSError("killed")

    model.layers[0].kernel.assign(np.ones((3, 2)))
    model.save_weights = killed_mid_write
    backup._current_epoch = 2
    with pytest.raises(OSError, match="killed"):
        backup._save_model()
    assert (weights.read_bytes(), metadata.read_text()) == saved
    fresh = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    fresh.load_weights(str(weights))  # whole: it loads
    assert not np.array_equal(fresh.layers[0].kernel.numpy(), np.ones((3, 2)))


@pytest.mark.parametrize("p", [0.5, 1.0])
def test_random_erasing_erases_the_documented_share_of_images(p):
    """`random_erasing:p` erases a box in a share p of the images (Zhong et al.'s p), not a
    share drawn from U(0, p) (Keras's reading of a bare factor: 25.5% at 0.5)."""
    x = np.full((4096, 28, 28, 1), 0.5, "float32")
    ((_, layer),) = augmentation_layers(parse_regularizer(f"random_erasing:{p}"), seed=0)
    out = np.asarray(layer(x, training=True))
    erased = float((np.abs(out - x).reshape(len(x), -1).max(axis=1) > 0).mean())
    assert erased == pytest.approx(p, abs=0.02)


@pytest.mark.parametrize("spec, alpha", [("cutmix:1.0", 1.0), ("cutmix:0.5", 0.5),
                                         ("mixup:0.2", 0.2), ("mixup:2", 2.0)])  # fmt: skip
def test_mixing_weights_follow_beta_alpha_alpha(spec, alpha):
    """CutMix's and MixUp's mixing weight is Beta(alpha, alpha) (Yun et al. 2019, Zhang et al.
    2018): mean 1/2, variance 1 / (4 (2 alpha + 1)). Keras's CutMix box lies inside the image,
    so its label weight is the drawn one."""
    x = np.zeros((8192, 8, 8, 1), "float32")
    y = keras.utils.to_categorical(np.arange(len(x)) % 10, 10)
    ((_, layer),) = augmentation_layers(parse_regularizer(spec), seed=0)
    drawn = layer.get_random_transformation({"images": x, "labels": y}, training=True)
    weights = np.asarray(drawn["mix_weight"]).ravel()
    assert weights.mean() == pytest.approx(0.5, abs=0.02)
    assert weights.var() == pytest.approx(1 / (4 * (2 * alpha + 1)), rel=0.1)


def test_a_cutmix_alpha_keras_cannot_take_is_refused_before_any_training():
    with pytest.raises(UsageError, match=r"cutmix must be a number in \[0, 1\]"):
        parse_regularizer("cutmix:2")
