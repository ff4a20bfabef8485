"""Optimizer specs (`zoo.specs.optimizers`): names, defaults, overrides, GAN pairs, the
Schedule-Free warmup."""

import json

import pytest

from zoo.errors import UsageError
from zoo.specs import (
    OPTIMIZERS,
    parse_optimizer,
    parse_optimizer_pair,
)
from zoo.specs.schedule_free import ScheduleFreeAdamW as ZooScheduleFree


def test_every_optimizer_builds_with_its_default_lr():
    for name, (cls, defaults) in OPTIMIZERS.items():
        opt = parse_optimizer(name).build()
        assert type(opt).__name__ == cls
        assert float(opt.learning_rate) == pytest.approx(defaults["learning_rate"])
    assert parse_optimizer("nesterov").build().nesterov is True


def test_overrides_aliases_and_labels():
    spec = parse_optimizer("adam:lr=3e-4:beta_1=0.5")
    assert spec.kwargs == {"learning_rate": 3e-4, "beta_1": 0.5}
    assert spec.label == "adam:lr=0.0003:beta_1=0.5"
    assert parse_optimizer("adam:3e-4").kwargs["learning_rate"] == 3e-4
    assert parse_optimizer("adam:lr=0.001").label == "adam"  # default spelled out
    assert parse_optimizer("ADAM").label == "adam"
    opt = parse_optimizer("adam:clipnorm=1.0").build()
    assert opt.clipnorm == 1.0
    assert parse_optimizer("adamw:wd=0.01").build().weight_decay == 0.01


@pytest.mark.parametrize(
    "spec, message",
    [
        ("adm", "unknown optimizer 'adm'. Did you mean 'adam'?"),
        ("adam:lr=abc", "lr='abc' is not a number"),
        ("adam:lr=-1", "learning_rate must be a positive number"),
        ("sgd:momentum=1.5", "momentum must be in [0, 1)"),
        ("adam:betta_1=0.5", "Did you mean 'beta_1'?"),
        ("adam:1e-3:2e-3", "only one bare value"),
        ("adam:lr=", "malformed override"),
        ("", "empty spec"),
        ("adamw:wd=-0.1", "weight_decay must be a number >= 0"),
        ("lion:lr=0.5:wd=2", "learning_rate x weight_decay = 1 >= 1"),
        ("lion:beta_1=0", "keras.optimizers.Lion refuses it: Argument `beta_1` must be in"),
        ("ftrl:learning_rate_power=0.5", "`learning_rate_power` needs to be negative or zero"),
        ("adam:use_ema=true", "use_ema (Keras's weight averaging, EMA) is not supported"),
        ("sgd:ema_momentum=0.9", "validate at the raw weights but test at the averaged ones"),
        ("schedule_free_adamw:warmup=1", "warmup must be in [0, 1), a share of the trial's"),
        ("schedule_free_adamw:warmup=-0.1", "warmup must be in [0, 1)"),
        ("adam:warmup=0.1", "unknown keyword for adam 'warmup'"),
        ("schedule_free_adamw:warmup_steps=9", "'warmup_steps'. Did you mean 'warmup'?"),
    ],
)
def test_bad_optimizer_specs(spec, message):
    with pytest.raises(UsageError) as err:
        parse_optimizer(spec)
    assert message in str(err.value)


@pytest.mark.parametrize("spec", ["lion:wd=1.0", "lion:wd=3", "adamw:wd=0.5", "muon:wd=1.5"])
def test_decoupled_weight_decay_of_one_and_more_is_accepted(spec):
    """Keras decays weights by w -= w * weight_decay * lr: a decay is not a fraction, only
    lr x decay >= 1 is degenerate (Lion's authors use 3-10x AdamW's decay)."""
    opt = parse_optimizer(spec)
    assert opt.build().weight_decay == opt.kwargs["weight_decay"] >= 0.5


def test_optimizer_pairs_for_gans():
    g, d = parse_optimizer_pair("adam:lr=1e-4:beta_1=0.5/adam:lr=4e-4:beta_1=0.5")
    assert (g.learning_rate, d.learning_rate) == (1e-4, 4e-4)
    assert parse_optimizer_pair("rmsprop") == (parse_optimizer("rmsprop"), None)
    with pytest.raises(UsageError, match="generator/discriminator pair"):
        parse_optimizer_pair("adam/sgd/sgd")
    with pytest.raises(UsageError, match="Did you mean 'adam'"):
        parse_optimizer_pair("adam/adm")


def test_a_decay_of_one_runs_from_the_command_line():
    from helpers import cli

    run = cli("bench", "--profile", "smoke", "--models", "cnn_small", "--optimizers",
              "lion:wd=1.0", "--dry-run")  # fmt: skip
    assert run.returncode == 0, run.stderr


