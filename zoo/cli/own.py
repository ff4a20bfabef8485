"""`zoo bench --model MODULE:FUNCTION --data FILE.npz`: benchmark your own Keras model on your
own data from the command line, through `zoo.api.Benchmark` (the same trials, resume, tuning,
racing, progress bar and report as a suite's run). Options that only a suite's run takes
(`--suite`, `--profile`, `--models`, `--datasets`, `--backend`, worker processes) are refused
with the reason, before anything is made."""

from __future__ import annotations

import shlex
import sys

from zoo.errors import UsageError

DEFAULTS = {"epochs": 5, "batch_size": 32, "seeds": 3}  # as zoo.benchmark's
# Options of a suite's run: (attribute, flag, its default).
SUITE_ONLY = [("suite", "--suite", "zoo"), ("profile", "--profile", None),
              ("models", "--models", None), ("datasets", "--datasets", None),
              ("model_options", "--model-options", None), ("data_options", "--data-options", None),
              ("backend", "--backend", None), ("jobs", "--jobs", 1),
              ("executor", "--executor", "local"), ("address", "--address", None)]  # fmt: skip


def cmd_own(args) -> int:
    """Run `zoo bench --model ... --data ...` (see the module)."""
    # The harness imports TensorFlow: imported when the command runs (zoo.cli.commands).
    from zoo.api.benchmark import DEFAULT_OPTIMIZERS, Benchmark

    if not (args.model and args.data):
        given = "--model" if args.model else "--data"
        raise UsageError(
            f"{given} needs {'--data' if args.model else '--model'} too: zoo bench --model "
            "MODULE:FUNCTION --data FILE.npz benchmarks your own model on your own data."
        )
    for attr, flag, default in SUITE_ONLY:
        if getattr(args, attr, default) != default:
            raise UsageError(
                f"{flag} applies to a suite's run; with --model, your model trains on --data in "
                "this process (drop the option)."
            )
    bench = Benchmark(
        args.model, task=args.task, optimizers=args.optimizers or DEFAULT_OPTIMIZERS,
        schedules=args.schedules or ["constant"], regularizers=args.regularizers or ["none"],
        seeds=args.seeds or DEFAULTS["seeds"], tune=None if args.tune == "off" else args.tune,
        target=args.target, directory=args.out, progress=not args.no_progress,
        tensorboard=args.tensorboard, save_weights=args.save_weights, report=not args.no_report,
    )  # fmt: skip
    plan = bench.plan(
        args.data, validation_split=args.val_size, epochs=args.epochs or DEFAULTS["epochs"],
        batch_size=args.batch_size or DEFAULTS["batch_size"], train_size=args.train_size,
        test_size=args.test_size, data_dir=args.data_dir,
    )  # fmt: skip
    if args.dry_run:
        for t in plan.trials:
            print(f"{t.config_hash}  {t.label}")
        print("\n".join(plan.counts()))
        print(f"output: {plan.directory}")
        return 0
    command = "zoo " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "zoo bench"
    try:
        result = bench.run(plan, command=command, data_dir=args.data_dir)
    except KeyboardInterrupt:
        print(f"\ninterrupted. Finished trials are saved in {plan.directory}/results; run the "
              "same command again to resume where it stopped.", file=sys.stderr)  # fmt: skip
        return 130
    print(f"ran {result.ran} trials, skipped {result.skipped} already done.", file=sys.stderr)
    print(result)
    return 0
