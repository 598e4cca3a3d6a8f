"""Choosing one sweep from a file that holds several: rows whose columns take given values.

Released sweeps often come as one table with a column per experimental factor (Porian et al.
2024's IsoFLOP points hold 15 configurations: dataset, hyperparameters, warmup, decay,
parameter-counting convention, loss type).  ``--where COLUMN=VALUE`` on the command line and
the pickers on the pages call `select_rows`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from scaling_core.fit.base import FitError


def parse_where(items: Iterable[str]) -> dict[str, str]:
    """``["dataset=rw", "loss_type=val"]`` → ``{"dataset": "rw", "loss_type": "val"}``."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, value = str(item).partition("=")
        if not sep or not column.strip():
            raise FitError(f"--where expects COLUMN=VALUE, got {item!r}")
        out[column.strip()] = value.strip()
    return out


def _matches(column: pd.Series, wanted: str) -> pd.Series:
    text = column.astype(str).str.strip()
    hit = text == wanted
    if hit.any():
        return hit
    try:
        target = float(wanted)
    except ValueError:
        return hit
    numbers = pd.to_numeric(column, errors="coerce")
    return (numbers - target).abs() <= 1e-9 * max(abs(target), math.ulp(1.0))


def select_rows(frame: pd.DataFrame, where: Mapping[str, str]) -> pd.DataFrame:
    """The rows of ``frame`` whose every named column equals its value (text, or as a number).

    Raises `FitError` naming the column when it does not exist, or the values it does take
    when none matches.

    Examples
    --------
    >>> runs = pd.DataFrame({"dataset": ["rw", "owt2", "rw"], "loss": [3.1, 3.4, 3.0]})
    >>> select_rows(runs, {"dataset": "rw"})["loss"].tolist()
    [3.1, 3.0]
    """
    keep = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        if column not in frame.columns:
            raise FitError(
                f"no column {column!r} to select on (columns: {', '.join(map(str, frame.columns))})"
            )
        hit = _matches(frame[column], str(wanted))
        if not hit.any():
            values = sorted(frame[column].astype(str).str.strip().unique())
            shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
            raise FitError(f"column {column!r} has no value {wanted!r} (values: {shown})")
        keep &= hit
    if not keep.any():
        chosen = ", ".join(f"{k}={v}" for k, v in where.items())
        raise FitError(f"no row has all of {chosen}")
    return frame.loc[keep]


def sweep_columns(frame: pd.DataFrame, candidates: Iterable[str] | None = None) -> list[str]:
    """Text columns with 2-20 distinct values: the factors a multi-sweep file is split by."""
    names = list(frame.columns) if candidates is None else [c for c in candidates if c in frame]
    out = []
    for name in names:
        column = frame[name]
        if pd.api.types.is_numeric_dtype(column):
            continue
        if 2 <= column.nunique(dropna=True) <= 20:
            out.append(str(name))
    return out
