"""`zoo bench --help` teaches the command: options in groups, each with its help and default,
examples and the profiles after them; `--debug` goes before or after the subcommand, and a
usage error says where the help is and that `--debug` exists."""

import argparse

import pytest
from helpers import cli as zoo

from zoo.cli import build_parser

GROUPS = ["what to run", "sizes and budget", "fair comparison", "output", "execution"]


def _bench() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["bench"]


def test_bench_options_sit_in_the_five_groups_each_with_help_and_default():
    bench = _bench()
    groups = {g.title: g._group_actions for g in bench._action_groups if g._group_actions}
    assert [t for t in groups if t in GROUPS] == GROUPS
    grouped = {a.dest for t in GROUPS for a in groups[t]}
    options = [a for a in bench._actions if a.option_strings and a.dest != "help"]
    assert {a.dest for a in options} == grouped  # nothing left in the flat list
    for action in options:
        assert action.help and len(action.help) > 15, action.option_strings
        if action.nargs != 0:  # an option taking a value says what it is without one
            assert "default" in action.help, action.option_strings


def test_help_ends_with_examples_profiles_and_where_the_report_lands():
    run = zoo("bench", "--help")
    assert run.returncode == 0
    text = run.stdout
    for group in GROUPS:
        assert f"\n{group}:\n" in text
    examples = text.split("examples:")[1]
    assert "zoo bench --profile smoke\n" in examples
    assert "--models cnn_small --optimizers adam,sgd" in examples
    assert "--dry-run" in examples and "resumes" in examples
    for profile in ("smoke", "quick", "standard", "full"):
        assert f"\n  {profile} " in examples
    assert "OUT/README.md and OUT/index.html" in text
    assert "--epochs N" in text and "--val-size N" in text


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_subcommand(where):
    args = ["bench", "--profile", "smoke", "--dry-run"]
    parsed = build_parser().parse_args(
        ["--debug", *args] if where == "before" else [*args, "--debug"]
    )
    assert parsed.debug is True
    assert build_parser().parse_args(args).debug is False
    assert build_parser().parse_args(["list", "models", "--debug"]).debug is True


def test_usage_errors_point_to_the_help_and_to_debug():
    run = zoo("bench", "--epochs", "x")
    assert run.returncode == 2 and "'x' is not an integer" in run.stderr
    assert "zoo bench --help" in run.stderr and "--debug" in run.stderr
    run = zoo("bench", "--profile", "quik", "--dry-run")
    assert run.returncode == 2 and "Did you mean 'quick'?" in run.stderr
    assert "--debug" in run.stderr and "Traceback" not in run.stderr
