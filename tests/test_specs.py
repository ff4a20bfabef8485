import pytest

from zoo.errors import UsageError
from zoo.specs import (
    OPTIMIZERS,
    REGULARIZERS,
    parse_optimizer,
    parse_optimizer_pair,
    parse_regularizer,
)


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
    ],
)
def test_bad_optimizer_specs(spec, message):
    with pytest.raises(UsageError) as err:
        parse_optimizer(spec)
    assert message in str(err.value)


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


def test_optimizer_pairs_for_gans():
    g, d = parse_optimizer_pair("adam:lr=1e-4:beta_1=0.5/adam:lr=4e-4:beta_1=0.5")
    assert (g.learning_rate, d.learning_rate) == (1e-4, 4e-4)
    assert parse_optimizer_pair("rmsprop") == (parse_optimizer("rmsprop"), None)
    with pytest.raises(UsageError, match="generator/discriminator pair"):
        parse_optimizer_pair("adam/sgd/sgd")
    with pytest.raises(UsageError, match="Did you mean 'adam'"):
        parse_optimizer_pair("adam/adm")
