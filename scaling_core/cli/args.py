"""Argument types and JSON output shared by the ``read``, ``fit`` and ``isoflop`` commands.

The types turn a bad value into an `argparse.ArgumentTypeError` naming the flag and the value,
which `scaling_core.cli.main` prints as one line with exit status 2.  Only the standard library
is imported here, so every command keeps starting fast.

Examples
--------
>>> count("--bootstrap")("200")
200
>>> json_safe({"a": float("nan"), "b": [1.5, float("inf")]})
{'a': None, 'b': [1.5, None]}
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from scaling_core.units import QuantityError, parse_positive


def float_at_least(what: str, minimum: float, *, strict: bool) -> Callable[[str], float]:
    """An argparse type: a finite float > minimum (strict) or >= minimum, with a clear message."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} must be a number, got {text!r}") from None
        ok = value > minimum if strict else value >= minimum
        if not (math.isfinite(value) and ok):
            bound = "positive" if strict and minimum == 0 else f">= {minimum:g}"
            raise argparse.ArgumentTypeError(f"{what} must be {bound}, got {text!r}")
        return value

    parse.__name__ = what
    return parse


def positive_float(what: str) -> Callable[[str], float]:
    """An argparse type: a finite float > 0."""
    return float_at_least(what, 0.0, strict=True)


def non_negative_float(what: str) -> Callable[[str], float]:
    """An argparse type: a finite float >= 0."""
    return float_at_least(what, 0.0, strict=False)


def count(what: str) -> Callable[[str], int]:
    """An argparse type: a whole number >= 0."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what} must be a whole number, got {text!r}"
            ) from None
        if value < 0:
            raise argparse.ArgumentTypeError(f"{what} must be >= 0, got {text!r}")
        return value

    parse.__name__ = what
    return parse


def json_safe(value: Any) -> Any:
    """JSON-safe copy: non-finite floats become null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


EXIT_USAGE = 2


class UsageError(Exception):
    """A problem with the command line the user can fix; printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def quantity(what: str) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            return parse_positive(text, what=what)
        except QuantityError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = what
    return parse


def json_number(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def emit(payload: dict[str, Any], as_json: bool, lines: Sequence[str]) -> None:
    if as_json:
        print(
            json.dumps(
                {k: json_number(v) if isinstance(v, float) else v for k, v in payload.items()}
            )
        )
    else:
        print("\n".join(lines))
