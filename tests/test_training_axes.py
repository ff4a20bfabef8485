"""The modern training axes: every Keras optimizer, learning-rate schedules, label smoothing and
augmentation, the divergence rule, and Schedule-Free AdamW's evaluation weights."""

import json
import math
from pathlib import Path

import keras
import numpy as np
import pytest

import zoo
from zoo.bench import Store, expand, load_suite, run_trials
from zoo.bench.provenance import versions
from zoo.bench.training import (
    EXPLOSION,
    build_optimizer,
    chance_losses,
    diverged,
    loss_and_metrics,
    targets,
    to_averaged_weights,
    training_input,
)
from zoo.bench.trial import Trial
from zoo.cli import main
from zoo.errors import UsageError
from zoo.specs import (
    OPTIMIZERS,
    SCHEDULES,
    parse_optimizer,
    parse_regularizer,
    parse_schedule,
)

REPORTS = Path(__file__).resolve().parents[1] / "reports"
NEW = ["lamb", "adafactor", "ftrl", "muon", "schedule_free_adamw"]


def test_every_optimizer_class_keras_ships_has_a_name():
    shipped = {
        n for n in dir(keras.optimizers)
        if isinstance(getattr(keras.optimizers, n), type)
        and issubclass(getattr(keras.optimizers, n), keras.optimizers.Optimizer)
        and n not in ("Optimizer", "LossScaleOptimizer", "MultiOptimizer")
    }  # fmt: skip
    assert {cls for cls, _ in OPTIMIZERS.values()} == shipped
    assert len(shipped) == 14 and len(OPTIMIZERS) == 16


def test_list_optimizers_and_schedules(capsys):
    assert main(["list", "optimizers"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith(" ")]
    assert [line.split()[0] for line in lines] == list(OPTIMIZERS)
    assert main(["list", "schedules"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].split()[0] for line in out] == list(SCHEDULES)


def test_muon_says_what_it_does_per_family():
    from zoo.specs.optimizers import muon_split

    # cnn_small: its one dense layer is Muon's; the conv kernels and biases go to AdamW.
    text = muon_split(zoo.build("cnn_small"))
    assert text.startswith("Muon on 1 of 6 weight tensors") and "dense kernels" in text
    assert "embedding" not in muon_split(zoo.build("lstm", vocab_size=100))


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_learning_rates_equal_keras_schedules(name):
    sched = keras.optimizers.schedules
    total, lr = 200, 0.1
    built = parse_schedule(name).build(lr, total)
    expected = {
        "constant": lambda s: lr,
        "cosine": sched.CosineDecay(lr, total),
        "warmup_cosine": sched.CosineDecay(0.0, total - 10, warmup_target=lr, warmup_steps=10),
        "step": sched.PiecewiseConstantDecay([100, 150], [lr, lr * 0.1, lr * 0.01]),
        "linear": sched.PolynomialDecay(lr, total, end_learning_rate=0.0),
    }[name]
    for step in (0, 5, 10, 99, 100, 101, 150, 199, 200):
        got = built if isinstance(built, float) else float(built(step))
        assert got == pytest.approx(float(expected(step)), rel=1e-5, abs=1e-9), step


def test_schedule_shapes_at_chosen_steps():
    def at(spec, step, total=100, lr=1.0):
        return float(parse_schedule(spec).build(lr, total)(step))

    assert at("warmup_cosine", 0) == 0.0 and at("warmup_cosine", 5) == pytest.approx(1.0)
    assert at("warmup_cosine:warmup=0.1", 5) == pytest.approx(0.5)
    assert at("cosine", 50) == pytest.approx(0.5) and at("cosine", 100) == pytest.approx(0.0)
    assert at("cosine:alpha=0.1", 100) == pytest.approx(0.1)
    assert (at("step", 49), at("step", 51), at("step", 76)) == pytest.approx((1, 0.1, 0.01))
    assert at("step:factor=0.5", 76) == pytest.approx(0.25)
    assert at("linear", 50) == pytest.approx(0.5)
    assert at("linear:end=0.1", 100) == pytest.approx(0.1)


def test_a_trial_optimizer_follows_its_schedule_over_the_real_steps():
    opt = build_optimizer(parse_optimizer("sgd:lr=0.2"), parse_schedule("linear"), 40)
    opt.build([keras.Variable(np.zeros(2, "float32"))])
    opt.iterations.assign(20)
    assert float(opt.learning_rate) == pytest.approx(0.1)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("cosin", "Did you mean 'cosine'?"),
        ("warmup_cosine:warmup=1.5", "warmup must be in [0, 1)"),
        ("step:factor=0", "factor must be > 0"),
        ("constant:0.1", "constant takes no value"),
        ("linear:slope=1", "unknown key 'slope'"),
    ],
)
def test_bad_schedule_specs(spec, message):
    with pytest.raises(UsageError) as err:
        parse_schedule(spec)
    assert message in str(err.value)


