"""Download payloads for the fit page: spreadsheet-safe CSV, parameter JSON and chart HTML.

Pure Python + pandas (no Streamlit), so every byte a user downloads is unit-tested.

Uploaded text (run names, unused columns, headers) ends up in the downloads.  A spreadsheet
opening a CSV runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some
programs, a tab or carriage return) as a formula, so such cells are prefixed with a single
quote; plain numbers such as ``-0.5`` or ``+1e9`` are left alone (OWASP, "CSV Injection").
Nothing here writes to disk: every function returns bytes for ``st.download_button``.

Examples
--------
>>> neutralise_cell("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise_cell("-0.5"), neutralise_cell(-0.5)
('-0.5', -0.5)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_cell(value: Any) -> Any:
    """``value`` with a ``'`` in front when it is text a spreadsheet would run as a formula.

    Text counts as a formula when its first non-space character is one of
    `FORMULA_TRIGGERS` (``=``, ``+``, ``-``, ``@``, tab, carriage return), unless the whole
    cell is a plain decimal number (``-0.5``, ``+1e9``).  Non-text values are returned as is.
    """
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip(" ")
    if not stripped:
        return value
    if stripped[0] in FORMULA_TRIGGERS or value[0] in FORMULA_TRIGGERS:
        if _PLAIN_NUMBER.fullmatch(value.strip()):
            return value
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through `neutralise_cell`."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        out[column] = series.astype(object).map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV of ``frame`` (no index) with formula-like text neutralised."""
    return safe_frame(frame).to_csv(index=False, float_format="%.10g").encode("utf-8")


def _finite_or_none(value: Any) -> Any:
    """JSON has no NaN/Infinity: non-finite floats become null."""
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def parameters_record(
    fit: Any,
    *,
    intervals: Mapping[str, tuple[float, float]] | None = None,
    confidence: float | None = None,
    n_boot: int | None = None,
    source: str | None = None,
    equation: str | None = None,
    resampling: str | None = None,
) -> dict[str, Any]:
    """A JSON-ready description of a `scaling_core.fit.FitResult` (and bootstrap intervals)."""
    intervals = dict(intervals or {})
    record: dict[str, Any] = {
        "form": fit.form,
        "equation": equation,
        "parameters": {k: _finite_or_none(v) for k, v in fit.params.items()},
        "fixed": sorted(fit.fixed),
        "objective": _finite_or_none(fit.objective),
        "huber_delta": _finite_or_none(fit.delta),
        "n_runs_used": int(fit.n_runs),
        "excluded_runs": list(fit.excluded),
        "converged": bool(fit.converged),
        "method": fit.method,
        "rms_log_residual": _finite_or_none(fit.rms_residual),
        "units": {"loss": "nats/token", "N": "parameters", "D": "tokens", "C": "FLOP (6ND)"},
        "source_file": source,
    }
    ident = getattr(fit, "identifiability", None)
    if ident is not None:
        record["determined"] = dict(ident.determined)
        record["fallback"] = getattr(fit, "fallback", None)
    if intervals:
        record["bootstrap"] = {
            "confidence": _finite_or_none(confidence),
            "n_refits": n_boot,
            "resampling": resampling,
            "intervals": {
                name: [_finite_or_none(low), _finite_or_none(high)]
                for name, (low, high) in intervals.items()
            },
        }
    return record


def parameters_json(fit: Any, **kwargs: Any) -> bytes:
    """`parameters_record` as indented UTF-8 JSON (strict: no NaN)."""
    record = parameters_record(fit, **kwargs)
    return json.dumps(record, indent=2, allow_nan=False, ensure_ascii=False).encode("utf-8")


def parameters_table(
    fit: Any, intervals: Mapping[str, tuple[float, float]] | None = None
) -> pd.DataFrame:
    """One row per parameter: parameter, value, fixed, interval_low, interval_high."""
    intervals = dict(intervals or {})
    rows = [
        {
            "parameter": name,
            "value": float(value),
            "fixed": name in fit.fixed,
            "interval_low": intervals.get(name, (math.nan, math.nan))[0],
            "interval_high": intervals.get(name, (math.nan, math.nan))[1],
        }
        for name, value in fit.params.items()
    ]
    return pd.DataFrame(
        rows, columns=["parameter", "value", "fixed", "interval_low", "interval_high"]
    )


def parameters_csv(fit: Any, intervals: Mapping[str, tuple[float, float]] | None = None) -> bytes:
    """`parameters_table` as a spreadsheet-safe CSV."""
    return csv_bytes(parameters_table(fit, intervals))


def figure_html(fig: Any) -> bytes:
    """A standalone HTML page of a Plotly figure (plotly.js from its CDN), in the app's white
    look whatever plotly's default template is by then (importing Streamlit sets its own)."""
    from charts.style import WHITE_TEMPLATE

    page = go.Figure(fig).update_layout(template=WHITE_TEMPLATE)
    return page.to_html(include_plotlyjs="cdn", full_html=True).encode("utf-8")