def test_weight_averaging_is_refused_before_any_folder_is_made(tmp_path):
    from helpers import cli

    out = tmp_path / "ema"
    run = cli("bench", "--profile", "smoke", "--models", "dcgan", "--optimizers",
              "adam:lr=2e-4:beta_1=0.5:use_ema=true", "--regularizers", "none",
              "--out", str(out))  # fmt: skip
    assert run.returncode == 2 and "not supported" in run.stderr and not out.exists()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_what_build_returns_trains_as_the_harness_trains_it(name):
    """A user's `compile(spec.build())` then `fit` (the optimizer built inside `fit`) and the
    harness's way (built on the model's weights before `compile`) train the same weights.
    Schedule-Free AdamW did not: `fit` dropped its z = weights initialization."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((128, 6)).astype("float32")
    y = (x.sum(axis=1) > 3).astype("int32")

    def trained(prebuilt: bool) -> np.ndarray:
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(8, activation="relu"),
                                  keras.layers.BatchNormalization(),
                                  keras.layers.Dense(2, activation="softmax")])  # fmt: skip
        optimizer = parse_optimizer(name).build()
        if prebuilt:
            optimizer.build(model.trainable_variables)
        model.compile(optimizer, "sparse_categorical_crossentropy")
        model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
        return np.concatenate([w.ravel() for w in model.get_weights()])

    np.testing.assert_array_equal(trained(prebuilt=False), trained(prebuilt=True))


def test_schedule_free_warms_up_over_a_share_of_the_trials_steps():
    """`warmup` (default 0.05, Defazio et al. 2024) is in the spec's keywords, hence in the
    trial config and hash, and becomes Keras's `warmup_steps` at build over the trial's steps."""
    from zoo.bench.run.training import build_optimizer
    from zoo.specs import parse_schedule

    spec = parse_optimizer("schedule_free_adamw")
    assert spec.kwargs == {"learning_rate": 0.0025, "warmup": 0.05, "weight_lr_power": 2.0}
    assert spec.label == "schedule_free_adamw" and spec.to_config()["kwargs"]["warmup"] == 0.05
    assert spec.build(total_steps=1000).warmup_steps == 50
    assert build_optimizer(spec, parse_schedule(None), 430).warmup_steps == 22  # round(21.5)
    assert spec.build().warmup_steps == 0  # a bare build: no trial, no steps to share
    assert "warmup" not in spec.build(total_steps=10).get_config()
    other = parse_optimizer("schedule_free_adamw:warmup=0.1")
    assert other.label == "schedule_free_adamw:warmup=0.1" and other.kwargs["warmup"] == 0.1
    assert parse_optimizer("schedule_free_adamw:warmup=0").build(total_steps=99).warmup_steps == 0


def _schedule_free_reference(w, grads, lr, warmup_steps, weight_decay, beta_1=0.9,
                             beta_2=0.999, eps=1e-8, p=2.0):  # fmt: skip
    """The authors' step (AdamWScheduleFreeReference.step, facebookresearch/schedule_free),
    in float64 numpy: it keeps x, y and z apart. Returns y after every step."""
    import numpy as np

    x, y, z, v = w.copy(), w.copy(), w.copy(), np.zeros_like(w)
    lr_max, weight_sum, ys = -1.0, 0.0, []
    for k, g in enumerate(grads):
        sched = (k + 1) / warmup_steps if k < warmup_steps else 1.0
        lr_k = lr * sched * np.sqrt(1 - beta_2 ** (k + 1))
        lr_max = max(lr_k, lr_max)
        weight = lr_max**p
        weight_sum += weight
        c = weight / weight_sum
        z = z - lr_k * weight_decay * y
        v = beta_2 * v + (1 - beta_2) * g * g
        z = z - lr_k * g / (np.sqrt(v) + eps)
        x = (1 - c) * x + c * z
        y = beta_1 * x + (1 - beta_1) * z
        ys.append(y)
    return ys


def _trained(opt, var, grads, graph: bool) -> list:
    """`var` after each of `grads` applied by `opt`, eagerly or in a tf.function (as `fit`)."""
    import keras
    import tensorflow as tf

    def step(g):
        opt.apply([g], [var])

    step = tf.function(step) if graph else step
    got = []
    for g in grads:
        step(tf.constant(g))
        got.append(keras.ops.convert_to_numpy(var).astype("float64"))
    return got


@pytest.mark.parametrize("graph", [False, True])
@pytest.mark.parametrize("warmup,decay", [(0, 0.0), (5, 0.1)])
def test_schedule_free_adamw_follows_its_authors_reference(graph, warmup, decay):
    """zoo's Schedule-Free AdamW matches the authors' reference step for step (eager and in a
    tf.function, as `fit` runs it). Keras 3.15's class reads z after updating it when it
    recovers x: it parts from the reference at the second step."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(4, 3)).astype("float32")
    grads = [rng.normal(size=(4, 3)).astype("float32") for _ in range(12)]
    want = _schedule_free_reference(w0.astype("float64"), [g.astype("float64") for g in grads],
                                    0.05, warmup, decay)  # fmt: skip
    kw = {"learning_rate": 0.05, "warmup_steps": warmup, "weight_decay": decay or None}
    for cls, same in ((ZooScheduleFree, True), (keras.optimizers.ScheduleFreeAdamW, False)):
        var = keras.Variable(w0)
        opt = cls(**kw)
        opt.build([var])
        got = _trained(opt, var, grads, graph)
        err = max(np.abs(a - b).max() for a, b in zip(got, want, strict=True))
        assert (err < 1e-5) == same, (cls, err)


def test_a_record_from_before_the_warmup_rebuilds_to_its_hash_without_warmup():
    from helpers import ZOO_0_1_0_RUN

    from zoo.bench.output.record import TrialRecord
    from zoo.bench.plan.trial import trial_of

    # A schedule_free_adamw trial made by zoo 0.1.0 (no warmup).
    data = json.loads((ZOO_0_1_0_RUN / "results" / "09a68250ddb2040b.json").read_text())
    record = TrialRecord.from_json(data)
    assert "warmup" not in record.config["optimizer"]["kwargs"]
    trial = trial_of(record.config, record.config_hash)
    assert trial is not None and trial.optimizer.build(total_steps=1000).warmup_steps == 0