def test_constant_schedule_leaves_existing_hashes_unchanged():
    """Trials rebuilt from committed records, with `constant` and without a schedule, hash
    to the records' own hashes; any other schedule makes a new trial."""
    paths = sorted((REPORTS / "quick" / "results").glob("*.json"))[:6]
    paths += sorted((REPORTS / "cnn_vgg-full-adam" / "results").glob("*.json"))
    assert len(paths) >= 5
    for path in paths:
        record = json.loads(path.read_text())
        c = record["config"]
        kwargs = dict(
            model=c["model"], dataset=c["dataset"],
            optimizer=parse_optimizer(record["labels"]["optimizer"].split("/")[0]),
            regularizer=parse_regularizer(record["labels"]["regularizer"]), seed=c["seed"],
            epochs=c["epochs"], batch_size=c["batch_size"], train_size=c["train_size"],
            val_size=c["val_size"], test_size=c["test_size"], jit_compile=c["jit_compile"],
            data_options=c["data_options"], versions=c["versions"],
            fid_samples=c.get("fid_samples"), model_options=c.get("model_options", {}),
            target=c.get("target"),
        )  # fmt: skip
        if "d_optimizer" in c:
            kwargs["d_optimizer"] = parse_optimizer(record["labels"]["optimizer"].split("/")[1])
        assert Trial(**kwargs).config_hash == record["config_hash"], path.name
        constant = Trial(**kwargs, schedule=parse_schedule("constant"))
        assert constant.config_hash == record["config_hash"]
        cosine = Trial(**kwargs, schedule=parse_schedule("cosine"))
        assert cosine.config_hash != constant.config_hash


def test_schedules_axis_and_schedule_free_pairs():
    suite = load_suite("zoo")
    notes: list[str] = []
    over = {"models": ["cnn_small"], "optimizers": ["adam", "schedule_free_adamw"],
            "schedules": ["constant", "cosine"], "regularizers": ["none"]}  # fmt: skip
    trials = expand(suite, "smoke", over, notes=notes)
    assert sorted(t.label for t in trials) == [
        "cnn_small adam cosine none seed=0",
        "cnn_small adam none seed=0",
        "cnn_small schedule_free_adamw none seed=0",
    ]
    assert "left out: cosine" in notes[0]
    with pytest.raises(UsageError, match="schedule_free_adamw takes no learning-rate schedule"):
        expand(suite, "smoke", {**over, "schedules": ["warmup_cosine"]})


