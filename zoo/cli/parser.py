"""The `zoo` command's arguments: what each subcommand takes, parsed and type-checked.

argparse itself exits with code 2 and a usage line for a malformed flag; everything that
needs the suite or the data to judge is checked by the commands (`zoo.cli.commands`).
`zoo bench --help` shows its options in groups, each with its default, and ends with
examples and the profiles (`zoo.cli.profiles`).
"""

from __future__ import annotations

import argparse
import sys
import textwrap

from zoo import __version__
from zoo.cli.argtypes import comma_list, count, key_values, margin, seeds, size
from zoo.cli.profiles import bench_epilog

_options = key_values  # the name the tests of `model_options` grids import

LISTABLE = ["models", "optimizers", "schedules", "regularizers", "profiles", "suites", "datasets"]
DEFAULT_SUITE = "zoo"
DEFAULT_PROFILE = "quick"
DEBUG_HELP = "show the traceback of an error (before or after the subcommand)"


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose usage errors (exit 2) also say where the help is and that
    `--debug` shows tracebacks."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\nSee `{self.prog} --help` for the options "
                  "and examples; add --debug to any zoo command for a traceback.\n")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="zoo",
        description="A Keras 3 model zoo and a benchmark of optimizers and regularizers.",
        epilog="Examples:\n  zoo bench --profile smoke     # a first report in about a minute\n"
        "  zoo bench --help              # every option, examples, the profiles\n"
        "  zoo list models\n  zoo report runs/zoo-smoke",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"zoo {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "list", help="list models, optimizers, schedules, regularizers, profiles, suites"
    )
    p.add_argument("what", nargs="?", default="models", choices=LISTABLE,
                   help="what to list (default: models)")  # fmt: skip
    p.add_argument("--suite", default=DEFAULT_SUITE,
                   help=f"suite whose profiles to list (default: {DEFAULT_SUITE})")  # fmt: skip
    p.add_argument(
        "--pretrained",
        action="store_true",
        help="models: the shipped pretrained tags (zoo.build(TAG, pretrained=True))",
    )
    _debug(p)
    _add_bench(sub)
    _add_audit(sub)

    p = sub.add_parser("report", help="write the report for a folder of trial records")
    p.add_argument("dir", help="a folder made by `zoo bench --out DIR`")
    p.add_argument("--margin", type=margin, default=None,
                   help="equivalence margin, in the headline metric's units (0.01 = 1 pp of "
                   "accuracy): a cell not separated from its table's leader is called "
                   "equivalent only where the 95%% CI of the difference lies inside it "
                   "(default: the test split's binomial noise floor; none for FID)")  # fmt: skip
    _debug(p)

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
    _debug(p)
    return parser


def _debug(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """`--debug` after the subcommand too; not given there, the top-level flag's value stays."""
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)


