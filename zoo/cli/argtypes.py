"""argparse types for the `zoo` command's values: comma lists, counts, sizes, seeds, margins
and `key=value` options. Each raises `argparse.ArgumentTypeError`, which argparse turns into
a usage error (exit 2) naming the option."""

from __future__ import annotations

import argparse


def comma_list(text: str) -> list[str]:
    """`a,b,c` -> ['a', 'b', 'c'] (spaces stripped); an empty item is an error."""
    items = [s.strip() for s in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in the list {text!r}")
    return items


def int_at_least(low: int):
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


count, size = int_at_least(1), int_at_least(0)  # a count >= 1, a size >= 0


def margin(text: str) -> float:
    """`--margin`: a positive difference in the headline metric's units."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def seeds(text: str) -> int | str:
    """`--seeds N` (a count) or `--seeds MIN..MAX` (racing; checked by the suite)."""
    return text.strip() if ".." in text else count(text)


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


def key_values(text: str) -> dict[str, int | float | bool | str | list]:
    """`key=value,...` -> a dict; values become int, float or bool where they read as one,
    and `a/b/c` a list (`widths=24/48/96`)."""
    options: dict[str, int | float | bool | str | list] = {}
    for item in comma_list(text):
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value:
            raise argparse.ArgumentTypeError(f"{item!r} is not key=value (e.g. pooling=max_mean)")
        parts = value.split("/")
        options[key] = [_value(p) for p in parts] if len(parts) > 1 else _value(value)
    return options
