"""Every table read from an upload combined into one frame (`load`): the rows of all files with
where each came from (run, file, line, format), each run's config, and which file holds which
column.  `scaling_core.runs.collect` maps the combined frame's columns to roles and builds the
runs from it.
"""

from __future__ import annotations

import os
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.formats import SourceSet, read_paths, read_sources
from scaling_core.runs.mapping import _role_of
from scaling_core.runs.raw import RawTable, RecordTable, without_rows
from scaling_core.runs.report import RunLogError

#: Roles whose explicit per-run values (``non_embedding_params``, ``tokens_per_step`` in
#: hparams.yaml or MLflow params) become columns, so that they are guessed like columns.
_COUNTS_IN_CONFIG = ("params", "tokens_per_step")
_ORIGIN = {
    "lightning": "hparams.yaml",
    "mlflow": "MLflow params",
    "hf-trainer-state": "the Trainer's config",
    "hf-trainer-events": "the Trainer's config",
}


@dataclass
class Loaded:
    """Every table read, combined: one frame (columns of all files, plus ``__run__``,
    ``__source__``, ``__line__``, ``__format__``) and each file-run's config."""

    frame: pd.DataFrame
    configs: dict[str, dict[str, Any]]
    sources: SourceSet
    present: dict[str, set[str]] = field(default_factory=dict)
    #: File-runs that stopped before their end, with why (`RawTable.unfinished`).
    unfinished: dict[str, str] = field(default_factory=dict)

    #: Columns made from a per-run value (an explicit count in hparams.yaml, MLflow params or
    #: a Trainer's config), with where the value came from.
    per_run_columns: dict[str, str] = field(default_factory=dict)
    #: What was done to the tables before mapping (a wide table melted, `melt_loaded`).
    notes: list[str] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c for c in self.frame.columns if not str(c).startswith("__")]

    @property
    def config_keys(self) -> list[str]:
        """Per-run values that are not columns (hparams, MLflow params, config keys): each can
        be named for a role like a column."""
        columns = set(self.frame.columns)
        keys = {str(k) for config in self.configs.values() for k in config}
        return sorted(keys - columns)

    @property
    def names(self) -> list[str]:
        """Everything a role can name: the columns, then the per-run values."""
        return [*self.headers, *self.config_keys]

    def with_values(self, names: Sequence[str]) -> tuple[pd.DataFrame, dict[str, set[str]]]:
        """The frame with the per-run values among ``names`` as columns (each run's value on
        all its rows), and which files hold each column."""
        wanted = [n for n in names if n and n not in self.frame.columns and n in self.config_keys]
        if not wanted:
            return self.frame, self.present
        frame = self.frame.copy()
        present = {source: set(cols) for source, cols in self.present.items()}
        runs = frame["__run__"].astype(str)
        for name in wanted:
            values = {r: c[name] for r, c in self.configs.items() if name in c}
            frame[name] = runs.map(values)
            for source in frame.loc[runs.isin(list(values)), "__source__"].astype(str).unique():
                present.setdefault(source, set()).add(name)
        return frame, present


#: Columns `load` adds to every row: its run, file, line (or record) and format.
_ROW_ORIGIN = ("__run__", "__source__", "__line__", "__format__")


def _table_part(table: RawTable, per_run_columns: dict[str, str]) -> pd.DataFrame:
    """A table's frame as `load` combines it: column names as text, a repeated name read once
    (and said in the table's notes), the run's counts from its config as columns."""
    # a new frame sharing the table's columns (copy-on-write): its own names, no copy
    part = table.frame.set_axis([str(c) for c in table.frame.columns], axis=1)
    repeated = pd.Index(part.columns).duplicated()
    if repeated.any():  # e.g. a JSON key "a.b" beside {"a": {"b": ...}}: said, not silent
        names = sorted({str(c) for c in part.columns[repeated]})
        table.notes.append(
            f"{table.source}: more than one column is named "
            + ", ".join(repr(n) for n in names[:5])
            + ("…" if len(names) > 5 else "")
            + "; the first of each is read, the others are left out"
        )
        part = part.loc[:, ~repeated]
    for key, value in _config_counts(table, part.columns, per_run_columns).items():
        part[key] = value
    return part


