"""The limits of one read, the same for the command line and the page, counted on what an input
expands to and not on its size on the wire.

One `ReadBudget` follows one read (a CLI command's paths, or one upload action on the page:
every file and every archive member together) with running totals of bytes as given, bytes
once expanded, files, data rows and cells; the first limit crossed stops the read with a
`LimitExceeded` that names the limit, what crossed it and what to do.  Rows and cells are
counted on the bytes before a table is parsed where the format allows (delimited text, JSON
Lines), so a file past the budget is never parsed.

The table `LIMITS_TABLE` is what the README shows; each row is enforced here and tested in
``tests/test_limits.py``.

Examples
--------
>>> budget = ReadBudget()
>>> budget.add_given("a.csv", 1000)
>>> budget.add_rows("a.csv", 10, 3)
>>> budget.rows, budget.cells
(10, 30)
"""

from __future__ import annotations

from dataclasses import dataclass

from scaling_core.runs.report import RunLogError

MiB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Every limit of one read (sizes in bytes)."""

    #: One file as uploaded or on disk, and one archive member once expanded.
    file_bytes: int = 50 * MiB
    #: All files of one read together, as given (compressed archives at their compressed size).
    upload_bytes: int = 100 * MiB
    #: All files of one read once archives are expanded.
    expanded_bytes: int = 200 * MiB
    #: Files after folders and archives are expanded.
    files: int = 5_000
    #: An archive member over 256 KiB may expand at most this many times (text logs: 5-30x).
    member_ratio: int = 200
    #: Data rows (logged points or finished runs) over all files.
    rows: int = 250_000
    #: Columns of one table.
    columns: int = 2_000
    #: Cells (rows x columns) over all files.
    cells: int = 5_000_000
    #: Levels of nesting of a JSON document or JSON Lines record.
    json_depth: int = 64
    #: Characters of one number in a JSON file.
    number_chars: int = 100


LIMITS = Limits()

#: The README's table of limits: (what, limit as text, where it applies).
LIMITS_TABLE: tuple[tuple[str, str], ...] = (
    ("One file, as uploaded or on disk; one archive member once expanded", "50 MiB"),
    ("One read (an upload action or a command's paths), as given", "100 MiB"),
    ("One read once archives are expanded (all members, all files)", "200 MiB"),
    ("Expansion of one archive member over 256 KiB", "200x"),
    ("Files, after expanding folders and archives", "5,000"),
    ("Data rows (logged points or finished runs), all files together", "250,000"),
    ("Runs (each run has at least one row)", "250,000"),
    ("Columns of one table", "2,000"),
    ("Cells (rows x columns), all files together", "5,000,000"),
    ("Nesting of a JSON document or JSON Lines record", "64 levels"),
    ("Length of one number in a JSON file", "100 characters"),
)

#: What to do when a read is too large, appended to the `LimitExceeded` messages.
ADVICE = (
    "Keep only the columns a fit needs (run, params, tokens or compute, loss, step), "
    "subsample the runs or their logged steps, or split the files by sweep"
)
ADVICE_COLUMNS = "Keep only the columns a fit needs (run, params, tokens or compute, loss, step)"
ADVICE_ROWS = (
    "Subsample the runs or their logged steps (e.g. every 10th step), or split the files by sweep"
)


class LimitExceeded(RunLogError):
    """A read crossed one of the `Limits`; stops the whole read (not just one file)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def _mib(n_bytes: float) -> str:
    return f"{n_bytes / MiB:,.1f} MiB"