def test_label_smoothing_is_the_loss_as_keras_defines_it():
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(10), 8).astype("float32")
    y = rng.integers(0, 10, 8)
    reg = parse_regularizer("label_smoothing:0.2")
    loss, metrics = loss_and_metrics("classification", reg)
    onehot = targets(y, "classification", reg, 10)
    smoothed = onehot * 0.8 + 0.2 / 10
    manual = -np.mean(np.sum(smoothed * np.log(probs), axis=1))
    assert float(loss(onehot, probs)) == pytest.approx(manual, rel=1e-5)
    assert metrics[0].name == "accuracy"
    plain, _ = loss_and_metrics("classification", parse_regularizer("none"))
    assert plain == "sparse_categorical_crossentropy"
    p = rng.random(8).astype("float32")[:, None]
    yb = rng.integers(0, 2, 8)
    bce, _ = loss_and_metrics("binary_classification", parse_regularizer("label_smoothing"))
    t = yb * 0.9 + 0.05
    manual = -np.mean(t * np.log(p[:, 0]) + (1 - t) * np.log(1 - p[:, 0]))
    assert float(bce(yb[:, None].astype("float32"), p)) == pytest.approx(manual, rel=1e-4)


def _first_batch(data):
    return [np.asarray(a) for a in next(iter(data["x"]))]


def test_augmentation_changes_training_batches_and_follows_the_seed():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28, 1)).astype("float32")
    y = keras.utils.to_categorical(rng.integers(0, 10, 64), 10)
    plain = training_input(x, y, parse_regularizer("none"), 16, 0)
    assert plain["x"] is x and plain["batch_size"] == 16  # the fast path: arrays as they are
    for spec in ("augment", "random_erasing:1", "mixup", "cutmix"):
        reg = parse_regularizer(spec)
        a = _first_batch(training_input(x, y, reg, 16, seed=3))
        b = _first_batch(training_input(x, y, reg, 16, seed=3))
        c = _first_batch(training_input(x, y, reg, 16, seed=4))
        np.testing.assert_array_equal(a[0], b[0])  # the same seed: the same batches
        assert not np.array_equal(a[0], c[0])
        originals = {img.tobytes() for img in x}
        assert sum(img.tobytes() not in originals for img in a[0]) > 0, spec
        if spec in ("mixup", "cutmix"):  # soft targets that still sum to 1
            assert not set(np.unique(a[1])) <= {0.0, 1.0}
            np.testing.assert_allclose(a[1].sum(1), 1.0, rtol=1e-5)


def test_unsupported_regularizer_exits_2(capsys):
    code = main(["bench", "--profile", "smoke", "--models", "lstm", "--regularizers", "augment",
                 "--dry-run"])  # fmt: skip
    assert code == 2
    assert "does not apply to model 'lstm'" in capsys.readouterr().err


def test_divergence_rule():
    chance = chance_losses("classification", 10)
    assert chance == {"loss": pytest.approx(math.log(10))}
    assert diverged({"loss": 1.0e11, "val_loss": 300.0}, chance).startswith("loss 1e+11 >")
    assert diverged({"loss": float("nan")}, chance) == "loss is nan"
    assert diverged({"loss": 2.4, "val_loss": 900.0}, chance) is None  # validation never counts
    gan = chance_losses("generation", 10)
    assert diverged({"d_loss": 1.3, "g_loss": 7.1}, gan) is None
    assert diverged({"d_loss": 0.0, "g_loss": EXPLOSION}, gan) is not None


def test_no_committed_trial_changes_status_under_the_rule():
    """Every epoch of every committed record, read through the rule, keeps its status."""
    checked = 0
    for path in REPORTS.glob("*/results/*.json"):
        record = json.loads(path.read_text())
        if record.get("status") != "ok":
            continue
        num_classes = (record.get("coverage") or {}).get("num_classes", 10)
        chance = chance_losses(zoo.model_info(record["config"]["model"]).task, num_classes)
        history = record["history"]
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


def test_every_new_optimizer_trains_every_family(tmp_path):
    suite = load_suite("zoo")
    trials = expand(suite, "smoke", {"optimizers": NEW, "regularizers": ["none"]})
    assert {t.model for t in trials} == {"cnn_small", "lstm", "dcgan"}
    assert len(trials) == 3 * len(NEW)
    run_trials(trials, tmp_path, progress=False)
    records = Store(tmp_path).check()
    assert len(records) == len(trials)
    for r in records:
        assert r["status"] == "ok", (r["labels"], r.get("error"))
        assert all(math.isfinite(v) for v in r["test"].values()), r["labels"]


