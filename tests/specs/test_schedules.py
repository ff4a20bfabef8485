"""Learning-rate schedules (`zoo.specs.schedules`): Keras's own schedules over the trial's steps."""

import keras
import pytest

from zoo.errors import UsageError
from zoo.specs import (
    SCHEDULES,
    parse_schedule,
)


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
