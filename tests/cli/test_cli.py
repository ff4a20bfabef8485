"""The command line's checks, in process (`zoo.cli`): usage errors exit 2 without a traceback,
`zoo list`, refused runs create nothing."""

import pytest
from helpers import cli as zoo


@pytest.mark.parametrize(
    "args, message",
    [
        (["bench", "--models", "cnn_smal"], "unknown model 'cnn_smal'. Did you mean 'cnn_small'?"),
        (["bench", "--optimizers", "adam,nadan"], "Did you mean 'nadam'?"),
        (["bench", "--optimizers", "adam:lr=abc"], "lr='abc' is not a number"),
        (["bench", "--regularizers", "dropout:1.5"], "dropout must be a number in [0, 1)"),
        (["bench", "--profile", "quik"], "Did you mean 'quick'?"),
        (["bench", "--suite", "zo"], "unknown suite 'zo'. Did you mean 'zoo'?"),
        (["bench", "--epochs", "0"], "must be at least 1"),
        (
            ["bench", "--models", "cnn_small", "--regularizers", "spectral_norm"],
            "does not apply to model 'cnn_small'",
        ),
        (
            ["bench", "--models", "lstm", "--optimizers", "adam/sgd"],
            "a generator/discriminator pair applies only to GANs",
        ),
        (
            ["bench", "--models", "dcgan", "--regularizers", "label_smoothing:1"],
            "label_smoothing must be a number in [0, 1)",
        ),
        (["bench", "--model-options", "pooling"], "'pooling' is not key=value"),
        (
            ["bench", "--models", "bilstm", "--model-options", "pooling=avg"],
            "pooling = 'avg' is not valid; choose one of 'last', 'max_mean'",
        ),
        (["bench", "--models", "lstm", "--model-options", "widht=3"], "unknown key 'widht'"),
        (["report", "/nonexistent/folder"], "has no results/ folder"),
    ],
)
def test_usage_errors_exit_2_without_traceback(tmp_path, args, message):
    run = zoo(*args, "--out", str(tmp_path / "o")) if args[0] == "bench" else zoo(*args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "o" / "results").exists()


def test_list_commands():
    run = zoo("list", "optimizers")
    assert run.returncode == 0
    for name in [
        "sgd",
        "momentum",
        "nesterov",
        "rmsprop",
        "adagrad",
        "adadelta",
        "adam",
        "adamw",
        "nadam",
        "adamax",
        "lion",
        "lamb",
        "adafactor",
        "ftrl",
        "muon",
        "schedule_free_adamw",
    ]:
        assert f"\n{name} " in "\n" + run.stdout
    models = zoo("list", "models").stdout
    assert "cnn_vgg" in models and "bilstm" in models and "dcgan" in models
    assert "pooling='last' ('last'|'max_mean'), embedding_dropout=0.0" in models  # options
    assert "l2+dropout+batchnorm" in zoo("list", "regularizers").stdout
    profiles = zoo("list", "profiles").stdout
    assert "smoke" in profiles and "quick" in profiles and "full" in profiles
    assert "zoo" in zoo("list", "suites").stdout
    assert zoo("--help").returncode == 0 and "bench" in zoo("bench", "--help").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--data-dir", "FILE"], "a file, not a folder"),
        (["--data-dir", "MISSING"], "missing, not a folder"),
        (["--train-size", "10000000"], "--train-size 10000000 is not possible"),
        (["--optimizers", "adam:betta=1"], "Valid keywords for adam: lr,"),
    ],
)
def test_a_refused_run_creates_nothing(tmp_path, capsys, args, message):
    """Found by probing: a bad --data-dir was ignored, and a run refused for a bad size left
    OUT/results/.claims.lock behind. Refused runs exit 2 and make no folder at all."""
    from zoo.cli import main

    (tmp_path / "FILE").write_text("not a folder")
    args = [a.replace("FILE", str(tmp_path / "FILE")).replace("MISSING", str(tmp_path / "no"))
            for a in args]  # fmt: skip
    out = tmp_path / "out"
    assert main(["bench", "--profile", "smoke", "--models", "cnn_small", *args,
                 "--out", str(out)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()
