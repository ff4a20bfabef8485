"""Command-line interface: `zoo list`, `zoo bench`, `zoo report`, `zoo compare`, `zoo audit`.

A thin layer over `zoo.bench` and `zoo.report`. User mistakes (`ZooError`) print one clear
message and exit with code 2 (usage) or 1 (runtime); `--debug` adds the traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from zoo import __version__
from zoo.errors import UsageError, ZooError

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
    p.add_argument("--profile", default="quick", help="smoke, quick or full (default: quick)")
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
        metavar="lr:K",
        help="give every optimizer K learning rates (log grid around its default, one seed), "
        "choose on validation, run the choice with all seeds; 'off' disables a suite's tuning",
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
    p.add_argument("--data-dir", help="folder with the data files (default: search order)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")

    p = sub.add_parser("report", help="write the report for a folder of trial records")
    p.add_argument("dir", help="a folder made by `zoo bench --out DIR`")

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
    p.add_argument("--accuracy-tol", type=float, default=0.015,
                   help="absolute tolerance on accuracy (default: 0.015 = 1.5 pp)")  # fmt: skip
    p.add_argument("--fid-tol", type=float, default=0.10,
                   help="relative tolerance on FID (default: 0.10 = 10%%)")  # fmt: skip
    p.add_argument("--strict", action="store_true",
                   help="exit with 1 when a cell differs or is missing")  # fmt: skip
    return parser


def cmd_list(args) -> int:
    if args.what == "models" and args.pretrained:
        from zoo.models.pretrained import cards, headline

        for tag, c in cards().items():
            metric, value = headline(c)
            mb = sum(f["bytes"] for f in c["files"].values()) / 1e6
            print(f"{tag:24s} test {metric} {value:.4f}  {mb:5.1f} MB  {c['split']}")
    elif args.what == "models":
        from zoo.models import list_models, model_info

        for name in list_models():
            info = model_info(name)
            print(f"{name:10s} {info.task:21s} {info.dataset:14s} {info.description}")
            options = ", ".join(f"{k}={v}" for k, v in info.options().items())
            print(f"{'':10s} model_options: {options or '-'}")
    elif args.what == "optimizers":
        from zoo.specs.optimizers import NOTES, OPTIMIZERS, muon_split

        for name, (cls, kwargs) in OPTIMIZERS.items():
            extra = ", ".join(f"{k}={v}" for k, v in kwargs.items())
            print(f"{name:19s} keras.optimizers.{cls}({extra})")
            if name in NOTES:
                print(f"{'':19s} {NOTES[name]}")
            if name == "muon":
                from zoo.models import build, list_models

                for model in list_models():
                    print(f"{'':19s}   {model}: {muon_split(build(model))}")
    elif args.what == "schedules":
        from zoo.specs import SCHEDULES

        for name, (params, _, description) in SCHEDULES.items():
            spec = ":".join([name, *(f"{k}={v:g}" for k, v in params.items())])
            print(f"{spec:34s} {description}")
    elif args.what == "regularizers":
        from zoo.models import list_models, model_info
        from zoo.specs import REGULARIZERS, parse_regularizer

        for name in REGULARIZERS:
            r = parse_regularizer(name)
            fields = {k: v for k, v in r.to_config().items() if v}
            models = [m for m in list_models() if r.components <= set(model_info(m).regularizers)]
            settings = " ".join(k if v is True else f"{k}={v:g}" for k, v in fields.items())
            print(f"{name:30s} {settings or '-':34s} models: {', '.join(models)}")
    elif args.what == "suites":
        from zoo.bench import list_suites, load_suite

        for name, path in list_suites().items():
            print(f"{name:10s} {load_suite(str(path)).description}  ({path})")
    elif args.what == "datasets":
        from zoo.data import DATASETS

        for name, info in DATASETS.items():
            print(f"{name:14s} {info.description}")
        print(f"{'tfds:NAME':14s} any TensorFlow Datasets image or text classification set, "
              "e.g. tfds:kmnist, tfds:cifar10, tfds:imdb_reviews (--datasets)")  # fmt: skip
    else:  # profiles
        from zoo.bench import expand, load_suite

        suite = load_suite(args.suite)
        for name, prof in suite.profiles.items():
            n = len(expand(suite, name))
            print(f"{name:8s} {n:4d} trials  {prof.get('description', '')}")
    return 0


def cmd_bench(args) -> int:
    from zoo.bench import expand, load_suite
    from zoo.bench.campaign import run_campaign, tuning_budget
    from zoo.bench.provenance import versions

    suite = load_suite(args.suite)
    overrides = {
        "models": args.models,
        "optimizers": args.optimizers,
        "regularizers": args.regularizers,
        "schedules": args.schedules,
        "datasets": args.datasets,
        "seeds": args.seeds,
        "epochs": args.epochs,
        "train_size": args.train_size,
        "val_size": args.val_size,
        "test_size": args.test_size,
        "batch_size": args.batch_size,
        "tune": args.tune,
        "target": args.target,
        "backend": args.backend,
        "model_options": args.model_options,
        "data_options": args.data_options,
    }
    notes: list[str] = []
    trials = expand(suite, args.profile, overrides, versions=versions(), notes=notes)
    for note in dict.fromkeys(notes):
        print(f"note: {note}", file=sys.stderr)
    out = Path(args.out or f"runs/{suite.name}-{args.profile}")
    # Bad settings exit 2 here, before any folder is made.
    from zoo.bench.executors import make_pool

    make_pool(args.executor, args.jobs, args.address, check_only=True)
    if args.tensorboard:
        import importlib.util

        if importlib.util.find_spec("tensorboard") is None:
            raise UsageError(
                "--tensorboard needs the tensorboard package: pip install 'zoo[tensorboard]' "
                "(or pip install tensorboard)."
            )
    budget = tuning_budget(trials)
    if args.dry_run:
        return _dry_run(trials, budget)
    from zoo.bench import preflight

    preflight(trials, args.data_dir)  # missing data, impossible sizes: refused, nothing made
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(
            f"cannot write to the output folder {out}: {exc.strerror}. Choose a writable --out."
        ) from exc
    print(
        f"zoo bench: suite {suite.name!r}, profile {args.profile!r}: {len(trials)} trials -> {out}",
        file=sys.stderr,
    )
    about = {
        "command": "zoo " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "zoo bench",
        "suite": suite.name,
        "profile": args.profile,
    }
    try:
        summary, run = run_campaign(
            trials,
            out,
            about=about,
            log=lambda line: print(line, file=sys.stderr),
            data_dir=args.data_dir,
            progress=not args.no_progress,
            save_weights=args.save_weights,
            tensorboard=args.tensorboard,
            jobs=args.jobs,
            executor=args.executor,
            address=args.address,
        )
    except KeyboardInterrupt:
        print(
            f"\ninterrupted. Finished trials are saved in {out}/results; run the same command "
            "again to resume where it stopped.",
            file=sys.stderr,
        )
        return 130
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(summary.statuses.items())) or "none run"
    print(
        f"ran {summary.ran} trials ({statuses}), skipped {summary.skipped} already done, "
        f"in {summary.wall_time_s / 60:.1f} min.",
        file=sys.stderr,
    )
    if summary.elsewhere:
        print(
            f"{summary.elsewhere} trials were being run by another zoo process on {out}; "
            "the report covers what is finished. Run `zoo report` (or this command) again "
            "once that process ends.",
            file=sys.stderr,
        )
    if not args.no_report:
        from zoo.report import write_report

        readme = write_report(out, warn=lambda m: print(m, file=sys.stderr))
        print(f"report: {readme}", file=sys.stderr)
    return 0


def _dry_run(trials, budget: str | None) -> int:
    """List the trials and say how many the run may take, tuning and racing included."""
    from zoo.bench.racing import trial_counts

    for t in trials:
        print(f"{t.config_hash}  {t.label}")
    plain = [t for t in trials if not t.tune]
    low, high = trial_counts(plain)
    lines = [f"{len(trials)} trials"]
    if budget:
        from zoo.bench.tune import parse_budget, plan

        k = parse_budget(budget)
        cells = list(plan([t for t in trials if t.tune], k).values())
        tuned = [c for c in cells if not c["skip"]]
        # A tuned cell: its K candidates at its first seed, then its seeds at the chosen rate
        # (the first of them is the chosen candidate itself).
        for c in cells:
            seeds, race = len(c["seeds"]), c["trial"].race
            extra = k - 1 if not c["skip"] else 0
            low += extra + seeds
            high += extra + max(seeds, race[1] if race else 0)
        lines.append(f"tuning {budget}: {len(tuned)} cells, {k} candidates each (one seed)")
    if any(t.race for t in trials):
        lines.append(f"racing: between {low} and {high} trials in all")
    else:
        lines.append(f"{low}..{high} trials in all" if low != high else f"{low} trials in all")
    print("\n".join(lines))
    return 0


def cmd_audit(args) -> int:
    from zoo.bench.audit import audit

    result = audit(args.dir, trials=args.trials, seed=args.seed, scratch=args.scratch,
                   data_dir=args.data_dir, progress=not args.no_progress)  # fmt: skip
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def cmd_report(args) -> int:
    from zoo.report import write_report

    readme = write_report(args.dir, warn=lambda m: print(m, file=sys.stderr))
    print(f"report: {readme}")
    return 0


def cmd_compare(args) -> int:
    from zoo.report.compare import compare

    for name in ("accuracy_tol", "fid_tol"):
        if not getattr(args, name) >= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be a number >= 0.")
    result = compare(args.reference, args.new, accuracy_tol=args.accuracy_tol,
                     fid_tol=args.fid_tol)  # fmt: skip
    print("\n".join(result.lines()))
    return 1 if args.strict and not (result.ok and not result.only_new) else 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    if not args.debug:
        from zoo.backend import start

        start()
    handler = {"list": cmd_list, "bench": cmd_bench, "report": cmd_report,
               "compare": cmd_compare, "audit": cmd_audit}[args.command]  # fmt: skip
    try:
        return handler(args)
    except ZooError as exc:
        if args.debug:
            raise
        print(f"zoo: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
