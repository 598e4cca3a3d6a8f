"""What reading a run log produces: `RunLog` (the tidy table) and its `ValidationReport` (columns
read as what, rows dropped with line numbers and reasons), `RunLogError`, and message helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

#: FLOP per parameter per training token in the ``C = 6 N D`` estimate.
FLOP_PER_PARAM_TOKEN = 6.0
#: How many dropped rows are stored individually (the full count is always kept).
MAX_STORED_DROPPED = 1000


class RunLogError(ValueError):
    """A run log that cannot be used; the message is one line a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))
        # the page's wording of a `scaling_core.wording.Note` (issue 21); else the same text
        self.page = " ".join(str(getattr(message, "page", message)).split())


@dataclass(frozen=True)
class ColumnMapping:
    """One header of the file and the canonical role it was read as."""

    source: str
    role: str


@dataclass(frozen=True)
class DroppedRow:
    """A data row that was not used: its 1-based line in the file and why."""

    line: int
    reason: str


@dataclass
class ValidationReport:
    """What :func:`read_run_log` read, derived, rescaled and dropped."""

    shape: str
    delimiter: str
    columns: list[ColumnMapping] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    dropped: list[DroppedRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    n_rows_read: int = 0
    n_rows_kept: int = 0
    n_dropped: int = 0

    def summary(self) -> str:
        """Readable multi-line description of the report."""
        names = {",": "comma", "\t": "tab", ";": "semicolon"}
        shape = "learning curves" if self.shape == "curves" else "finished runs"
        lines = [
            f"Read {self.n_rows_read:,} data rows as {shape} "
            f"({names.get(self.delimiter, repr(self.delimiter))}-separated); "
            f"kept {self.n_rows_kept:,}, dropped {self.n_dropped:,}.",
            "Columns:",
        ]
        lines += [f"  {c.source!r} -> {c.role}" for c in self.columns]
        if self.ignored_columns:
            lines.append("Not used: " + ", ".join(repr(c) for c in self.ignored_columns))
        if self.notes:
            lines.append("Notes:")
            lines += [f"  - {note}" for note in self.notes]
        if self.dropped:
            lines.append("Dropped rows:")
            lines += [f"  line {d.line}: {d.reason}" for d in self.dropped]
            more = self.n_dropped - len(self.dropped)
            if more > 0:
                lines.append(f"  ... and {more:,} more")
        return "\n".join(lines)


@dataclass
class RunLog:
    """A run log as tidy tables plus the report on how it was read.

    ``runs`` has one row per finished run with columns ``run``, ``n_params``,
    ``n_tokens``, ``compute_flops`` (FLOP), ``loss`` and ``line``, then any of
    ``batch_size``, ``learning_rate``, ``n_layer``, ``d_model``, ``step`` and
    the unused columns of the file. ``curves`` (learning-curve files only) has
    one row per logged step: ``run``, ``step`` (if given), ``n_tokens``,
    ``loss``, ``n_params``, ``compute_flops``, ``line``.
    """

    runs: pd.DataFrame
    curves: pd.DataFrame | None
    report: ValidationReport


def _show(value: object, limit: int = 40) -> str:
    """A value for a message: one line, control characters escaped, truncated."""
    text = str(value)
    text = text.encode("unicode_escape").decode("ascii") if not text.isprintable() else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _list_headers(headers: Sequence[str], limit: int = 12) -> str:
    shown = ", ".join(repr(_show(h)) for h in headers[:limit])
    if len(headers) > limit:
        shown += f", … ({len(headers) - limit} more)"
    return shown or "(none)"


def _fmt_number(value: float) -> str:
    return f"{value:g}"
