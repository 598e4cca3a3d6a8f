"""Readable numbers for labels, hovers and read-outs: 1.2B params, 3.4e21 FLOP, 1.5T tokens."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

from scaling_core.grids import log_grid  # noqa: F401  (charts draw ticks on the same grid)

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
#: Counts in thousands of T are still written in T ("1,000T", "2,160T"), the unit papers use for
#: tokens and parameters; from here on they are scientific ("1,000,000T" no longer reads).
_SCIENTIFIC_COUNT = 1e18


def _trim(mantissa: float, digits: int) -> str:
    text = f"{mantissa:.{digits}g}"
    # %g switches to exponent form when the integer part has more digits than asked for
    return f"{mantissa:.0f}" if "e" in text else text


def format_count(value: float, digits: int = 3) -> str:
    """1.2e9 → "1.2B", 3.5e8 → "350M", 7e4 → "70k", 2.16e14 → "216T", 2.16e15 → "2,160T";
    T is the largest suffix, so a log axis reads "…, 100T, 1,000T"; from 1e18 scientific."""
    if value is None or not math.isfinite(value):
        return "—"
    rounded = float(f"{value:.{digits}g}")  # round first: 999.96M is "1B", not "1e+03M"
    magnitude = abs(rounded)
    if magnitude >= _SCIENTIFIC_COUNT:
        return format_scientific(value, digits)
    if magnitude >= 1e15:
        return f"{rounded / 1e12:,.0f}T"
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale:
            return f"{_trim(value / scale, digits)}{suffix}"
    return _trim(value, digits)


def format_scientific(value: float, digits: int = 2) -> str:
    """3e21 → "3e21", 1.234e21 → "1.23e21" (no "+" or leading zeros in the exponent)."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    # Python's own rounding to ``digits`` significant digits (9.99e20 → 1.0e+21), which also
    # holds for subnormal numbers such as 5e-324 (10**-324 underflows to 0)
    mantissa_text, exponent_text = f"{value:.{max(digits, 1) - 1}e}".split("e")
    return f"{_trim(float(mantissa_text), digits)}e{int(exponent_text)}"


def format_flops(value: float, digits: int = 2) -> str:
    """3e21 → "3e21 FLOP"."""
    return f"{format_scientific(value, digits)} FLOP"


def format_ratio(value: float, digits: int = 3) -> str:
    """Tokens per parameter and other ratios to ``digits`` significant digits, never rounded to
    zero: 20.04 → "20", 0.0123 → "0.0123", 1234.5 → "1,234", 3e-5 → "3e-5", 6.26e7 from a
    million up."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1e6:  # an interval's open end: 62,592,822 read as a count, not a ratio
        return format_scientific(value, digits)
    if abs(value) >= 10**digits:
        return f"{value:,.0f}"
    if abs(value) < 1e-3:
        return format_scientific(value, digits)
    return f"{float(f'{value:.{digits}g}'):g}"


def format_loss(value: float) -> str:
    """Loss in nats per token to 3 decimals, or a dash when the law gives none."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3f}"


_SCIENTIFIC_LABEL = re.compile(r"-?\d+(?:\.\d+)?e-?\d+")


def tick_labels(
    values: Sequence[float], formatter: Callable[[float], str] = format_count
) -> list[str]:
    """The labels of one axis's ticks, in one style.

    A formatter that writes small numbers plainly and large ones in scientific notation
    (`compute_tick`: "1000" but "1e4") would mix both on an axis that spans the switch; such an
    axis is labelled in scientific notation throughout ("1e-2, …, 1e3, 1e4").
    """
    labels = [formatter(v) for v in values]
    scientific = [bool(_SCIENTIFIC_LABEL.fullmatch(label)) for label in labels]
    if any(scientific) and not all(scientific):
        return [format_scientific(v) for v in values]
    return labels