class ReadBudget:
    """Running totals of one read against `Limits` (see the module docstring)."""

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self.given = 0
        self.expanded = 0
        self.files = 0
        self.rows = 0
        self.cells = 0

    # ------------------------------------------------------------------ bytes and files
    def add_given(self, name: str, n_bytes: int) -> None:
        """A file (or archive) as given: the per-file and per-read limits on the wire."""
        lim = self.limits
        if n_bytes > lim.file_bytes:
            raise LimitExceeded(
                f"{name}: {_mib(n_bytes)}; the limit is {_mib(lim.file_bytes)} per file. "
                "Split it by run or sweep, or keep only the columns a fit needs",
                "file_bytes",
            )
        self.given += n_bytes
        if self.given > lim.upload_bytes:
            raise LimitExceeded(
                f"the files add up to more than {_mib(lim.upload_bytes)} (at {name}); the limit "
                f"is {_mib(lim.upload_bytes)} per upload. Send fewer files at once",
                "upload_bytes",
            )

    def check_expanded(self, name: str, n_bytes: int, *, declared: bool = False) -> None:
        """Would ``n_bytes`` more expanded bytes fit?  (Checked before reading an archive.)"""
        lim = self.limits
        if self.expanded + n_bytes > lim.expanded_bytes:
            how = "declare" if declared else "expand to"
            raise LimitExceeded(
                f"{name}: the files {how} more than {_mib(lim.expanded_bytes)} once unpacked "
                f"(at least {_mib(self.expanded + n_bytes)}); the limit is "
                f"{_mib(lim.expanded_bytes)} per upload. {ADVICE}",
                "expanded_bytes",
            )

    def add_expanded(self, name: str, n_bytes: int) -> None:
        """A file's bytes once expanded (a plain file: its size; an archive member: its
        content); also counts the file."""
        lim = self.limits
        if n_bytes > lim.file_bytes:
            raise LimitExceeded(
                f"{name}: {_mib(n_bytes)} once expanded; the limit is {_mib(lim.file_bytes)} "
                "per file",
                "file_bytes",
            )
        self.check_expanded(name, n_bytes)
        self.expanded += n_bytes
        self.add_files(name, 1)

    def add_files(self, name: str, count: int) -> None:
        """``count`` more files (members of an archive, files of a folder)."""
        self.files += count
        if self.files > self.limits.files:
            raise LimitExceeded(
                f"{name}: more than {self.limits.files:,} files in all; the limit is "
                f"{self.limits.files:,} per upload",
                "files",
            )

    # ------------------------------------------------------------------ rows and cells
    @property
    def rows_left(self) -> int:
        """Data rows still allowed in this read."""
        return self.limits.rows - self.rows

    def add_rows(self, name: str, n_rows: int, n_columns: int, *, estimate: bool = False) -> None:
        """``n_rows`` data rows of ``n_columns`` columns from ``name``; refuses the read when
        the rows, columns or cells of all files together pass their limits.  ``estimate``
        marks counts made on the bytes before parsing (lines, fields of the header)."""
        lim = self.limits
        about = "about " if estimate else ""
        if n_columns > lim.columns:
            raise LimitExceeded(
                f"{name}: {about}{n_columns:,} columns; the limit is {lim.columns:,} columns. "
                f"{ADVICE_COLUMNS}",
                "columns",
            )
        if self.rows + n_rows > lim.rows:
            total = "" if self.rows == 0 else f" ({self.rows + n_rows:,} with the files before it)"
            raise LimitExceeded(
                f"{name}: {about}{n_rows:,} data rows{total}; the limit is {lim.rows:,} rows "
                f"per upload. {ADVICE_ROWS}",
                "rows",
            )
        cells = n_rows * max(n_columns, 1)
        if self.cells + cells > lim.cells:
            raise LimitExceeded(
                f"{name}: {about}{n_rows:,} rows x {n_columns:,} columns = {cells:,} cells"
                + ("" if self.cells == 0 else f" ({self.cells + cells:,} with the files before it)")
                + f"; the limit is {lim.cells:,} cells per upload. {ADVICE}",
                "cells",
            )
        self.rows += n_rows
        self.cells += cells

    def take_back_rows(self, n_rows: int, n_columns: int) -> None:
        """Undo an estimate once the exact count of the same table is known."""
        self.rows -= n_rows
        self.cells -= n_rows * max(n_columns, 1)


def delimited_shape(data: bytes) -> tuple[int, int]:
    """(data lines, fields of the first line) of delimited text, counted on the bytes: an upper
    bound on a table's rows and columns, before any parsing."""
    lines = data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)
    start = len(data) - len(data.lstrip())
    end = data.find(b"\n", start, start + (1 << 20))
    first = data[start : end if end >= 0 else start + (1 << 20)]
    columns = 1 + max(first.count(b","), first.count(b"\t"), first.count(b";"))
    return max(lines - 1, 0), columns
