"""Errors that reach the user as a clear message instead of a traceback.

`ZooError` subclasses carry an exit code: 2 for mistakes the user can fix (a wrong name, a bad
override, missing or damaged data), 1 for failures at run time. The CLI prints the message and
exits with that code; `--debug` shows the traceback as well.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class ZooError(Exception):
    """Base class for errors that zoo reports to the user."""

    exit_code = 1


class UsageError(ZooError):
    """The user asked for something that does not exist or is malformed."""

    exit_code = 2


class DataError(ZooError):
    """A data file is missing, truncated, corrupt or not the expected file."""

    exit_code = 2


def _typo_distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn `a` into `b`."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        prev2, prev = prev, row
    return prev[-1]


def closest(name: str, valid: Iterable[str]) -> str | None:
    """The valid name most similar to `name`, or None when nothing is close.

    Typos first (fewest edits, a swap of two letters counting as one: `adma` -> `adam`), then
    difflib's similarity for the rest.
    """
    valid = list(valid)
    typos = [(_typo_distance(name, v), v) for v in valid]
    best = min(typos, default=None)
    if best and best[0] <= max(1, len(name) // 4):
        return best[1]
    matches = difflib.get_close_matches(name, valid, n=1, cutoff=0.5)
    return matches[0] if matches else None


def unknown_key(where: str, key: str, valid: Iterable[str]) -> UsageError:
    """A `UsageError` for a key (suite setting, builder option) that `where` does not take."""
    valid = sorted(valid)
    hint = closest(key, valid)
    return UsageError(
        f"{where}: unknown key {key!r}"
        + (f" (did you mean {hint!r}?)" if hint else "")
        + f". Valid keys: {', '.join(valid) or 'none'}."
    )


def unknown_name(
    kind: str, name: str, valid: Iterable[str], plural: str | None = None
) -> UsageError:
    """A `UsageError` for an unknown `kind` name that lists the valid names and the closest;
    `plural` spells the list's heading where `kind + "s"` reads wrongly."""
    valid = list(valid)
    hint = closest(name, valid)
    msg = f"unknown {kind} {name!r}."
    if hint:
        msg += f" Did you mean {hint!r}?"
    msg += f" Valid {plural or kind + 's'}: {', '.join(valid)}."
    return UsageError(msg)