def log_ticks(
    low: float,
    high: float,
    formatter: Callable[[float], str] = format_count,
    *,
    max_labels: int | None = None,
) -> tuple[list[float], list[str]]:
    """Tick positions at powers of ten between ``low`` and ``high`` with readable labels in one
    style (`tick_labels`).

    Where the range spans fewer than two decades, 2× and 5× ticks are added, and where that
    still leaves fewer than two ticks, finer ones (1.2, 1.5, 3, 4, ...: at most about six).  With
    ``max_labels`` the decades are thinned to every k-th (k the smallest step leaving at most
    that many, at exponents divisible by k: 1e18, 1e21, 1e24), for panels too narrow for a
    label per decade.
    """
    lo = math.floor(math.log10(low))
    hi = math.ceil(math.log10(high))
    values: list[float] = []
    step = max(1, (hi - lo) // 10)
    first = lo
    if max_labels is not None:
        step = 1
        while len([e for e in range(lo, hi + 1) if e % step == 0]) > max(1, max_labels):
            step += 1
        first = lo + (-lo) % step
    for exponent in range(first, hi + 1, step):
        values.append(10.0**exponent)
        if hi - lo < 3:
            values.extend([2 * 10.0**exponent, 5 * 10.0**exponent])
    values = sorted(v for v in values if low / 1.0001 <= v <= high * 1.0001)
    if len(values) < 2 and max_labels is None:  # a narrow range (52K-154K held only 100K)
        finer = [
            m * 10.0**e
            for e in range(lo, hi + 1)
            for m in (1, 1.2, 1.5, 2, 3, 4, 5, 6, 7, 8)
            if low / 1.0001 <= m * 10.0**e <= high * 1.0001
        ]
        values = finer[:: max(1, math.ceil(len(finer) / 6))] if len(finer) >= 2 else values
    return values, tick_labels(values, formatter)


def latex_number(value: float) -> str:
    """A constant for st.latex: 4 significant digits, ``1.494 \\times 10^{4}`` outside 1e-3…1e4."""
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    exponent = math.floor(math.log10(abs(value)))
    mantissa = value / 10**exponent
    if round(abs(mantissa), 3) >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return rf"{mantissa:.4g} \times 10^{{{exponent}}}"


def law_equation(law) -> str:
    """LaTeX of a law's loss with its constants, for ``st.latex`` (empty for allocation-only laws)."""
    from scaling_core.laws import ChinchillaLaw, KaplanLaw

    if isinstance(law, ChinchillaLaw):
        return (
            rf"L(N, D) = {latex_number(law.E)} + \frac{{{latex_number(law.A)}}}"
            rf"{{N^{{{latex_number(law.alpha)}}}}} + \frac{{{latex_number(law.B)}}}"
            rf"{{D^{{{latex_number(law.beta)}}}}}"
        )
    if isinstance(law, KaplanLaw):
        ratio = law.alpha_n / law.alpha_d
        return (
            rf"L(N, D) = \left[\left(\frac{{{format_scientific(law.n_c)}}}{{N}}\right)^{{{ratio:.3g}}}"
            rf" + \frac{{{format_scientific(law.d_c)}}}{{D}}\right]^{{{law.alpha_d:.3g}}}"
        ).replace("e13", r"\times 10^{13}")
    return rf"N_{{opt}}(C) = {format_scientific(law.coefficient, 3)}\, C^{{{law.a:.3g}}}"


def compute_in_unit(compute_flops, unit: str = "FLOP"):  # type: ignore[no-untyped-def]
    """Compute in the sidebar's unit: FLOP unchanged, PF-days = FLOP / 8.64e19 (arrays too)."""
    from scaling_core.units import flops_to_pf_days

    return flops_to_pf_days(compute_flops) if unit == "PF-days" else compute_flops


def format_compute_value(compute_flops: float, unit: str = "FLOP", digits: int = 3) -> str:
    """The number of a compute in the sidebar's unit, for labels that carry the unit:
    3e21 → "3e21"; in PF-days 34.7, 6806 or 1.2e6."""
    value = float(compute_in_unit(compute_flops, unit))
    if unit == "PF-days" and 100 <= value < 1e5:
        return f"{value:.0f}"
    if unit == "PF-days" and 1e-2 <= value < 100:
        return f"{value:.{digits}g}"
    return format_scientific(value, digits)


def format_compute(compute_flops: float, unit: str = "FLOP", digits: int = 3) -> str:
    """A compute with its unit: "3e21 FLOP", "34.7 PF-days" (1 PF-day = 8.64e19 FLOP)."""
    return f"{format_compute_value(compute_flops, unit, digits)} {unit}"


def compute_tick(value: float) -> str:
    """Tick label of a compute axis: 0.01, 1, 1000 between 1e-2 and 1e4, else 1e21 (an axis
    spanning both is all scientific, see `tick_labels`)."""
    return f"{value:g}" if 1e-2 <= value < 1e4 else format_scientific(value)


def escape_markdown(text: str) -> str:
    """Escape Markdown and HTML specials so text from a file or a law label renders literally."""
    specials = "\\`*_{}[]()<>#+-.!|~$"
    escaped = "".join(f"\\{ch}" if ch in specials else ch for ch in str(text))
    return escaped.replace("&", "&amp;")


def source_markdown(source) -> str:
    """A law's source as Markdown: a link to the paper where it has one, plain text otherwise."""
    text = escape_markdown(str(source))
    return f"[{text}]({source.url})" if source.url else text


def format_percent(fraction: float) -> str:
    """A share as a percent with the digits that matter: 0.4%, 12%, 99.7% (never a rounded 100%)."""
    if fraction is None or not math.isfinite(fraction):
        return "—"
    percent = 100 * fraction
    if percent == 0 or percent == 100:
        return f"{percent:.0f}%"
    if percent < 1:
        return f"{percent:.2g}%"
    if percent > 99:
        digits = 1
        while round(percent, digits) >= 100 and digits < 6:
            digits += 1
        return f"{percent:.{digits}f}%"
    return f"{percent:.0f}%"


def format_loss_delta(delta: float) -> str | None:
    """A loss difference for a metric badge ("+0.012 loss"); None when it rounds to zero."""
    if delta is None or not math.isfinite(delta) or abs(delta) < 5e-4:
        return None
    return f"{delta:+.3f} loss"
