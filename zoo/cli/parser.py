"""The `zoo` command's arguments: what each subcommand takes, parsed and type-checked.

argparse itself exits with code 2 and a usage line for a malformed flag; everything that
needs the suite or the data to judge is checked by the commands (`zoo.cli.commands`).
"""

from __future__ import annotations

import argparse

from zoo import __version__

LISTABLE = ["models", "optimizers", "schedules", "regularizers", "profiles", "suites", "datasets"]
DEFAULT_SUITE = "zoo"


def _csv(text: str) -> list[str]:
    items = [s.strip() for s in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in the list {text!r}")
    return items


def _int_at_least(low: int):
    """An argparse type: an integer >= `low`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


_count, _size = _int_at_least(1), _int_at_least(0)


def _margin(text: str) -> float:
    """`--margin`: a positive difference in the headline metric's units."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _seeds(text: str) -> int | str:
    """`--seeds N` (a count) or `--seeds MIN..MAX` (racing; checked by the suite)."""
    return text.strip() if ".." in text else _count(text)


def _value(text: str) -> int | float | bool | str:
    """int, float or bool where `text` reads as one, else the text."""
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _options(text: str) -> dict[str, int | float | bool | str | list]:
    """`key=value,...` -> a dict; values become int, float or bool where they read as one,
    and `a/b/c` a list (`widths=24/48/96`)."""
    options: dict[str, int | float | bool | str | list] = {}
    for item in _csv(text):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value:
            raise argparse.ArgumentTypeError(f"{item!r} is not key=value (e.g. pooling=max_mean)")
        parts = value.split("/")
        options[key] = [_value(p) for p in parts] if len(parts) > 1 else _value(value)
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zoo",
        description="A Keras 3 model zoo and a benchmark of optimizers and regularizers.",
        epilog="Examples:\n  zoo list models\n  zoo bench --profile smoke --models cnn_small "
        "--optimizers adam,sgd\n  zoo report runs/smoke",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"zoo {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "list", help="list models, optimizers, schedules, regularizers, profiles, suites"
    )
    p.add_argument("what", nargs="?", default="models", choices=LISTABLE)
    p.add_argument("--suite", default=DEFAULT_SUITE, help="suite whose profiles to list")
    p.add_argument(
        "--pretrained",
        action="store_true",
        help="models: the shipped pretrained tags (zoo.build(TAG, pretrained=True))",
    )

    p = sub.add_parser(
        "bench",
        help="train a suite's trials and write a report",
        description="Run models x optimizers x regularizers x seeds from a suite file under a "
        "profile, skipping trials whose record already exists, then write the report. "
        "Lists are comma-separated; flags override the suite file.",
    )
    p.add_argument("--suite", default=DEFAULT_SUITE, help="suite name or TOML path (default: zoo)")
    p.add_argument(
        "--profile",
        default="quick",
        help="the suite's profile; zoo's: smoke, quick, standard, full (`zoo list profiles`; "
        "default: quick)",
    )
    p.add_argument("--models", type=_csv, help="e.g. cnn_small,cnn_vgg")
    p.add_argument("--optimizers", type=_csv, help="e.g. adam,sgd:lr=0.05,nesterov")
    p.add_argument(
        "--datasets",
        type=_csv,
        help="train on these data sets instead of each model's own, where the input fits: "
        "a built-in one or any TFDS classification set, e.g. tfds:kmnist,tfds:cifar10",
    )
    p.add_argument(
        "--schedules",
        type=_csv,
        help="learning-rate schedules, e.g. constant,cosine,warmup_cosine:warmup=0.1 "
        "(`zoo list schedules`; default: constant)",
    )
    p.add_argument(
        "--regularizers",
        type=_csv,
        help="e.g. none,l2:1e-4,dropout+batchnorm,augment+label_smoothing",
    )
    p.add_argument(
        "--seeds",
        type=_seeds,
        help="N: seeds 0..N-1; MIN..MAX: racing, every cell gets MIN seeds and contested "
        "cells (not separated from their table's leader) up to MAX",
    )
    p.add_argument("--epochs", type=_count)
    p.add_argument("--train-size", type=_count, help="training examples (default: profile's)")
    p.add_argument("--val-size", type=_size, help="validation examples carved from train")
    p.add_argument("--test-size", type=_count, help="test examples (default: profile's)")
    p.add_argument("--batch-size", type=_count)
    p.add_argument(
        "--tune",
        metavar="lr|lr+wd[:CAP]",
        help="tune every cell's learning rate (lr+wd: and the weight decay of adamw, lion, "
        "lamb, muon, schedule_free_adamw) by the same bracketing search on validation, with "
        "a tuning seed no table counts, at most CAP trials per cell (default 24); run the "
        "choice with the cell's seeds. 'off' disables a suite's tuning",
    )
    p.add_argument(
        "--target",
        type=float,
        help="target validation accuracy: records store the epoch and second it was reached",
    )
    p.add_argument(
        "--model-options",
        type=_options,
        metavar="K=V,...",
        help="keyword arguments of the model builder, added to the suite's model_options "
        "(e.g. pooling=max_mean,embedding_dropout=0.2, a list as widths=24/48/96; `zoo list "
        "models` names them)",
    )
    p.add_argument(
        "--data-options",
        type=_options,
        metavar="K=V,...",
        help="options of the data set, added to the suite's data_options "
        "(e.g. sequence_length=400 for imdb)",
    )
    p.add_argument("--out", help="output folder (default: runs/<suite>-<profile>)")
    p.add_argument("--data-dir", help="folder with the data files (default: search order)")
    p.add_argument("--dry-run", action="store_true", help="list the trials, train nothing")
    p.add_argument("--no-report", action="store_true", help="do not write the report")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--backend",
        type=_csv,
        help="Keras backend(s) to run the trials under: tensorflow, jax, torch (comma list "
        "compares them); others than this process's run in worker processes",
    )
    p.add_argument(
        "--jobs",
        type=_count,
        default=1,
        help="run trials in N worker processes (each capped to cores/N threads); default 1: "
        "in this process",
    )
    p.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="local (this machine) or ray: each trial is a Ray task with declared CPUs",
    )
    p.add_argument("--address", help="with --executor ray: the cluster (default: start one here)")
    p.add_argument(
        "--tensorboard",
        action="store_true",
        help="write each trial's TensorBoard logs to OUT/tensorboard/<config_hash>/ "
        "(compare trials with `tensorboard --logdir OUT/tensorboard`)",
    )
    p.add_argument(
        "--save-weights",
        action="store_true",
        help="keep each trained model's weights beside its record (results/<hash>.weights.h5)",
    )

    p = sub.add_parser(
        "audit",
        help="re-run a seeded sample of a report's trials and check their numbers",
        description="Re-run a seeded random sample of DIR's trials (spread over its tables) in "
        "a scratch folder and compare each headline metric with the record's: exactly where "
        "the machine, versions and thread count match, else within zoo compare's tolerances. "
        "Prints a one-line verdict and every trial that differs; exit 1 if any does.",
    )
    p.add_argument("dir", help="a report folder, e.g. reports/standard")
    p.add_argument("--trials", type=_count, default=12, help="how many trials (default 12)")
    p.add_argument("--seed", type=_size, default=0, help="which sample (default 0)")
    p.add_argument("--scratch", help="keep the re-run records here (default: a temporary folder)")
    p.add_argument(
        "--jobs", type=_count, default=None,
        help="trials at a time (default: as many as made the sampled records, so that the "
        "thread counts match and the numbers can match exactly)",
    )  # fmt: skip
    p.add_argument("--data-dir", help="folder with the data files (default: search order)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("report", help="write the report for a folder of trial records")
    p.add_argument("dir", help="a folder made by `zoo bench --out DIR`")
    p.add_argument("--margin", type=_margin, default=None,
                   help="equivalence margin, in the headline metric's units (0.01 = 1 pp of "
                   "accuracy): a cell not separated from its table's leader is called "
                   "equivalent only where the 95%% CI of the difference lies inside it "
                   "(default: the test split's binomial noise floor; none for FID)")  # fmt: skip

    p = sub.add_parser(
        "compare",
        help="say whether a run reproduced a reference, cell by cell",
        description="Compare the tables of two result folders (two machines, versions or "
        "backends): each optimizer x regularizer cell's mean over seeds, accuracy within an "
        "absolute tolerance, FID within a relative one. Prints a one-line verdict and every "
        "cell that differs.",
    )
    p.add_argument("reference", help="the reference folder, e.g. reports/quick")
    p.add_argument("new", help="the folder to check, e.g. runs/quick")
    p.add_argument("--accuracy-tol", type=float, default=None,
                   help="absolute tolerance on accuracy (default: the task table's, "
                   "0.015 = 1.5 pp)")  # fmt: skip
    p.add_argument("--fid-tol", type=float, default=None,
                   help="relative tolerance on FID (default: the task table's, "
                   "0.10 = 10%%)")  # fmt: skip
    p.add_argument("--strict", action="store_true",
                   help="exit with 1 when a cell differs or is missing")  # fmt: skip
    return parser
