"""CSV, TSV and semicolon logs, including the W&B exports that are CSV files.

W&B writes three CSV shapes (see the real-logs ``FORMATS.md``): a **history** download (one run
per file: ``_step`` plus every logged key), the **runs table** (one row per run: ``Name``,
summary metrics, dotted config keys such as ``model.n_layers``) and a panel's **chart export**
(wide: the x-axis key, then ``<run> - <metric>`` with ``__MIN`` and ``__MAX`` copies). The
chart export is turned long here (one row per run and step); the other two are tables already.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from scaling_core.runs.raw import RawTable, read_delimited, run_name_from_path
from scaling_core.runs.report import RunLogError

_RUNS_TABLE_MARKERS = {"State", "Created", "Runtime", "Tags", "Notes", "User", "Sweep", "Updated"}


def _chart_metrics(columns: list[str]) -> dict[str, dict[str, str]] | None:
    """``{run: {metric: column}}`` when the header is a W&B chart export, else None."""
    if len(columns) < 2:
        return None
    runs: dict[str, dict[str, str]] = {}
    n_minmax = 0
    for column in columns[1:]:
        if column.endswith(("__MIN", "__MAX")):
            n_minmax += 1
            continue
        run, sep, metric = column.rpartition(" - ")
        if not sep:
            return None
        runs.setdefault(run, {})[metric] = column
    return runs if runs and n_minmax else None


def _chart_to_long(frame: pd.DataFrame, lines: np.ndarray, source: str, runs: dict) -> RawTable:
    x = frame.columns[0]
    parts = []
    for run, metrics in runs.items():
        real = {m: c for m, c in metrics.items() if not m.startswith("_") or m == x}
        if not real:
            continue
        part = frame[[x, *real.values()]].copy()
        part.columns = [x, *real.keys()]
        keep = part[list(real.keys())].notna().any(axis=1).to_numpy()
        part = part.loc[keep]
        part.insert(0, "run", run)
        part["__line__"] = lines[keep]
        parts.append(part)
    if not parts or all(p.empty for p in parts):
        names = ", ".join(repr(r) for r in list(runs)[:5])
        raise RunLogError(
            f"{source}: W&B chart export with runs {names} but no metric values "
            "(only step columns or empty cells); export a chart that plots a loss"
        )
    long = pd.concat(parts, ignore_index=True, sort=False)
    out_lines = long.pop("__line__").to_numpy(dtype=np.int64)
    return RawTable(long, source, "wandb-chart", run_name_from_path(source), out_lines)


def read_csv_log(data: bytes, source: str) -> list[RawTable]:
    """One CSV/TSV file: a plain table, a W&B history download, runs table or chart export."""
    frame, lines, _ = read_delimited(data, source)
    header_notes = list(frame.attrs.pop("notes", []))
    columns = [str(c) for c in frame.columns]
    runs = _chart_metrics(columns)
    if runs is not None:
        chart = _chart_to_long(frame, lines, source, runs)
        chart.notes += header_notes
        return [chart]
    if "Name" in columns and _RUNS_TABLE_MARKERS & set(columns):
        fmt = "wandb-runs"
    elif "_step" in columns:
        fmt = "wandb-history"
    else:
        fmt = "csv"
    if frame.empty:
        raise RunLogError(f"{source}: the file has a header but no data rows")
    return [RawTable(frame, source, fmt, run_name_from_path(source), lines, notes=header_notes)]