def _add_bench(sub) -> None:
    p = sub.add_parser(
        "bench",
        help="train a suite's trials and write a report",
        description=textwrap.fill(
            "Train models x optimizers x schedules x regularizers x seeds from a suite file "
            "under one of its profiles, skipping trials whose record already exists, then "
            "write the report. Lists are comma-separated; options override the suite file. "
            f"Without --profile, the {DEFAULT_PROFILE} profile runs (10 min or more on 2 cores): "
            "start with --profile smoke.",
            88,
        ),
        epilog=bench_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    what = p.add_argument_group("what to run")
    what.add_argument("--suite", default=DEFAULT_SUITE, metavar="NAME|FILE",
                      help="suite name or TOML path (`zoo list suites`; default: zoo)")  # fmt: skip
    what.add_argument(
        "--profile",
        default=None,
        metavar="NAME",
        help="the suite's profile; zoo's: smoke, quick, standard, full (`zoo list profiles`; "
        f"default: {DEFAULT_PROFILE})",
    )
    profile = "(default: the profile's)"
    what.add_argument("--models", type=comma_list, metavar="LIST",
                      help="model builders, e.g. cnn_small,cnn_vgg (`zoo list models`; "
                      "default: the profile's)")  # fmt: skip
    what.add_argument("--optimizers", type=comma_list, metavar="LIST",
                      help="e.g. adam,sgd:lr=0.05,nesterov (`zoo list optimizers`; default: "
                      "the profile's)")  # fmt: skip
    what.add_argument(
        "--schedules",
        type=comma_list,
        metavar="LIST",
        help="learning-rate schedules, e.g. constant,cosine,warmup_cosine:warmup=0.1 "
        "(`zoo list schedules`; default: the profile's, else constant)",
    )
    what.add_argument(
        "--regularizers",
        type=comma_list,
        metavar="LIST",
        help="e.g. none,l2:1e-4,dropout+batchnorm,augment+label_smoothing (`zoo list "
        "regularizers`; default: the profile's)",
    )
    what.add_argument(
        "--datasets",
        type=comma_list,
        metavar="LIST",
        help="train on these data sets instead of each model's own, where the input fits: "
        "a built-in one or any TFDS classification set, e.g. tfds:kmnist,tfds:cifar10 "
        "(default: each model's own)",
    )
    what.add_argument(
        "--model-options", type=key_values, metavar="K=V,...",
        help="keyword arguments of the model builder, added to the suite's model_options "
        "(e.g. pooling=max_mean,embedding_dropout=0.2, a list as widths=24/48/96; `zoo list "
        "models` names them; default: none added)",
    )  # fmt: skip
    what.add_argument("--model", metavar="MODULE:FUNCTION",
                      help="your own model instead of a suite's (with --data; in Python: "
                      "zoo.benchmark): a function returning an uncompiled keras.Model, which may "
                      "take input_shape and num_classes (default: none)")  # fmt: skip
    what.add_argument("--data", metavar="FILE.npz|NAME",
                      help="--model's data: an .npz of x_train, y_train, optionally x_val, "
                      "y_val, x_test, y_test (no x_test: 20%% of train is the test split; no "
                      "x_val: --val-size, default 20%% per seed), or a data set zoo knows "
                      "(default: none)")  # fmt: skip
    what.add_argument("--task", default="classification", metavar="TASK",
                      help="--model's task: classification (softmax, labels 0..K-1), "
                      "binary_classification (one sigmoid unit) or regression (MSE) (default: "
                      "classification)")  # fmt: skip
    what.add_argument(
        "--data-options", type=key_values, metavar="K=V,...",
        help="options of the data set, added to the suite's data_options "
        "(e.g. sequence_length=400 for imdb; default: none added)",
    )  # fmt: skip

    sizes = p.add_argument_group("sizes and budget")
    sizes.add_argument("--epochs", type=count, metavar="N",
                       help=f"training epochs per trial {profile}")  # fmt: skip
    sizes.add_argument("--batch-size", type=count, metavar="N",
                       help=f"examples per training step {profile}")  # fmt: skip
    sizes.add_argument("--train-size", type=count, metavar="N",
                       help=f"training examples, validation not included {profile}")  # fmt: skip
    sizes.add_argument(
        "--val-size", type=size, metavar="N",
        help="validation examples, held out of the training split besides --train-size; 0: "
        f"none {profile}",
    )  # fmt: skip
    sizes.add_argument("--test-size", type=count, metavar="N", help=f"test examples {profile}")

    fair = p.add_argument_group("fair comparison")
    fair.add_argument(
        "--seeds", type=seeds, metavar="N|MIN..MAX",
        help="N: seeds 0..N-1; MIN..MAX: racing, every cell gets MIN seeds and contested "
        f"cells (not separated from their table's leader) up to MAX {profile}",
    )  # fmt: skip
    fair.add_argument(
        "--tune",
        metavar="lr|lr+wd[:CAP]",
        help="tune every cell's learning rate (lr+wd: and the weight decay of adamw, lion, "
        "lamb, muon, schedule_free_adamw) by the same bracketing search on validation, with "
        "a tuning seed no table counts, at most CAP trials per cell (default 24); run the "
        f"choice with the cell's seeds. 'off' disables a suite's tuning {profile}",
    )
    fair.add_argument(
        "--target", type=float, metavar="ACC",
        help="target validation accuracy: records store the epoch, step and second it was "
        f"reached {profile}",
    )  # fmt: skip
    fair.add_argument(
        "--backend",
        type=comma_list,
        metavar="LIST",
        help="Keras backend(s) to run the trials under: tensorflow, jax, torch (a comma list "
        "compares them); others than this process's run in worker processes (default: the "
        "profile's, else this process's, tensorflow unless KERAS_BACKEND says otherwise)",
    )

    out = p.add_argument_group("output")
    out.add_argument("--out", metavar="DIR", help="output folder; a second run resumes there "
                     "(default: runs/<suite>-<profile>)")  # fmt: skip
    out.add_argument("--dry-run", action="store_true",
                     help="list the trials, their count, an estimated time and the output "
                     "folder; train nothing")  # fmt: skip
    out.add_argument("--no-report", action="store_true",
                     help="write no report (default: README.md and index.html)")  # fmt: skip
    out.add_argument(
        "--save-weights",
        action="store_true",
        help="keep each trained model's weights beside its record (results/<hash>.weights.h5)",
    )
    out.add_argument(
        "--tensorboard",
        action="store_true",
        help="write each trial's TensorBoard logs to OUT/tensorboard/<config_hash>/ and the "
        "HParams table of every trial's hyperparameters and metrics (`tensorboard --logdir "
        "OUT/tensorboard`)",
    )

    run = p.add_argument_group("execution")
    run.add_argument(
        "--jobs", type=count, default=1, metavar="N",
        help="run trials in N worker processes, each capped to cores/N threads (default: 1, "
        "in this process; 2 on a 2-core CPU is ~1.3x faster)",
    )  # fmt: skip
    run.add_argument(
        "--executor",
        choices=["local", "ray"],
        default="local",
        help="local (this machine) or ray: each trial is a Ray task with declared CPUs "
        "(default: local)",
    )
    run.add_argument("--address", metavar="ADDR",
                     help="with --executor ray: the cluster (default: start one here)")  # fmt: skip
    run.add_argument("--data-dir", metavar="DIR",
                     help="folder with the data files (default: the search order of the "
                     "README's Data section: $ZOO_DATA_DIR, the Keras cache, ...)")  # fmt: skip
    run.add_argument("--no-progress", action="store_true",
                     help="no progress bar (default: one while trials run)")  # fmt: skip
    _debug(run)


def _add_audit(sub) -> None:
    p = sub.add_parser(
        "audit",
        help="re-run a seeded sample of a report's trials and check their numbers",
        description="Re-run a seeded random sample of DIR's trials (spread over its tables) in "
        "a scratch folder and compare each headline metric with the record's: exactly where "
        "the machine, versions and thread count match, else within zoo compare's tolerances. "
        "Prints a one-line verdict and every trial that differs; exit 1 if any does.",
    )
    p.add_argument("dir", help="a report folder, e.g. reports/standard")
    p.add_argument("--trials", type=count, default=12, help="how many trials (default 12)")
    p.add_argument("--seed", type=size, default=0, help="which sample (default 0)")
    p.add_argument("--scratch", help="keep the re-run records here (default: a temporary folder)")
    p.add_argument(
        "--jobs", type=count, default=None,
        help="trials at a time (default: as many as made the sampled records, so that the "
        "thread counts match and the numbers can match exactly)",
    )  # fmt: skip
    p.add_argument("--data-dir", help="folder with the data files (default: search order)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    _debug(p)
