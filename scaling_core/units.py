"""Physical constants and the parsing of quantities written the way people write them.

Compute is carried in FLOP everywhere in `scaling_core`; Kaplan et al. 2020 quote
compute in PF-days, so the conversion lives here.
"""

from __future__ import annotations

import math
import re

#: One petaflop/s-day in FLOP: 1e15 FLOP/s × 86,400 s (Kaplan et al. 2020, section 1.3).
PF_DAY_FLOPS: float = 1e15 * 86_400.0

#: Multipliers for the suffixes used in ML papers and trackers ("1.5B params", "300M", "2T tokens").
SUFFIX_MULTIPLIERS: dict[str, float] = {
    "k": 1e3,
    "m": 1e6,
    "b": 1e9,
    "g": 1e9,
    "t": 1e12,
    "p": 1e15,
}

_QUANTITY = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?P<suffix>[kKmMbBgGtTpP]?)\s*$"
)


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*[kKmMbBgGtTpP]?$")


class QuantityError(ValueError):
    """A value that could not be read as a number; the message names the value."""


def parse_quantity(text: str | float | int, *, what: str = "value") -> float:
    """Read ``"1.5e9"``, ``"1.5B"``, ``"300M"``, ``"2T"``, ``"70k"`` or ``"1_000"`` as a float.

    Suffixes are case-insensitive: K = 1e3, M = 1e6, B or G = 1e9, T = 1e12, P = 1e15.
    Thousands separators written as commas ("1,000,000") are accepted.
    Raises `QuantityError` naming ``what`` and the offending text when it is not a finite number.

    Examples
    --------
    >>> parse_quantity("1.5B")
    1500000000.0
    >>> parse_quantity("3e21")
    3e+21
    """
    if isinstance(text, bool):
        raise QuantityError(f"{what} {text!r} is not a number")
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        cleaned = str(text).strip()
        if _THOUSANDS.match(cleaned):  # "1,000,000" as spreadsheets write it
            cleaned = cleaned.replace(",", "")
        match = _QUANTITY.match(cleaned)
        if match is None:
            raise QuantityError(
                f"{what} {text!r} is not a number (expected e.g. 1.5e9, 1.5B, 300M, 2T)"
            )
        value = float(match["number"].replace("_", ""))
        suffix = match["suffix"].lower()
        if suffix:
            value *= SUFFIX_MULTIPLIERS[suffix]
    if not math.isfinite(value):
        raise QuantityError(f"{what} {text!r} is not a finite number")
    return value


def parse_positive(text: str | float | int, *, what: str = "value") -> float:
    """`parse_quantity`, then insist on a value > 0 (parameters, tokens, FLOP, batch sizes)."""
    value = parse_quantity(text, what=what)
    if value <= 0:
        raise QuantityError(f"{what} must be positive, got {text!r}")
    return value


def flops_to_pf_days(compute_flops: float) -> float:
    """Convert FLOP to PF-days (1 PF-day = 8.64e19 FLOP; Kaplan et al. 2020, section 1.3)."""
    return compute_flops / PF_DAY_FLOPS


def pf_days_to_flops(compute_pf_days: float) -> float:
    """Convert PF-days to FLOP (1 PF-day = 8.64e19 FLOP; Kaplan et al. 2020, section 1.3)."""
    return compute_pf_days * PF_DAY_FLOPS
