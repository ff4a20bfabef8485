"""Regularizer specs (`zoo.specs.regularizers`): names, strengths, combinations, stable configs."""

import pytest

from zoo.errors import UsageError
from zoo.specs import (
    REGULARIZERS,
    parse_regularizer,
)


def test_named_regularizers():
    assert [parse_regularizer(r).label for r in REGULARIZERS] == REGULARIZERS
    r = parse_regularizer("l2+dropout+batchnorm")
    assert (r.l1, r.l2, r.dropout, r.batchnorm) == (0.0, 1e-4, 0.3, True)
    assert parse_regularizer("none").kernel_regularizer() is None
    k = parse_regularizer("l1l2").kernel_regularizer()
    assert k.get_config() == pytest.approx({"l1": 1e-5, "l2": 1e-4})


def test_regularizer_overrides():
    assert parse_regularizer("l2:1e-3").l2 == 1e-3
    assert parse_regularizer("l2:1e-3").label == "l2:0.001"
    assert parse_regularizer("dropout:0.5+batchnorm").label == "dropout:0.5+batchnorm"
    r = parse_regularizer("l1l2:l1=1e-4:l2=1e-3")
    assert (r.l1, r.l2) == (1e-4, 1e-3)
    assert parse_regularizer("l1+l2") == parse_regularizer("l1l2")  # same config, same hash
    assert parse_regularizer("batchnorm+dropout").label == "dropout+batchnorm"


@pytest.mark.parametrize(
    "spec, message",
    [
        ("dropout:1.5", "dropout must be a number in [0, 1)"),
        ("l2:-1", "l2 must be a number >= 0"),
        ("dropuot", "unknown regularizer 'dropuot'. Did you mean 'dropout'?"),
        ("batchnorm:0.9", "'batchnorm' takes no value"),
        ("l1l2:1e-5", "write l1l2:l1=1e-5:l2=1e-4"),
        ("dropout:abc", "dropout='abc' is not a number"),
        ("spectral_norm:2", "'spectral_norm' takes no value"),
        ("label_smoothing:1.0", "label_smoothing must be a number in [0, 1)"),
    ],
)
def test_bad_regularizer_specs(spec, message):
    with pytest.raises(UsageError) as err:
        parse_regularizer(spec)
    assert message in str(err.value)


def test_gan_regularizers_and_stable_config_of_the_others():
    r = parse_regularizer("batchnorm+spectral_norm+label_smoothing")
    assert (r.batchnorm, r.spectral_norm, r.label_smoothing) == (True, True, 0.1)
    assert r.label == "batchnorm+spectral_norm+label_smoothing"
    assert r.components == {"batchnorm", "spectral_norm", "label_smoothing"}
    assert parse_regularizer("label_smoothing:0.2").label == "label_smoothing:0.2"
    assert parse_regularizer("l1l2+dropout").components == {"l1", "l2", "dropout"}
    # Fields added for GANs stay out of the config (and the hash) of trials that don't use
    # them, so results stored before they existed remain valid.
    assert parse_regularizer("l2+dropout").to_config() == {
        "l1": 0.0, "l2": 1e-4, "dropout": 0.3, "batchnorm": False
    }  # fmt: skip
    assert parse_regularizer("spectral_norm").to_config()["spectral_norm"] is True
