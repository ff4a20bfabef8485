"""Shared parsing of `name:value` and `name:key=value:key=value` spec strings."""

from __future__ import annotations

import math

from zoo.errors import UsageError


def split_spec(spec: str) -> tuple[str, list[str], dict[str, str]]:
    """Split `name:a:k=v` into the lower-cased name, positional values and keyword values."""
    if not isinstance(spec, str) or not spec.strip():
        raise UsageError(f"empty spec {spec!r}: give a name such as 'adam' or 'l2:1e-4'.")
    name, *parts = [p.strip() for p in spec.strip().split(":")]
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for part in parts:
        if "=" in part:
            key, _, value = part.partition("=")
            key = key.strip().lower()
            if not key or not value.strip():
                raise UsageError(f"malformed override {part!r} in {spec!r}: write key=value.")
            keywords[key] = value.strip()
        elif part:
            positional.append(part)
        else:
            raise UsageError(f"empty override in {spec!r}: remove the stray ':'.")
    return name.lower(), positional, keywords


def parse_value(text: str, *, spec: str, key: str) -> float | int | bool:
    """Parse an override value: a number, or true/false."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    try:
        value = float(text)
    except ValueError:
        raise UsageError(
            f"{spec!r}: {key}={text!r} is not a number. Write e.g. {key}=0.001."
        ) from None
    if not math.isfinite(value):
        raise UsageError(f"{spec!r}: {key}={text!r} must be a finite number.")
    if value.is_integer() and "." not in text and "e" not in low:
        return int(value)
    return value


def fmt_value(value: object) -> str:
    """Format a hyperparameter for a canonical label (short, round-trippable)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
