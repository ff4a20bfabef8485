"""Figures the README and `zoo bench --help` quote come from the code (#33.7): each profile's
trial counts against `zoo list profiles` and `--dry-run`, its time against the estimate,
the README's profile table against `profiles_table()`, the `full` profile's cost against
its dry run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import cli as zoo

from zoo.bench import expand, load_suite
from zoo.bench.campaign import trial_counts
from zoo.bench.duration import estimate, trial_seconds
from zoo.cli.profiles import PROFILE_FIGURES, profiles_table

README = Path(__file__).resolve().parents[2] / "README.md"
FIX = "update PROFILE_FIGURES in zoo/cli/profiles.py, then the README's table " \
      "(python -m zoo.cli.profiles)"  # fmt: skip


def _counted(profile: str) -> str:
    """A profile's trials as the figures write them, from the code."""
    trials = expand(load_suite("zoo"), profile)
    low, high, _ = trial_counts(trials)
    return str(low) if low == high == len(trials) else f"{low}-{high} ({len(trials)} listed)"


@pytest.fixture(scope="module")
def listed() -> dict[str, str]:
    """`zoo list profiles`: profile -> its trials column."""
    out = zoo("list", "profiles").stdout
    return {m[1]: m[2] for m in re.finditer(r"^(\S+) +(\S+ trials(?: \(\d+ listed\))?)", out, re.M)}


@pytest.mark.parametrize("profile", list(PROFILE_FIGURES))
def test_trial_counts_match_the_code(profile, listed):
    trials, _ = PROFILE_FIGURES[profile]
    assert trials == _counted(profile), f"{profile}: {_counted(profile)!r}; {FIX}"
    assert listed[profile] == trials.replace(" (", " trials (", 1) if "(" in trials \
        else listed[profile] == f"{trials} trials"  # fmt: skip


@pytest.mark.parametrize("profile", ["standard", "full"])
def test_estimated_times_are_the_dry_runs(profile):
    expected = estimate(expand(load_suite("zoo"), profile), jobs=2, cores=2).text(2)
    span = expected.split(" with --jobs")[0]  # e.g. "about 8.3 to 22 h"
    assert PROFILE_FIGURES[profile][1].startswith(f"{span} with --jobs 2 (estimated"), (
        f"{profile}: {expected!r}; {FIX}"
    )


@pytest.mark.parametrize("profile, measured_s", [("smoke", 30), ("quick", 9.0 * 60)])
def test_measured_times_lie_in_the_estimates_range(profile, measured_s):
    """The measured figures (a smoke run, the reference's 9.0 min) agree with the estimate
    within its stated 'up to about twice'."""
    jobs = 2 if "--jobs 2" in PROFILE_FIGURES[profile][1] else 1
    guess = estimate(expand(load_suite("zoo"), profile), jobs=jobs, cores=2)
    assert guess.low_s / 2 <= measured_s <= guess.high_s * 2


def test_the_readme_shows_the_profiles_table():
    assert profiles_table() in README.read_text(), FIX


def test_the_readmes_full_profile_cost_is_its_dry_run():
    trials = expand(load_suite("zoo"), "full")
    text = " ".join(README.read_text().split())  # line breaks as spaces
    assert f"**The `full` profile's cost** ({len(trials):,} trials)" in text
    assert estimate(trials, jobs=2, cores=2).text(2) in text
    hours = sum(trial_seconds(t) for t in trials) / 3600
    assert f"{hours:,.0f} trial-hours in all" in text


def test_help_shows_the_same_figures():
    text = zoo("bench", "--help").stdout
    for profile, (trials, time) in PROFILE_FIGURES.items():
        assert re.search(rf"\n  {profile} +{re.escape(trials)} +{re.escape(time)}\n", text)
