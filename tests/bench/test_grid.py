"""Suites and their expansion into trials (`zoo.bench.plan.suite`, `zoo.bench.plan.grid`)."""

import pytest

from zoo.bench import expand, load_suite
from zoo.errors import UsageError

SUITE = """
description = "test suite"
[defaults]
batch_size = 32
[profiles.tiny]
seeds = 2
epochs = 1
train_size = 100
[[profiles.tiny.grid]]
models = ["cnn_small"]
optimizers = ["adam", "sgd"]
regularizers = ["none"]
[[profiles.tiny.grid]]
models = ["cnn_small"]
optimizers = ["adam"]
regularizers = ["none", "l2"]
epochs = 2
"""


def test_suite_expansion_and_overrides(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SUITE)
    suite = load_suite(str(path))
    trials = expand(suite, "tiny")
    # grid 1: 2 opt x 1 reg x 2 seeds; grid 2: 1 x 2 x 2 with epochs=2 (a different config)
    assert len(trials) == 8
    assert {t.batch_size for t in trials} == {32}
    assert {t.epochs for t in trials} == {1, 2}
    over = expand(suite, "tiny", {"optimizers": ["nadam"], "seeds": 1, "epochs": 3})
    assert {t.optimizer.label for t in over} == {"nadam"} and {t.epochs for t in over} == {3}
    assert len(over) == 2  # the two grids' regularizers: none, l2
    lstm = expand(load_suite("zoo"), "smoke", {"models": ["lstm"]})
    assert {tuple(t.data_options.items()) for t in lstm} == {
        (("vocab_size", 5000), ("sequence_length", 64))
    }
    with pytest.raises(UsageError, match="unknown profile of suite 'mine' 'tyni'"):
        expand(suite, "tyni")


def test_suite_typo_key_is_reported(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(SUITE.replace("train_size = 100", "trian_size = 100"))
    with pytest.raises(UsageError, match="unknown key 'trian_size' \\(did you mean 'train_size'"):
        load_suite(str(path))


def test_builtin_suite_profiles():
    suite = load_suite("zoo")
    assert {"smoke", "quick", "full"} <= set(suite.profiles)
    quick = expand(suite, "quick")
    # Every classifier cell starts with 3 seeds racing up to 5.
    assert {t.seed for t in quick if t.model in ("cnn_small", "lstm")} == {0, 1, 2}
    assert {t.race for t in quick if t.model in ("cnn_small", "lstm")} == {(3, 5)}
    names = {t.optimizer.name for t in quick if t.model == "cnn_small"}
    assert {"adamw", "lion", "muon", "schedule_free_adamw"} <= names
    assert {t.tune for t in quick if t.model != "dcgan"} == {"lr+wd"}  # tuned tables


def test_gan_trials_carry_their_own_fields_and_others_do_not():
    suite = load_suite("zoo")
    trials = expand(suite, "full", {"models": ["dcgan"], "seeds": 1})
    pairs = [t for t in trials if t.d_optimizer is not None]
    assert pairs and all(t.fid_samples == 10000 for t in trials)
    assert pairs[0].optimizer_label == "adam:lr=0.0001:beta_1=0.5/adam:lr=0.0004:beta_1=0.5"
    assert all(
        "fid_samples" not in t.config() and "d_optimizer" not in t.config()
        for t in expand(suite, "quick", {"models": ["cnn_small", "lstm"]})
    )


def test_model_options_reach_the_builder_and_typos_are_caught(tmp_path):
    path = tmp_path / "gan.toml"
    path.write_text(
        '[profiles.p]\n[[profiles.p.grid]]\nmodels = ["dcgan"]\noptimizers = ["adam"]\n'
        'regularizers = ["none"]\nmodel_options = { width = 16 }\n'
    )
    (trial,) = expand(load_suite(str(path)), "p")
    assert trial.model_options == {"width": 16}
    assert trial.config()["model_options"] == {"width": 16}
    path.write_text(path.read_text().replace("width", "widht"))
    with pytest.raises(UsageError, match="unknown key 'widht' \\(did you mean 'width'\\?\\)"):
        expand(load_suite(str(path)), "p")


def test_option_flags_add_to_the_suite_tables(tmp_path):
    from zoo.cli.parser import _options

    assert _options("pooling=max_mean,embedding_dropout=0.2,units=32,flag=true") == {
        "pooling": "max_mean", "embedding_dropout": 0.2, "units": 32, "flag": True,
    }  # fmt: skip
    path = tmp_path / "text.toml"
    path.write_text(
        '[profiles.p]\n[[profiles.p.grid]]\nmodels = ["lstm"]\noptimizers = ["adam"]\n'
        'regularizers = ["none"]\ndata_options = { vocab_size = 500, sequence_length = 50 }\n'
    )
    overrides = {"data_options": {"sequence_length": 80}, "model_options": {"units": 8}}
    (trial,) = expand(load_suite(str(path)), "p", overrides)
    assert trial.data_options == {"vocab_size": 500, "sequence_length": 80}
    assert trial.model_options == {"units": 8}
