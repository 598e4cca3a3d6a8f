"""What every source-format reader returns: a `RawTable` (the file's own columns, untouched),
and the limits that keep an upload from exhausting memory.

A format module (``csv_logs``, ``json_logs``, ``wandb``, ``hf_trainer``, ``lightning``,
``tensorboard_logs``, ``mlflow_store``) turns the bytes of one file (or one MLflow run folder)
into one or more `RawTable`; `scaling_core.runs.formats` chooses the module;
`scaling_core.runs.mapping` then says which column plays which role.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.delimited import (
    _check_width,
    _sniff_delimiter,
    _split_fields,
    cut_short_note,
    cut_short_row,
)
from scaling_core.runs.limits import LIMITS
from scaling_core.runs.report import RunLogError
from scaling_core.runs.source import _decode

#: The limits of `scaling_core.runs.limits` under their older names.
MAX_FILE_BYTES = LIMITS.file_bytes
MAX_TOTAL_BYTES = LIMITS.expanded_bytes
MAX_FILES = LIMITS.files
#: Most lines of one delimited file, checked on its bytes before any parsing.
MAX_LINES = LIMITS.rows + 1
#: Most runs one read collects (each run has at least one row).
MAX_RUNS = LIMITS.rows


@dataclass
class RawTable:
    """One table as a source file holds it.

    ``frame`` keeps the file's column names and values (numbers where the reader could tell);
    ``lines`` gives each row's 1-based line (or record) number in ``source``; ``run`` names the
    run when the file holds a single run (its file or folder name); ``config`` holds per-run
    settings that are not columns (``hparams.yaml``, MLflow params, trainer_state fields).
    """

    frame: pd.DataFrame
    source: str
    fmt: str
    run: str
    lines: np.ndarray
    config: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Why the run stopped before its end ("" when finished or not known): its last point is
    #: not a final point unless the user says so.
    unfinished: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the table."""
        return self.frame.shape


@dataclass
class RecordTable(RawTable):
    """A table of one row given as a flat ``record`` (a JSON file holding one run's object):
    `scaling_core.runs.combine.load` combines many such rows into one frame at once, and
    ``frame`` is built only when something else asks for it.  One frame per file cost 3 ms
    for a 136-key record, and combining 104 of them 0.2 s more; one frame of all 104 rows
    takes 6 ms, with the same column types."""

    record: dict[str, Any] = field(default_factory=dict)

    @property  # type: ignore[override]
    def frame(self) -> pd.DataFrame:
        """The record as a one-row frame (built on first use)."""
        if self._frame is None:
            self._frame = pd.DataFrame([self.record])
        return self._frame

    @frame.setter
    def frame(self, value: pd.DataFrame | None) -> None:
        self._frame = value

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the table, without building its frame."""
        return (1, len(self.record)) if self._frame is None else self._frame.shape


_NO_ROWS = pd.DataFrame()
_NO_LINES = np.zeros(0, dtype=np.int64)
_ROWS = ("frame", "lines")  # not asked of a `RecordTable`: it would build the frame


def without_rows(table: RawTable) -> RawTable:
    """The table's names, format, config and notes without its rows (a `RecordTable` becomes
    a plain table): what a read keeps once the rows live in the combined frame."""
    kept = {f.name: getattr(table, f.name) for f in fields(RawTable) if f.name not in _ROWS}
    return RawTable(**kept, frame=_NO_ROWS, lines=_NO_LINES)


def run_name_from_path(name: str) -> str:
    """A run's name from its file: the file name without extension(s), ``190M-1xC.csv`` -> ``190M-1xC``."""
    base = os.path.basename(name.rstrip("/")) or name
    for ext in (".csv", ".tsv", ".txt", ".jsonl", ".ndjson", ".json", ".gz"):
        if base.lower().endswith(ext):
            base = base[: -len(ext)]
    return base or name


def parent_name(name: str) -> str:
    """The folder a file sits in (``lightning_logs/version_0/metrics.csv`` -> ``version_0``)."""
    parent = os.path.dirname(name.rstrip("/"))
    return os.path.basename(parent) or parent or name


def read_delimited(data: bytes, source: str) -> tuple[pd.DataFrame, np.ndarray, str]:
    """A CSV/TSV/semicolon file as a frame with its header names, each row's line number and
    the delimiter. Blank lines are skipped but counted, so line numbers stay true."""
    notes: list[str] = []
    n_lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if n_lines > MAX_LINES:
        raise RunLogError(
            f"{source}: {n_lines - 1:,} rows; the limit is {MAX_LINES - 1:,} rows per upload. "
            "Fit a random subsample of the rows, or split the file by run"
        )
    text = None
    if b"\x00" not in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff", b"PK")):
        try:
            text = data.decode("utf-8-sig").replace("\r\n", "\n")
        except UnicodeDecodeError:
            text = None
    if text is None or "\r" in text:
        text = _decode(data, notes)  # the careful path: UTF-16, Latin-1, binary refused
    stripped = text.lstrip("\n")
    if not stripped.strip():
        raise RunLogError(f"{source}: the file is empty")
    header_line = text.count("\n", 0, len(text) - len(stripped)) + 1
    sample = [ln for ln in stripped[:65536].split("\n")[:50] if ln.strip()]
    delimiter = _sniff_delimiter(sample)
    end = stripped.find("\n")
    header = _split_fields(stripped[: end if end >= 0 else None], delimiter)
    _check_width(len(header), header_line)
    try:
        frame = pd.read_csv(
            io.StringIO(stripped),
            sep=delimiter,
            skip_blank_lines=False,
            low_memory=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError, UnicodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        try:  # the line-by-line reader names the line where splitting fails
            from scaling_core.runs.reader import read_run_log

            read_run_log(data)
        except RunLogError as named:
            raise RunLogError(f"{source}: {named}") from exc
        raise RunLogError(f"{source}: cannot read it as a table ({first})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    names = [str(h).strip() for h in header]
    repeated = sorted({n for n in names if names.count(n) > 1 and n})
    if repeated and len(names) == len(frame.columns):
        renamed = [
            f"{n!r} ({', '.join(repr(c) for c, h in zip(frame.columns, names, strict=True) if h == n)})"
            for n in repeated[:5]
        ]
        frame.attrs["notes"] = [
            f"{source}: the header repeats " + "; ".join(renamed) + ": each is kept as a "
            "column of its own, pick the one to use"
        ]
    lines = np.arange(len(frame), dtype=np.int64) + header_line + 1
    cut = cut_short_row(text, delimiter, len(header))
    if cut is not None and len(frame) and lines[-1] == cut[0]:
        kept_notes = list(frame.attrs.get("notes", []))
        frame, lines = frame.iloc[:-1].copy(), lines[:-1]
        frame.attrs["notes"] = [*kept_notes, cut_short_note(source, cut[0], cut[1], len(header))]
    blank = frame.isna().all(axis=1).to_numpy()
    if blank.any():
        frame = frame.loc[~blank].reset_index(drop=True)
        lines = lines[~blank]
    return frame, lines, delimiter
