"""Delimited text tables (CSV, TSV, semicolon): sniffing the delimiter and reading the cells as text."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

import numpy as np
import pandas as pd

from scaling_core.runs.limits import LIMITS
from scaling_core.runs.report import MAX_STORED_DROPPED, DroppedRow, RunLogError

#: Most columns a table may have.  Run logs need a handful (params, tokens or compute, loss, a
#: run id, a few hyperparameters); a tracker export with every logged metric has hundreds.
#: Wider files are refused before any cell is parsed, so their cost stays bounded.
MAX_COLUMNS = LIMITS.columns


def _check_width(n_columns: int, header_line: int) -> None:
    """Refuse a header with more than `MAX_COLUMNS` columns, saying what to do instead."""
    if n_columns > MAX_COLUMNS:
        raise RunLogError(
            f"line {header_line}: the header has {n_columns:,} columns; the limit is "
            f"{MAX_COLUMNS:,}. Keep only the columns a fit needs (run id, params, tokens or "
            "compute, loss, step) and upload that file"
        )


def _split_fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


def cut_short_row(text: str, delimiter: str, n_header: int) -> tuple[int, int] | None:
    """Where a file that was cut short ends: its last line's number (counted in ``text``) and
    field count, when the text stops without a line end in a row with fewer fields than the
    header and than the row before it (a download or copy interrupted mid-row: its last value
    may be cut, ``3.1681`` read as ``3.``); None otherwise."""
    if not text or text.endswith("\n"):
        return None
    body = text.rstrip("\n")
    start = body.rfind("\n")
    if start < 0:  # the header alone
        return None
    n_fields = len(_split_fields(body[start + 1 :], delimiter))
    before = body.rfind("\n", 0, start)
    n_before = len(_split_fields(body[before + 1 : start], delimiter))
    if n_fields >= n_header or n_fields >= n_before:
        return None
    return body.count("\n") + 1, n_fields


def cut_short_note(source: str, line: int, n_fields: int, n_header: int) -> str:
    """The report's note for a row `cut_short_row` found, which is left out."""
    return (
        f"{source}: line {line:,}, the last, stops after {n_fields} of the header's {n_header} "
        "fields with no line end: the file looks cut short, so that row is left out (its last "
        "value may be cut); the whole file is needed to use it"
    )


def _sniff_delimiter(lines: Sequence[str]) -> str:
    """Choose comma, tab or semicolon: the one whose field count is most consistent."""
    best, best_score = ",", (-1.0, 0, 0.0)
    for rank, delimiter in enumerate((",", "\t", ";")):
        counts = [len(_split_fields(line, delimiter)) for line in lines]
        n_header = counts[0]
        if n_header < 2:
            continue
        data = counts[1:] or counts
        agree = sum(c == n_header for c in data) / len(data)
        score = (agree, n_header, -rank)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_table(
    body: bytes, delimiter: str, n_cols: int, first_data_line: int
) -> tuple[pd.DataFrame, np.ndarray, list[DroppedRow], int, list[str]]:
    """Data rows as a frame with integer column labels, and their line numbers.

    Fast path: the pandas C parser (floats parsed in C). Files whose rows do not
    map one-to-one onto lines (blank lines, quoted newlines) or whose rows have
    more fields than the header go through the ``csv`` module instead, so every
    row keeps its true line number. ``body`` is UTF-8 with ``\n`` line ends.
    """
    notes: list[str] = []
    n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") else 1) if body else 0
    frame: pd.DataFrame | None = None
    if body:
        try:
            frame = pd.read_csv(
                io.BytesIO(body),
                encoding="utf-8",
                sep=delimiter,
                header=None,
                dtype=None,
                keep_default_na=False,
                na_values=[""],
                skip_blank_lines=True,
                engine="c",
                low_memory=False,
            )
        except pd.errors.EmptyDataError:
            frame = pd.DataFrame()
        except (pd.errors.ParserError, ValueError, OverflowError):
            frame = None
    if frame is not None and len(frame) == n_lines:
        if frame.shape[1] > n_cols:
            extra = frame.iloc[:, n_cols:]
            if extra.isna().all().all():
                frame = frame.iloc[:, :n_cols]
                notes.append("rows end with an extra empty field (trailing delimiter); ignored it")
            else:
                frame = None
        if frame is not None:
            frame = frame.reindex(columns=range(n_cols))
            lines = np.arange(first_data_line, first_data_line + len(frame), dtype=np.int64)
            return frame, lines, [], 0, notes
    if frame is not None and frame.shape[1] == 0 and n_lines == 0:
        return pd.DataFrame(columns=range(n_cols)), np.zeros(0, dtype=np.int64), [], 0, notes

    # Slow path: the csv module, with exact line numbers.
    rows: list[list[str]] = []
    line_numbers: list[int] = []
    dropped: list[DroppedRow] = []
    n_dropped = 0
    n_trailing = 0
    reader = csv.reader(io.StringIO(body.decode("utf-8")), delimiter=delimiter)
    start = 1
    try:
        for record in reader:
            line = first_data_line + start - 1
            start = reader.line_num + 1
            if not record or all(not f.strip() for f in record):
                continue
            if len(record) > n_cols:
                if all(not f.strip() for f in record[n_cols:]):
                    record = record[:n_cols]
                    n_trailing += 1
                else:
                    n_dropped += 1
                    if len(dropped) < MAX_STORED_DROPPED:
                        dropped.append(
                            DroppedRow(
                                line, f"row has {len(record)} fields; the header has {n_cols}"
                            )
                        )
                    continue
            elif len(record) < n_cols:
                record = record + [""] * (n_cols - len(record))
            rows.append(record)
            line_numbers.append(line)
    except csv.Error as exc:
        raise RunLogError(
            f"line {first_data_line + reader.line_num - 1}: cannot split into fields ({exc})"
        ) from exc
    if n_trailing:
        notes.append(f"{n_trailing:,} rows end with extra empty fields; ignored them")
    table = pd.DataFrame(rows, columns=range(n_cols), dtype=object)
    table = table.replace("", np.nan)
    return table, np.asarray(line_numbers, dtype=np.int64), dropped, n_dropped, notes