def _config_counts(
    table: RawTable, columns: Container[str], per_run_columns: dict[str, str]
) -> dict[str, Any]:
    """The counts (N, D, …) the run's config gives that its rows do not, as columns to add
    (an explicit count beats an estimate from the shape); ``per_run_columns`` learns where
    each came from."""
    counts = {}
    for key, value in table.config.items():
        role = _role_of(str(key))
        if role and role[0] in _COUNTS_IN_CONFIG and str(key) not in columns:
            counts[str(key)] = value
            per_run_columns[str(key)] = _ORIGIN.get(table.fmt, "the run's config")
    return counts


def load(sources: SourceSet | Sequence[tuple[str, bytes]] | Sequence[str | os.PathLike]) -> Loaded:
    """Read paths or (name, bytes) uploads and combine their tables."""
    if not isinstance(sources, SourceSet):
        items = list(sources)
        if items and isinstance(items[0], tuple):
            sources = read_sources(items)  # type: ignore[arg-type]
        else:
            sources = read_paths(items)  # type: ignore[arg-type]
    if not sources.tables:
        if sources.problems:  # each file named with its reason (the first five)
            shown = [
                message if message.startswith(name) else f"{name}: {message}"
                for name, message in sources.problems[:5]
            ]
            more = len(sources.problems) - len(shown)
            raise RunLogError(
                "; ".join(shown) + (f"; and {more} more files could not be used" if more else "")
            )
        skipped = ", ".join(n for n, _ in sources.skipped[:5])
        raise RunLogError(f"no run log among the files given (skipped: {skipped or 'none'})")
    parts = []
    configs: dict[str, dict[str, Any]] = {}
    present: dict[str, set[str]] = {}
    unfinished: dict[str, str] = {}
    per_run_columns: dict[str, str] = {}
    records: list[dict[str, Any]] = []  # one-row tables (`RecordTable`), made one frame at once
    sizes: list[int] = []  # rows of each table

    def add_records() -> None:
        if records:
            parts.append(pd.DataFrame(records))
            records.clear()

    for table in sources.tables:
        if isinstance(table, RecordTable) and table.record:
            row = {str(k): v for k, v in table.record.items()}
            row.update(_config_counts(table, row, per_run_columns))
            records.append(row)
            sizes.append(1)
            columns: Any = row
        else:
            add_records()
            part = _table_part(table, per_run_columns)
            parts.append(part)
            sizes.append(len(part))
            columns = part.columns
        configs.setdefault(table.run, {}).update(table.config)
        present.setdefault(table.source, set()).update(columns, _ROW_ORIGIN)
        if table.unfinished:
            unfinished[table.run] = table.unfinished
    add_records()
    frame = pd.concat(parts, ignore_index=True, sort=False) if len(parts) > 1 else parts[0]
    # where each row came from, set once for all tables (not four columns per table)
    tables = sources.tables
    origin = pd.DataFrame(
        {
            "__run__": np.repeat(np.array([t.run for t in tables], dtype=object), sizes),
            "__source__": np.repeat(np.array([t.source for t in tables], dtype=object), sizes),
            "__line__": np.concatenate([np.asarray(t.lines) for t in tables]),
            "__format__": np.repeat(np.array([t.fmt for t in tables], dtype=object), sizes),
        },
        index=frame.index,
    )
    # joined as one block: inserting four columns into a concatenation of many tables (one
    # block per column) copied it and warned that the frame was highly fragmented
    frame = pd.concat([frame.drop(columns=list(_ROW_ORIGIN), errors="ignore"), origin], axis=1)
    # Each table's rows now live in ``frame``: the tables keep their names, formats and notes,
    # not a second copy of the rows (it doubled what a large upload's steps pickle between
    # processes, and what a session keeps).
    kept = SourceSet(
        [without_rows(t) for t in tables],
        sources.skipped,
        sources.problems,
        sources.renamed,
    )
    return Loaded(frame.reset_index(drop=True), configs, kept, present, unfinished, per_run_columns)
