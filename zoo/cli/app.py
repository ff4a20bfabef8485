"""`zoo`'s entry point: parse the arguments, start the backend, run the command, and turn a
user's mistake (`ZooError`) into one message and an exit code (2: usage, 1: runtime). The
message names the command line's options where the library's names Python arguments
(`--data-dir`, not `data_dir=`)."""

from __future__ import annotations

import re
import sys

from zoo.backend import start
from zoo.cli.commands import cmd_audit, cmd_bench, cmd_compare, cmd_report
from zoo.cli.listing import cmd_list
from zoo.cli.parser import build_parser
from zoo.errors import ZooError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    if not args.debug:
        start()
    handler = {"list": cmd_list, "bench": cmd_bench, "report": cmd_report,
               "compare": cmd_compare, "audit": cmd_audit}[args.command]  # fmt: skip
    try:
        return handler(args)
    except ZooError as exc:
        if args.debug:
            raise
        print(f"zoo: error: {cli_terms(str(exc))}\n(--debug shows the traceback)", file=sys.stderr)
        return exc.exit_code


# Python arguments that the library's messages name, and the options that set them here
_ARGUMENTS = re.compile(r"\b(data_dir|train_size|val_size|test_size|batch_size)=(\w*)")


def cli_terms(message: str) -> str:
    """`message` with `train_size=5` as `--train-size 5` and `data_dir=` as `--data-dir`."""
    return _ARGUMENTS.sub(
        lambda m: f"--{m[1].replace('_', '-')}" + (f" {m[2]}" if m[2] else ""), message
    )
