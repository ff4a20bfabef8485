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


def closest(name: str, valid: Iterable[str]) -> str | None:
    """The valid name most similar to `name`, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.5)
    return matches[0] if matches else None


def unknown_name(kind: str, name: str, valid: Iterable[str]) -> UsageError:
    """A `UsageError` for an unknown `kind` name that lists the valid names and the closest."""
    valid = list(valid)
    hint = closest(name, valid)
    msg = f"unknown {kind} {name!r}."
    if hint:
        msg += f" Did you mean {hint!r}?"
    msg += f" Valid {kind}s: {', '.join(valid)}."
    return UsageError(msg)