@pytest.fixture(scope="module")
def acceptance_run(tmp_path_factory):
    """The issue's command: two new optimizers x two schedules x two regularizers."""
    out = tmp_path_factory.mktemp("axes")
    code = main(["bench", "--profile", "smoke", "--optimizers", "muon,schedule_free_adamw",
                 "--schedules", "constant,cosine", "--regularizers",
                 "none,augment+label_smoothing", "--models", "cnn_small", "--out", str(out),
                 "--no-progress"])  # fmt: skip
    assert code == 0
    return out


def test_augmented_trial_is_evaluated_on_untouched_images(acceptance_run, tmp_path):
    """The test accuracy of an augmented trial is that of its weights on the plain test
    images: augmentation never reaches evaluation."""
    by_label = {tuple(r["labels"][k] for k in ("optimizer", "schedule", "regularizer")): r
                for r in Store(acceptance_run).check()}  # fmt: skip
    assert len(by_label) == 6 and ("schedule_free_adamw", "cosine", "none") not in by_label
    record = by_label[("muon", "cosine", "augment+label_smoothing")]
    assert record["status"] == "ok"
    trial = next(t for t in expand(load_suite("zoo"), "smoke", {
        "models": ["cnn_small"], "optimizers": ["muon"], "schedules": ["cosine"],
        "regularizers": ["augment+label_smoothing"]}, versions=versions()))  # fmt: skip
    assert trial.config_hash == record["config_hash"]
    run_trials([trial], tmp_path, progress=False, save_weights=True)
    again = Store(tmp_path).read(trial.config_hash)
    assert again["test"] == record["test"]  # reruns are identical, augmentation included
    from zoo.data import load_dataset

    ds = load_dataset("fashion_mnist", train_size=512, val_size=256, test_size=512, seed=0)
    model = zoo.build("cnn_small", regularizer="augment+label_smoothing")
    model.load_weights(tmp_path / "results" / f"{trial.config_hash}.weights.h5")
    accuracy = float(np.mean(np.argmax(model.predict(ds.x_test, verbose=0), 1) == ds.y_test))
    assert accuracy == pytest.approx(record["test"]["accuracy"], abs=1e-6)


def test_report_shows_schedules_as_rows(acceptance_run):
    text = (acceptance_run / "README.md").read_text()
    for row in ("| `muon` |", "| `muon @ cosine` |", "| `schedule_free_adamw` |"):
        assert row in text
    assert "schedule_free_adamw @ cosine" not in text
    assert "augment+label_smoothing" in text


def test_reusing_a_compiled_model_gives_the_same_records(tmp_path, monkeypatch):
    """Trials that share a shape reuse one compiled model (zoo.bench.reuse): their records
    equal those of fresh models, classifiers and the GAN alike."""
    from zoo.bench import reuse

    suite = load_suite("zoo")
    trials = expand(suite, "smoke", {"models": ["cnn_small"], "seeds": 2, "optimizers": [
        "adam", "adam:lr=0.003", "schedule_free_adamw"], "regularizers": [
        "dropout+batchnorm", "augment+label_smoothing"]})  # fmt: skip
    trials += expand(suite, "smoke", {"models": ["dcgan"], "seeds": 2,
                                      "regularizers": ["none"]})  # fmt: skip
    records = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("ZOO_REUSE", flag)
        reuse.clear()
        run_trials(trials, tmp_path / flag, progress=False)
        records[flag] = {r["config_hash"]: r for r in Store(tmp_path / flag).check()}
    assert len(records["1"]) == len(trials) == 14
    for h, fresh in records["0"].items():
        reused = records["1"][h]
        for key in ("test", "fid", "coverage"):
            assert fresh.get(key) == reused.get(key), (fresh["labels"], key)
        drop = {"epoch_time_s"}
        assert {k: v for k, v in fresh["history"].items() if k not in drop} == {
            k: v for k, v in reused["history"].items() if k not in drop}  # fmt: skip
