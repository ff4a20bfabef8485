"""`zoo bench`, `zoo report`, `zoo compare`, `zoo audit`: each checks what only it can
(the suite, the data, the folders), then hands the work to the bench or the report."""

from __future__ import annotations

import importlib.util
import shlex
import sys
from pathlib import Path

from zoo.cli.parser import DEFAULT_PROFILE
from zoo.errors import UsageError

# Each command imports the harness (zoo.bench, zoo.report: they import TensorFlow) when it
# runs, so that `zoo --help` and usage errors answer before TensorFlow starts.


def cmd_bench(args) -> int:
    # The harness imports TensorFlow: imported when the command runs (see above).
    from zoo.bench import expand, load_suite, preflight
    from zoo.bench.campaign import run_campaign, trial_counts, tuning_budget
    from zoo.bench.duration import estimate
    from zoo.bench.output.layout import Layout
    from zoo.bench.run.executors import make_pool
    from zoo.bench.run.provenance import versions
    from zoo.report import write_report

    if args.model or args.data:  # your own model on your own data: zoo.cli.own
        from zoo.cli.own import cmd_own

        return cmd_own(args)
    defaulted = args.profile is None  # `zoo bench` alone: say what runs before it starts
    args.profile = args.profile or DEFAULT_PROFILE
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
    make_pool(args.executor, args.jobs, args.address, check_only=True)
    if args.tensorboard and importlib.util.find_spec("tensorboard") is None:
        raise UsageError(
            "--tensorboard needs the tensorboard package: pip install 'zoo-bench[tensorboard]' "
            "(or pip install tensorboard)."
        )
    tuning_budget(trials)  # one budget per run
    low, high, counts = trial_counts(trials)
    cores = args.jobs if args.executor == "ray" else None  # a cluster: --jobs in flight
    time = estimate(trials, jobs=args.jobs, cores=cores).text(args.jobs)
    resuming = _resuming(trials, out)
    if args.dry_run:
        for t in trials:
            print(f"{t.config_hash}  {t.label}")
        if low == high == len(trials):
            counts = [counts[-1].replace("1 trials", "1 trial", low == 1)]  # once
        else:
            counts[0] = f"{len(trials)} trials listed: each cell's first seeds"
        print("\n".join([*counts, f"estimated time: {time}",
                         f"output folder: {out} (README.md and index.html there)",
                         *([resuming] if resuming else [])]))  # fmt: skip
        return 0
    if defaulted:
        print(f"zoo bench: no --profile given, so the {args.profile} profile runs ({time}). "
              "For a first report in about a minute: zoo bench --profile smoke. Ctrl-C "
              "stops; the same command resumes.", file=sys.stderr)  # fmt: skip
    preflight(trials, args.data_dir)  # missing data, impossible sizes: refused, nothing made
    Layout(out).create()
    n = f"{low} to {high} trials (tuning and racing included)" if low != high else (
        f"{low} trial{'s' * (low != 1)}")  # fmt: skip
    print(f"zoo bench: suite {suite.name!r}, profile {args.profile!r}: {n}, {time} -> {out}",
          file=sys.stderr)  # fmt: skip
    if resuming:
        print(resuming, file=sys.stderr)
    about = {
        "command": "zoo " + shlex.join(sys.argv[1:]) if sys.argv[1:] else "zoo bench",
        "suite": suite.name,
        "profile": args.profile,
        **({"notes": n} if (n := suite.profiles[args.profile].get("notes")) else {}),
        **({"description": d} if (d := suite.profiles[args.profile].get("description")) else {}),
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
        readme = write_report(out, warn=lambda m: print(m, file=sys.stderr))
        print(_where(readme, Layout(out).html), file=sys.stderr)
    return 0


def cmd_audit(args) -> int:
    # The harness imports TensorFlow: imported when the command runs (see above).
    from zoo.bench.audit import audit

    result = audit(
        args.dir, trials=args.trials, seed=args.seed, scratch=args.scratch,
        data_dir=args.data_dir, progress=not args.no_progress, jobs=args.jobs,
    )  # fmt: skip
    print("\n".join(result.lines()))
    return 0 if result.ok else 1


def cmd_report(args) -> int:
    # The report imports TensorFlow: imported when the command runs (see above).
    from zoo.bench.output.layout import Layout
    from zoo.report import write_report

    readme = write_report(args.dir, warn=lambda m: print(m, file=sys.stderr), margin=args.margin)
    print(_where(readme, Layout(args.dir).html))
    return 0


def cmd_compare(args) -> int:
    # The report imports TensorFlow: imported when the command runs (see above).
    from zoo.report.compare import compare

    sizes = {"accuracy": args.accuracy_tol, "fid": args.fid_tol}  # the flags, by metric
    for metric, size in sizes.items():
        if size is not None and not size >= 0:
            raise UsageError(f"--{metric}-tol must be a number >= 0.")
    result = compare(args.reference, args.new, tolerance=sizes)
    print("\n".join(result.lines()))
    return 1 if args.strict and not (result.ok and not result.only_new) else 0


def _where(readme: Path, html: Path) -> str:
    """The report's two files, as a run ends: the Markdown and the page to open."""
    return f"report: {readme}\n        {html} (open it in a browser)"


def _resuming(trials, out: Path) -> str | None:
    """What a run of `trials` into `out` finds already done there, in a sentence (what `zoo
    bench` and its dry run print when resuming); None where `out` holds no finished trial.

    Every trial whose configuration hash has a finished record in `out` is reused, not run:
    tuning's candidates and racing's seeds too, which the listed trials do not show."""
    from zoo.bench import Store

    done = Store(out).done_hashes()
    if not done:
        return None
    listed = sum(t.config_hash in done for t in trials)
    return (f"resuming: {out} holds {len(done)} finished trial record{'s' * (len(done) != 1)}, "
            f"{listed} of the {len(trials)} listed trial{'s' * (len(trials) != 1)} among them; "
            "a trial with a record of its configuration is reused, not run again (tuning's "
            "candidates and racing's seeds too)")  # fmt: skip
