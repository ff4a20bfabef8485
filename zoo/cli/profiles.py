"""What `zoo bench --help` and the README say about the zoo suite's profiles: how many trials
each runs and how long it takes on a 2-core CPU, and the examples a newcomer starts from.

Kept as text so that `zoo bench --help` answers before TensorFlow starts (counting a profile's
trials expands its suite, which imports Keras). `tests/cli/test_figures.py` checks every count
against `zoo list profiles` and `zoo bench --dry-run`, and the README's profile table against
`profiles_table()`; the times are measured (smoke, quick) or `--dry-run`'s estimates.
"""

from __future__ import annotations

# profile -> (trials: "N" or "LOW-HIGH (N listed)", time on a 2-core CPU: measured, or
# `--dry-run`'s estimate with --jobs 2)
PROFILE_FIGURES: dict[str, tuple[str, str]] = {
    "smoke": ("10", "about 30 s (measured): the quickest first report"),
    "quick": ("170-412 (48 listed)", "10 min with --jobs 2 (measured: make bench)"),
    "standard": (
        "658-1478 (174 listed)",
        "about 8.1 to 18 h with --jobs 2 (estimated, fewest to most; "
        "the committed run: 731 trials in 8.7 h)",
    ),
    "full": ("5060", "about 46 days with --jobs 2 (estimated); meant for a GPU"),
}

EXAMPLES = [
    ("zoo bench --profile smoke", "a first report in about a minute"),
    (
        "zoo bench --profile smoke --models cnn_small --optimizers adam,sgd",
        "one model x two optimizers",
    ),  # fmt: skip
    ("zoo bench --profile quick --dry-run", "list the trials, estimate the time, train nothing"),
    (
        "zoo bench --profile quick --jobs 2 --out runs/quick",
        "stopped (Ctrl-C)? The same command resumes",
    ),  # fmt: skip
]


def bench_epilog() -> str:
    """`zoo bench --help`'s closing text: examples, the profiles, where the report lands."""
    lines = ["examples:"]
    for command, what in EXAMPLES:
        lines += [f"  {command}", f"      {what}"]
    lines += ["", "profiles of the zoo suite (trials; time on a 2-core CPU):"]
    for name, (trials, time) in PROFILE_FIGURES.items():
        lines.append(f"  {name:9s} {trials:22s} {time}")
    lines += [
        "  'N listed': each cell's first seeds, which --dry-run lists; tuning and racing add",
        "  the rest. `zoo list profiles` describes each profile; --dry-run estimates a run.",
        "",
        "A run writes its report to OUT/README.md and OUT/index.html (one page to open in a",
        "browser); OUT is --out, by default runs/<suite>-<profile>.",
    ]
    return "\n".join(lines)


def profiles_table() -> str:
    """The profiles as the README's Markdown table (between its `profiles-table` markers)."""
    rows = ["| profile | trials | time on a 2-core CPU |", "|---|---|---|"]
    for name, (trials, time) in PROFILE_FIGURES.items():
        rows.append(f"| `{name}` | {trials} | {time} |")
    return "\n".join(rows)


if __name__ == "__main__":  # the README's table: python -m zoo.cli.profiles
    print(profiles_table())
