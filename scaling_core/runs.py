"""Reading and validating training-run logs.

Researchers bring CSV/TSV exports from experiment trackers (W&B, TensorBoard,
spreadsheets). :func:`read_run_log` turns such a file into a tidy table with
canonical column names and a :class:`ValidationReport` that says what was read
as what, which rows were dropped (with their line numbers and the reason) and
which values were derived or rescaled.

Two shapes of file are understood:

* **finished runs** -- one row per run: parameters ``N``, tokens ``D`` (or
  training compute ``C``, from which ``D = C / (6 N)``) and the final loss;
* **learning curves** -- one row per logged step of each run; the finished-runs
  table is then the row at the largest token count of each run, and
  :func:`snapshot_losses` reads the loss of every run at chosen compute or
  token budgets (IsoFLOP snapshots).

Training compute, when not given, is the standard estimate ``C = 6 N D`` FLOP.

References
----------
Kaplan et al. (2020), "Scaling Laws for Neural Language Models", arXiv:2001.08361
(the ``C ≈ 6 N D`` estimate). Hoffmann et al. (2022), "Training
Compute-Optimal Large Language Models", arXiv:2203.15556 (IsoFLOP profiles).

Examples
--------
>>> log = read_run_log(b"params,tokens,loss\\n1.5B,30B,2.41\\n300M,6e9,2.9\\n")
>>> log.report.shape, log.report.n_rows_kept
('runs', 2)
>>> float(log.runs.loc[0, "compute_flops"])
2.7e+20
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Literal

import numpy as np
import pandas as pd

__all__ = [
    "ColumnMapping",
    "DroppedRow",
    "RunLog",
    "RunLogError",
    "ValidationReport",
    "read_run_log",
    "snapshot_losses",
]

#: FLOP per parameter per training token in the ``C = 6 N D`` estimate.
FLOP_PER_PARAM_TOKEN = 6.0
#: How many dropped rows are stored individually (the full count is always kept).
MAX_STORED_DROPPED = 1000

_OPTIONAL_NUMERIC = ("batch_size", "batch_tokens", "seq_len", "learning_rate", "n_layer", "d_model")

# Normalised header (lower case, letters and digits only) -> (role, preference);
# a lower preference number wins when several headers could play one role.
_SYNONYMS: dict[str, tuple[str, int]] = {}


def _add_synonyms(role: str, names_by_preference: Sequence[Sequence[str]]) -> None:
    for preference, names in enumerate(names_by_preference):
        for name in names:
            _SYNONYMS[name] = (role, preference)


_add_synonyms(
    "n_params",
    [
        [
            "params",
            "nparams",
            "n",
            "numparams",
            "parameters",
            "modelsize",
            "nparameters",
            "numparameters",
            "paramcount",
            "totalparams",
        ],
        ["nonembeddingparams", "nonembeddingparameters", "nparamsnonembedding", "nonembparams"],
    ],
)
_add_synonyms(
    "n_tokens",
    [
        [
            "tokens",
            "d",
            "ntokens",
            "trainingtokens",
            "traintokens",
            "tokensseen",
            "numtokens",
            "data",
            "totaltokens",
            "tokenstrained",
            "trainedtokens",
            "datasize",
        ]
    ],
)
_add_synonyms(
    "compute_flops",
    [
        [
            "flops",
            "compute",
            "c",
            "trainingflop",
            "trainingflops",
            "trainflops",
            "computeflops",
            "flop",
            "totalflops",
            "trainingcompute",
        ]
    ],
)
_add_synonyms(
    "loss",
    [
        [
            "valloss",
            "validloss",
            "validationloss",
            "evalloss",
            "finalvalloss",
            "vallossfinal",
            "evallossfinal",
            "finalevalloss",
        ],
        ["testloss"],
        ["loss", "finalloss", "lossfinal"],
        ["trainloss", "trainingloss", "finaltrainloss"],
    ],
)
_add_synonyms(
    "run",
    [
        ["run", "runid", "runname"],
        ["name", "id"],
        ["experiment", "experimentname"],
        ["model", "modelname"],
    ],
)
_add_synonyms("step", [["step", "globalstep", "iteration", "iter", "steps", "trainerglobalstep"]])
_add_synonyms(
    "batch_tokens", [["batchtokens", "tokensperbatch", "batchsizetokens", "tokensperstep"]]
)
_add_synonyms("batch_size", [["batchsize", "bs"]])
_add_synonyms(
    "seq_len",
    [["seqlen", "sequencelength", "contextlength", "nctx", "blocksize", "ctxlen", "contextlen"]],
)
_add_synonyms("learning_rate", [["lr", "learningrate"], ["maxlr", "peaklr"]])
_add_synonyms("n_layer", [["nlayer", "nlayers", "layers", "depth", "numlayers"]])
_add_synonyms("d_model", [["dmodel", "width", "hiddensize", "nembd"]])

# Scale words in a header unit such as "params (M)" or "compute (PF-days)".
_UNIT_SCALES: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mil": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "g": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "giga": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
    "trillions": 1e12,
    "tera": 1e12,
    "%": 1e-2,
    "percent": 1e-2,
    "pfdays": 8.64e19,
    "pfday": 8.64e19,
    "petaflopdays": 8.64e19,
    "pfsdays": 8.64e19,
    "gflop": 1e9,
    "gflops": 1e9,
    "tflop": 1e12,
    "tflops": 1e12,
    "pflop": 1e15,
    "pflops": 1e15,
    "eflop": 1e18,
    "eflops": 1e18,
}
# Suffix letters on values: 1.5B, 300M, 2T, 70k (B = billion, G = giga).
_VALUE_SUFFIXES: dict[str, float] = {
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "g": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "%": 1e-2,
}
_NUMBER_WITH_SUFFIX = (
    r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*"
    r"(k|mn|m|bn|b|g|tn|t|%)?$"
)
_HEADER_UNIT = re.compile(r"^(.*?)[\s_]*[\(\[]\s*([^\)\]]*?)\s*[\)\]]\s*$")


class RunLogError(ValueError):
    """A run log that cannot be used; the message is one line a user can act on."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(str(message).split()))


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


# --------------------------------------------------------------------------- numbers


@dataclass
class _ParsedNumbers:
    """Result of :func:`_parse_number_series`, aligned with the input."""

    values: np.ndarray  # float64; NaN where missing or not a number
    missing: np.ndarray  # bool: empty cell
    unparsed: np.ndarray  # bool: text that is not a number
    own_scale: np.ndarray  # bool: value carried a suffix such as B or %
    n_suffix: int = 0
    n_thousands: int = 0
    n_decimal_comma: int = 0


_PLAIN_DECIMAL = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def _plain_floats(text: pd.Series) -> np.ndarray:
    """Float value of each plain decimal string (``-1.5e9``), NaN for anything else.

    Uses pyarrow compute when the strings are arrow-backed (no Python object per
    row); otherwise :func:`pandas.to_numeric` on the strings that look numeric.
    """
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(text.array)
        plain = pc.match_substring_regex(arr, _PLAIN_DECIMAL)
        kept = pc.if_else(plain, arr, pa.scalar(None, arr.type))
        values = pc.cast(kept, pa.float64()).to_numpy(zero_copy_only=False)
        return np.array(values, dtype="float64", copy=True)
    except Exception:  # pyarrow missing or not arrow-backed: the slower, equivalent path
        plain = text.str.fullmatch(_PLAIN_DECIMAL).to_numpy(dtype=bool, na_value=False)
        out = np.full(len(text), np.nan)
        out[plain] = pd.to_numeric(text[plain].astype(object), errors="coerce").to_numpy(
            dtype="float64", na_value=np.nan
        )
        return out


def _parse_number_series(values: pd.Series, *, semicolon_file: bool = False) -> _ParsedNumbers:
    """Parse a column of numbers written by people, vectorised.

    Accepts anything :func:`pandas.to_numeric` accepts (fast path) and, for the
    entries it rejects, ``1.5B``, ``300M``, ``2T``, ``70k``, ``5%`` (suffixes are
    case-insensitive; B = G = 1e9), ``1_000``, grouped thousands ``1,500,000`` or
    ``1 500 000`` and decimal commas (``2,41``; in semicolon-separated files a
    single comma is always decimal). Surrounding whitespace is ignored.
    """
    n = len(values)
    own_scale = np.zeros(n, dtype=bool)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = values.to_numpy(dtype="float64", na_value=np.nan, copy=True)
        missing = np.isnan(out) if values.hasnans else np.zeros(n, dtype=bool)
        return _ParsedNumbers(out, missing, np.zeros(n, dtype=bool), own_scale)

    text = values if values.dtype == "str" else values.astype("str")
    text = text.str.strip()
    missing = (text.isna() | (text == "")).to_numpy(dtype=bool)
    out = _plain_floats(text)
    unparsed = np.zeros(n, dtype=bool)
    result = _ParsedNumbers(out, missing, unparsed, own_scale)
    todo = np.isnan(out) & ~missing
    if not todo.any():
        return result
    # Entries that are not plain decimals: first what pandas accepts (inf, nan, ...).
    idx = np.flatnonzero(todo)
    loose = pd.to_numeric(text[todo].astype(object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    out[idx] = loose
    nan_text = (
        text[todo].str.fullmatch(r"[+-]?nan", case=False).to_numpy(dtype=bool, na_value=False)
    )
    todo[idx[~np.isnan(loose) | nan_text]] = False
    if not todo.any():
        return result

    sub = text[todo].str.replace(r"(?<=\d)_(?=\d)", "", regex=True)
    sub = sub.str.replace("\u00a0", " ", regex=False).str.replace("\u202f", " ", regex=False)
    # grouped thousands: 1,500,000 / 1 500 000 / 1'500'000 (with optional .decimals)
    grouped = sub.str.match(r"^[+-]?\d{1,3}(?:([, '])\d{3})(?:\1\d{3})*(?:\.\d+)?(?!\d|[,.])")
    single_comma = sub.str.match(r"^[+-]?\d+,\d+(?![\d,.])")
    european = sub.str.match(r"^[+-]?\d{1,3}(?:\.\d{3})+,\d+(?![\d,.])")
    if semicolon_file:
        decimal = single_comma | european
        thousands = grouped & ~decimal
    else:
        three_digits = sub.str.match(r"^[+-]?\d{1,3},\d{3}(?![\d,.])")
        decimal = (single_comma & ~three_digits) | european
        thousands = grouped & ~decimal
    sub = sub.where(~thousands, sub.str.replace(r"(?<=\d)[, '](?=\d{3})", "", regex=True))
    sub = sub.where(
        ~decimal, sub.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    )
    parts = sub.str.extract(_NUMBER_WITH_SUFFIX, flags=re.IGNORECASE)
    mantissa = pd.to_numeric(parts[0].astype(object), errors="coerce").to_numpy(
        dtype="float64", na_value=np.nan
    )
    suffix = parts[1].str.lower()
    scale = suffix.map(_VALUE_SUFFIXES).to_numpy(dtype="float64", na_value=1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        parsed = mantissa * scale
    ok = ~np.isnan(mantissa)
    idx = np.flatnonzero(todo)
    out[idx] = parsed
    unparsed[idx[~ok]] = True
    has_suffix = ok & suffix.notna().to_numpy()
    own_scale[idx[has_suffix]] = True
    result.n_suffix = int(has_suffix.sum())
    result.n_thousands = int((ok & thousands.to_numpy(dtype=bool)).sum())
    result.n_decimal_comma = int((ok & decimal.to_numpy(dtype=bool)).sum())
    return result


# --------------------------------------------------------------------------- text


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


def _read_source(source: str | os.PathLike | bytes | IO, max_bytes: int | None) -> bytes | str:
    """Raw content of ``source``: a path, CSV text containing a newline, bytes or a file."""
    limit = None if max_bytes is None else max_bytes + 1
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
            if max_bytes is not None and size > max_bytes:
                raise RunLogError(f"file is {size:,} bytes; the limit is {max_bytes:,}")
            with open(source, "rb") as handle:
                data = handle.read()
        except OSError as exc:
            raise RunLogError(
                f"cannot open {_show(os.fspath(source), 80)!r}: {exc.strerror or exc}"
            ) from exc
    elif hasattr(source, "read"):
        try:
            data = source.read() if limit is None else source.read(limit)
        except (OSError, ValueError) as exc:
            raise RunLogError(f"cannot read the uploaded file: {exc}") from exc
        if isinstance(data, (bytearray, memoryview)):
            data = bytes(data)
        if not isinstance(data, (bytes, str)):
            raise RunLogError("the file object returned neither bytes nor text")
    else:
        raise RunLogError(f"expected a path, bytes or a file object, got {type(source).__name__}")
    size = len(data.encode("utf-8")) if isinstance(data, str) else len(data)
    if max_bytes is not None and size > max_bytes:
        shown = f"more than {max_bytes:,}" if size == limit else f"{size:,}"
        raise RunLogError(f"file is {shown} bytes; the limit is {max_bytes:,}")
    return data


def _decode(data: bytes | str, notes: list[str]) -> str:
    """Text of the file: UTF-8 (BOM stripped), UTF-16 with BOM, else Latin-1."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise RunLogError(
                f"file starts like UTF-16 text but byte {exc.start} is invalid"
            ) from exc
        notes.append("file is UTF-16 encoded; decoded it")
    else:
        if data.startswith(b"PK\x03\x04"):
            raise RunLogError("this looks like an Excel workbook or zip archive; export it as CSV")
        if data.startswith(b"\x1f\x8b"):
            raise RunLogError("this looks like a gzip archive; decompress it to a CSV first")
        nul = data.find(b"\x00")
        if nul >= 0:
            raise RunLogError(
                f"file contains a NUL byte at offset {nul:,}; it looks binary, not a CSV/TSV table"
            )
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = data.decode("latin-1")
            notes.append(f"file is not valid UTF-8 (byte {exc.start:,}); read it as Latin-1")
    if "\x00" in text:
        raise RunLogError("file contains NUL characters; it looks binary, not a CSV/TSV table")
    head = text[:65536]
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\n\r")
    if controls > max(3, len(head) // 100):
        raise RunLogError(
            f"file has {controls} control characters in its first {len(head):,} characters; "
            "it does not look like a text table"
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _split_fields(line: str, delimiter: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return line.split(delimiter)


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


# --------------------------------------------------------------------------- table


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


# --------------------------------------------------------------------------- headers


def _split_header(header: str) -> tuple[str, float, str]:
    """Normalised name, unit scale and unit text of a header like ``Params (M)``."""
    name, unit = header.strip(), ""
    match = _HEADER_UNIT.match(name)
    if match and match.group(1).strip():
        name, unit = match.group(1), match.group(2).strip()
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    scale = 1.0
    if unit:
        unit_key = re.sub(r"[^a-z0-9%]", "", unit.lower())
        first_word = re.split(r"[\s\-_]+", unit.lower().strip())[0]
        numeric = re.fullmatch(r"(?:x|×)?\s*(1e[+-]?\d+|10\^[+-]?\d+)", unit.lower().strip())
        if unit_key in _UNIT_SCALES:
            scale = _UNIT_SCALES[unit_key]
        elif numeric:
            scale = float(numeric.group(1).replace("10^", "1e"))
        elif first_word in _UNIT_SCALES and first_word not in ("%",):
            scale = _UNIT_SCALES[first_word]
    return key, scale, unit


@dataclass
class _Column:
    index: int
    header: str
    role: str
    scale: float
    unit: str


def _resolve_columns(headers: list[str], notes: list[str]) -> tuple[dict[str, _Column], list[int]]:
    """Pick one column per role; return the chosen columns and the unused indices."""
    seen: dict[str, int] = {}
    for i, header in enumerate(headers):
        if header in seen:
            notes.append(
                f"header {_show(header)!r} appears more than once (columns {seen[header] + 1} "
                f"and {i + 1}); used the first"
            )
        else:
            seen[header] = i
    candidates: dict[str, list[tuple[int, int, _Column]]] = {}
    for i, header in enumerate(headers):
        if seen.get(header) != i:
            continue
        key, scale, unit = _split_header(header)
        if key in _SYNONYMS:
            role, preference = _SYNONYMS[key]
            column = _Column(i, header, role, scale, unit)
            candidates.setdefault(role, []).append((preference, i, column))
    chosen: dict[str, _Column] = {}
    for role, options in candidates.items():
        options.sort(key=lambda item: (item[0], item[1]))
        chosen[role] = options[0][2]
        if len(options) > 1:
            others = ", ".join(repr(_show(o[2].header)) for o in options[1:])
            held_out = role == "loss" and options[0][0] <= 1
            why = " (held-out loss preferred)" if held_out else ""
            notes.append(
                f"several columns could be {role}: used {_show(chosen[role].header)!r}{why}; "
                f"not used: {others}"
            )
    used = {c.index for c in chosen.values()}
    unused = [i for i in range(len(headers)) if i not in used]
    return chosen, unused


# --------------------------------------------------------------------------- main


class _Dropper:
    """Collects the reasons rows are dropped, without a Python object per good row."""

    def __init__(self, n_rows: int) -> None:
        self.bad = np.zeros(n_rows, dtype=bool)
        self.checks: list[tuple[np.ndarray, Callable[[int], str]]] = []

    def add(self, mask: np.ndarray, explain: Callable[[int], str]) -> None:
        """Mark rows in ``mask`` as dropped; ``explain(i)`` gives the reason for row ``i``."""
        if mask.any():
            self.bad |= mask
            self.checks.append((mask, explain))

    def reasons(self, lines: np.ndarray) -> list[DroppedRow]:
        out = []
        for i in np.flatnonzero(self.bad)[:MAX_STORED_DROPPED]:
            parts = [explain(i) for mask, explain in self.checks if mask[i]]
            out.append(DroppedRow(int(lines[i]), "; ".join(parts)))
        return out


def _value_checks(
    role: str,
    parsed: _ParsedNumbers,
    raw: pd.Series,
    dropper: _Dropper,
    *,
    skip: np.ndarray | None = None,
) -> None:
    """Drop rows whose ``role`` value is missing, text, not finite or not positive."""
    values = parsed.values
    skip = np.zeros(len(values), dtype=bool) if skip is None else skip

    def raw_text(i: int) -> str:
        value = raw.iloc[i]
        return _fmt_number(value) if isinstance(value, float) else _show(value).strip()

    dropper.add(parsed.missing & ~skip, lambda i: f"missing {role}")
    dropper.add(parsed.unparsed & ~skip, lambda i: f"{role} {raw_text(i)!r} is not a number")
    numeric = ~parsed.missing & ~parsed.unparsed & ~skip
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(values)
        dropper.add(numeric & ~finite, lambda i: f"{role} {raw_text(i)!r} is not finite")
        dropper.add(
            numeric & finite & (values <= 0),
            lambda i: f"{role} {raw_text(i)} is not positive",
        )


def read_run_log(
    source: str | os.PathLike | bytes | IO,
    *,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    shape: Literal["auto", "runs", "curves"] = "auto",
) -> RunLog:
    """Read a CSV/TSV log of training runs into tidy tables and a validation report.

    Parameters
    ----------
    source
        A path, CSV text (a ``str`` containing a newline), ``bytes``, or an
        open file (binary or text), e.g. a Streamlit upload.
    max_rows, max_bytes
        Refuse files with more data rows or bytes than this.
    shape
        ``"auto"`` (default) reads the file as learning curves when it has a
        step or tokens column and a run id that repeats; ``"runs"`` or
        ``"curves"`` force the reading.

    Returns
    -------
    RunLog
        ``runs`` (one row per finished run; ``compute_flops = 6·N·D`` FLOP unless
        the file gives compute, and ``n_tokens = C / (6·N)`` when only compute is
        given), ``curves`` (learning-curve files) and ``report``.

    Raises
    ------
    RunLogError
        For any file that cannot be used: unreadable, binary, too large, a
        required column (params, loss, tokens or compute) missing, or no usable
        row. No other exception type escapes.

    Examples
    --------
    >>> log = read_run_log(b"N;C;val_loss\\n1e9;6e19;2.5\\n")
    >>> float(log.runs.loc[0, "n_tokens"])
    10000000000.0
    """
    try:
        return _read_run_log(source, max_rows=max_rows, max_bytes=max_bytes, shape=shape)
    except RunLogError:
        raise
    except MemoryError as exc:
        raise RunLogError("the file is too large to read into memory") from exc
    except Exception as exc:  # any parser failure must reach the user as one clear message
        raise RunLogError(
            f"internal error while reading the file ({type(exc).__name__}: {_show(exc, 120)}); "
            "please report it with the file"
        ) from exc


def _read_run_log(
    source: str | os.PathLike | bytes | IO,
    *,
    max_rows: int | None,
    max_bytes: int | None,
    shape: str,
) -> RunLog:
    if shape not in ("auto", "runs", "curves"):
        raise RunLogError(f"shape must be 'auto', 'runs' or 'curves', not {_show(shape)!r}")
    notes: list[str] = []
    text = _decode(_read_source(source, max_bytes), notes)

    # Header: the first non-blank line (blank lines before it are skipped).
    stripped = text.lstrip("\n")
    if not stripped.strip():
        raise RunLogError("the file is empty")
    header_line = text.count("\n", 0, len(text) - len(stripped)) + 1
    sample = [ln for ln in stripped[:65536].split("\n")[:50] if ln.strip()]
    delimiter = _sniff_delimiter(sample)
    reader = csv.reader(io.StringIO(stripped[:1_048_576]), delimiter=delimiter)
    try:
        headers = [h.strip() for h in next(reader)]
    except (csv.Error, StopIteration) as exc:
        raise RunLogError(f"line {header_line}: cannot read the header ({exc})") from exc
    header_lines = max(reader.line_num, 1)
    cut = -1
    for _ in range(header_lines):
        cut = stripped.find("\n", cut + 1)
        if cut < 0:
            break
    # The C parser reads bytes; a str would be copied into a 4-byte-per-character buffer.
    body = b"" if cut < 0 else stripped[cut + 1 :].encode("utf-8", errors="replace")
    del text, stripped
    # An empty header (e.g. a trailing delimiter on the header line) names an unnamed column:
    # rows with a value there are kept, the column is reported as not used.
    headers = [h if h else f"column {i + 1}" for i, h in enumerate(headers)]
    if delimiter == ";":
        notes.append("semicolon-separated: a single comma in a number is read as a decimal comma")

    chosen, unused = _resolve_columns(headers, notes)
    missing_roles = []
    if "n_params" not in chosen:
        missing_roles.append("parameters (e.g. 'params', 'N')")
    if "loss" not in chosen:
        missing_roles.append("loss (e.g. 'loss', 'val_loss')")
    has_tokens_source = (
        "n_tokens" in chosen
        or "compute_flops" in chosen
        or ("step" in chosen and ("batch_tokens" in chosen or "batch_size" in chosen))
    )
    if not has_tokens_source:
        if "step" in chosen:
            missing_roles.append(
                f"tokens: found step column {chosen['step'].header!r} but no tokens, compute or "
                "batch-size column to turn steps into tokens"
            )
        else:
            missing_roles.append("tokens or compute (e.g. 'tokens', 'D', 'flops', 'C')")
    if missing_roles:
        raise RunLogError(
            f"missing column for {'; '.join(missing_roles)}; "
            f"headers found: {_list_headers(headers)}"
        )

    # Row limit (cheap upper bound before parsing: number of lines).
    if max_rows is not None:
        n_lines = body.count(b"\n") + (0 if body.endswith(b"\n") or not body else 1)
        if n_lines > max_rows:
            n_lines -= body.count(b"\n\n")
        if n_lines > max_rows:
            raise RunLogError(f"file has {n_lines:,} rows; the limit is {max_rows:,}")

    table, lines, pre_dropped, n_pre_dropped, table_notes = _read_table(
        body, delimiter, len(headers), header_line + header_lines
    )
    notes += table_notes
    n_read = len(table) + n_pre_dropped
    if max_rows is not None and n_read > max_rows:
        raise RunLogError(f"file has {n_read:,} rows; the limit is {max_rows:,}")
    if n_read == 0:
        raise RunLogError(
            f"the file has a header but no data rows; headers found: {_list_headers(headers)}"
        )

    # Parse every numeric role.
    semicolon = delimiter == ";"
    parsed: dict[str, _ParsedNumbers] = {}
    for role, col in chosen.items():
        if role == "run":
            continue
        result = _parse_number_series(table[col.index], semicolon_file=semicolon)
        if col.scale != 1.0:
            plain = ~result.own_scale
            result.values[plain] *= col.scale
            notes.append(
                f"{col.header!r}: values scaled by {_fmt_number(col.scale)} "
                f"(unit {col.unit!r} in the header)"
                + (
                    f"; {int(result.own_scale.sum()):,} values with their own suffix kept as written"
                    if result.own_scale.any()
                    else ""
                )
            )
        for count, what in (
            (result.n_suffix, "suffixes (e.g. 1.5B)"),
            (result.n_thousands, "thousands separators"),
            (result.n_decimal_comma, "decimal commas"),
        ):
            if count:
                notes.append(f"{col.header!r}: {count:,} values with {what} parsed")
        parsed[role] = result

    # Run ids.
    if "run" in chosen:
        run_raw = table[chosen["run"].index]
        if pd.api.types.is_float_dtype(run_raw.dtype):
            finite = run_raw[np.isfinite(run_raw)]
            if (finite == np.round(finite)).all() and (finite.abs() < 2**53).all():
                run_raw = run_raw.astype("Int64")  # ids 1, 2, 3 with gaps: not "1.0"
        run_ids = run_raw.astype("str").fillna("").str.strip()
    else:
        run_ids = pd.Series("", index=table.index, dtype="str")
    run_missing = (run_ids == "").to_numpy(dtype=bool)

    # Shape.
    n_unique = run_ids[~run_missing].nunique() if "run" in chosen else 0
    repeats = "run" in chosen and n_unique < int((~run_missing).sum())
    if shape == "auto":
        is_curves = repeats and ("step" in chosen or "n_tokens" in chosen)
        if is_curves:
            notes.append(
                f"read as learning curves: run id {chosen['run'].header!r} repeats "
                f"({n_unique:,} runs in {int((~run_missing).sum()):,} rows); "
                "if each row is a separate finished run, give each its own run name "
                "(or read_run_log(..., shape='runs') from Python)"
            )
    else:
        is_curves = shape == "curves"
        if is_curves and "run" not in chosen:
            raise RunLogError(
                "learning curves need a run id column (e.g. 'run', 'name'); "
                f"headers found: {_list_headers(headers)}"
            )

    dropper = _Dropper(len(table))
    n_rows = len(table)
    nan = np.full(n_rows, np.nan)
    params = parsed["n_params"].values
    loss = parsed["loss"].values

    # Optional numeric columns: bad values left blank (row kept), and said so.
    optional: dict[str, np.ndarray] = {}
    for role in (*_OPTIONAL_NUMERIC, "step"):
        if role not in parsed:
            continue
        result = parsed[role]
        values = result.values.copy()
        with np.errstate(invalid="ignore"):
            bad_value = ~np.isfinite(values) | (values < 0 if role == "step" else values <= 0)
        bad = (bad_value | result.unparsed) & ~result.missing
        values[bad | result.missing] = np.nan
        if bad.any():
            first = ", ".join(str(x) for x in lines[np.flatnonzero(bad)[:5]])
            notes.append(
                f"{chosen[role].header!r}: {int(bad.sum()):,} unusable values left blank "
                f"(lines {first}{', …' if bad.sum() > 5 else ''})"
            )
        optional[role] = values

    # Curves: parameters may be logged on only some rows of a run.
    if is_curves and parsed["n_params"].missing.any():
        frame = pd.DataFrame({"run": run_ids.reset_index(drop=True), "p": params})
        filled = frame.groupby("run", sort=False)["p"].transform("first").to_numpy()
        fill = parsed["n_params"].missing & ~np.isnan(filled) & ~run_missing
        if fill.any():
            params = params.copy()
            params[fill] = filled[fill]
            parsed["n_params"].missing = parsed["n_params"].missing & ~fill
            parsed["n_params"].values = params
            notes.append(
                f"n_params filled in from other rows of the same run for {int(fill.sum()):,} rows"
            )

    # Batch size in tokens, when it can be known.
    batch_tokens = optional.get("batch_tokens")
    if batch_tokens is None and "batch_size" in optional:
        if "seq_len" in optional:
            batch_tokens = optional["batch_size"] * optional["seq_len"]
            notes.append("batch tokens = batch_size × seq_len")
        else:
            batch_tokens = optional["batch_size"]

    # Tokens and compute.
    tokens = parsed["n_tokens"].values.copy() if "n_tokens" in parsed else nan.copy()
    compute = parsed["compute_flops"].values.copy() if "compute_flops" in parsed else nan.copy()
    tokens_given = "n_tokens" in parsed
    compute_given = "compute_flops" in parsed
    tokens_from_compute = np.zeros(n_rows, dtype=bool)
    if tokens_given:
        _value_checks(
            "n_tokens",
            parsed["n_tokens"],
            table[chosen["n_tokens"].index],
            dropper,
            skip=_derivable(parsed, "n_tokens", params, compute_given),
        )
    if compute_given:
        if tokens_given:
            compute_needed = parsed["n_tokens"].missing | parsed["n_tokens"].unparsed
        else:
            compute_needed = np.ones(n_rows, dtype=bool)
        comp = parsed["compute_flops"]
        with np.errstate(invalid="ignore"):
            comp_ok = ~comp.missing & ~comp.unparsed & np.isfinite(comp.values) & (comp.values > 0)
        # compute is required where tokens must come from it; elsewhere a bad value is re-derived
        _value_checks(
            "compute_flops",
            comp,
            table[chosen["compute_flops"].index],
            dropper,
            skip=~compute_needed,
        )
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            derive = compute_needed & comp_ok
            tokens_from_compute = derive & np.isfinite(params) & (params > 0)
            tokens[tokens_from_compute] = compute[tokens_from_compute] / (
                FLOP_PER_PARAM_TOKEN * params[tokens_from_compute]
            )
        compute[~comp_ok] = np.nan
        if tokens_from_compute.any():
            notes.append(
                "n_tokens computed as compute/(6·params) for "
                f"{int(tokens_from_compute.sum()):,} rows"
            )
        if tokens_given:
            replaced = tokens_from_compute & parsed["n_tokens"].unparsed
            if replaced.any():
                first = ", ".join(str(x) for x in lines[np.flatnonzero(replaced)[:5]])
                notes.append(
                    f"{chosen['n_tokens'].header!r}: {int(replaced.sum()):,} unreadable values "
                    f"replaced by compute/(6·params) (lines {first}"
                    f"{', …' if replaced.sum() > 5 else ''})"
                )
    elif not tokens_given:
        step = optional.get("step")
        if step is None or batch_tokens is None:  # guarded above; defensive
            raise RunLogError("no way to know tokens: give tokens, compute or step and batch size")
        tokens = step * batch_tokens
        bad_steps = np.isnan(tokens)
        dropper.add(bad_steps, lambda i: "step or batch size missing or unusable: tokens unknown")
        with np.errstate(invalid="ignore"):
            dropper.add(~bad_steps & ~(tokens > 0), lambda i: "n_tokens 0 (step 0) is not positive")
        batch_name = chosen["batch_tokens"] if "batch_tokens" in chosen else chosen["batch_size"]
        notes.append(
            f"n_tokens computed as {chosen['step'].header!r} × {batch_name.header!r}"
            + (
                ""
                if "batch_tokens" in chosen or "seq_len" in chosen
                else " (assumes the batch size counts tokens; add a seq_len column if it counts "
                "sequences)"
            )
        )
    _value_checks("n_params", parsed["n_params"], table[chosen["n_params"].index], dropper)
    _value_checks("loss", parsed["loss"], table[chosen["loss"].index], dropper)
    if is_curves:
        dropper.add(run_missing, lambda i: "missing run id")

    with np.errstate(invalid="ignore", over="ignore"):
        six_nd = FLOP_PER_PARAM_TOKEN * params * tokens
        # tokens that overflow or vanish when combined are not usable either
        derived_bad = ~dropper.bad & ~(np.isfinite(tokens) & (tokens > 0))
        dropper.add(derived_bad, lambda i: f"n_tokens {_fmt_number(tokens[i])} is not usable")
        compute_filled = ~np.isfinite(compute) | (compute <= 0)
        compute = np.where(compute_filled, six_nd, compute)
        overflow = ~dropper.bad & ~(np.isfinite(compute) & (compute > 0))
        dropper.add(overflow, lambda i: "compute 6·N·D is not a finite positive number")
    if compute_given and (compute_filled & ~dropper.bad).any():
        notes.append(
            f"compute_flops = 6·N·D for {int((compute_filled & ~dropper.bad).sum()):,} rows "
            "where the compute cell was blank or unusable"
        )
    elif not compute_given:
        notes.append("compute_flops = 6·N·D (no compute column)")
    keep = ~dropper.bad
    if compute_given and tokens_given:
        both = keep & ~tokens_from_compute & ~compute_filled
        if both.any():
            ratio = np.median(compute[both] / six_nd[both])
            if not 0.5 <= ratio <= 2.0:
                notes.append(
                    f"compute column is {ratio:.3g}× 6·N·D (median); check its units "
                    "(kept the values given)"
                )

    n_dropped = n_pre_dropped + int(dropper.bad.sum())
    dropped = sorted(
        pre_dropped + dropper.reasons(lines)[:MAX_STORED_DROPPED], key=lambda d: d.line
    )[:MAX_STORED_DROPPED]
    n_kept = int(keep.sum())

    by_position = sorted(chosen.values(), key=lambda c: c.index)
    columns = [ColumnMapping(c.header, c.role) for c in by_position]
    ignored = [headers[i] for i in unused]
    report = ValidationReport(
        shape="curves" if is_curves else "runs",
        delimiter=delimiter,
        columns=columns,
        ignored_columns=ignored,
        dropped=dropped,
        notes=notes,
        n_rows_read=n_read,
        n_rows_kept=n_kept,
        n_dropped=n_dropped,
    )
    if n_kept == 0:
        first = dropped[0] if dropped else None
        example = f"; e.g. line {first.line}: {first.reason}" if first else ""
        raise RunLogError(f"no usable rows: all {n_read:,} data rows were dropped{example}")

    out = pd.DataFrame(
        {
            "run": run_ids[keep].reset_index(drop=True),
            "n_params": params[keep],
            "n_tokens": tokens[keep],
            "compute_flops": compute[keep],
            "loss": loss[keep],
        }
    )
    blank_run = (out["run"] == "").to_numpy(dtype=bool)
    if blank_run.any():
        line_names = "line " + pd.Series(lines[keep], dtype="int64").astype("str")
        out["run"] = out["run"].where(~blank_run, line_names)
        if "run" in chosen:
            notes.append(f"{int(blank_run.sum()):,} rows without a run id named after their line")
    if batch_tokens is not None:
        out["batch_size"] = batch_tokens[keep]
    for role in ("learning_rate", "n_layer", "d_model"):
        if role in optional:
            out[role] = optional[role][keep]
    if "step" in optional:
        out["step"] = optional["step"][keep]
    out["line"] = lines[keep]
    taken = set(out.columns)
    for i in unused:
        name = headers[i]
        if name in taken:
            name = f"{name} (file)"
        if name in taken:
            continue
        taken.add(name)
        out[name] = table[i].to_numpy()[keep]

    if not is_curves:
        if "run" in chosen and out["run"].duplicated().any():
            notes.append("some run ids repeat; every row is kept as its own run")
        return RunLog(runs=out.reset_index(drop=True), curves=None, report=report)

    curve_cols = (
        ["run"]
        + (["step"] if "step" in out else [])
        + ["n_tokens", "loss", "n_params", "compute_flops", "line"]
    )
    curves = out.sort_values(["run", "n_tokens", "line"], kind="stable").reset_index(drop=True)
    runs = curves.drop_duplicates("run", keep="last").sort_values("line", kind="stable")
    notes.append(f"finished runs: the row at the largest n_tokens of each of {len(runs):,} runs")
    return RunLog(runs=runs.reset_index(drop=True), curves=curves[curve_cols], report=report)


def _derivable(
    parsed: dict[str, _ParsedNumbers], role: str, params: np.ndarray, compute_given: bool
) -> np.ndarray:
    """Rows whose missing/unreadable tokens can be derived from compute instead."""
    result = parsed[role]
    if not compute_given:
        return np.zeros(len(result.values), dtype=bool)
    comp = parsed["compute_flops"]
    with np.errstate(invalid="ignore"):
        comp_ok = ~comp.missing & ~comp.unparsed & np.isfinite(comp.values) & (comp.values > 0)
    return (result.missing | result.unparsed) & comp_ok


# --------------------------------------------------------------------------- snapshots


def snapshot_losses(
    curves: pd.DataFrame,
    compute_flops: Sequence[float] | float | None = None,
    n_tokens: Sequence[float] | float | None = None,
) -> pd.DataFrame:
    """Loss of each run at chosen compute budgets or token counts (IsoFLOP snapshots).

    Within each run the loss is interpolated linearly in log-log space,
    ``log L`` against ``log C`` (or ``log D``), between the two logged points
    around the target. A run contributes a row only when the target lies inside
    its logged range (no extrapolation). Give exactly one of ``compute_flops``
    (FLOP) or ``n_tokens``.

    Parameters
    ----------
    curves
        ``RunLog.curves``: columns ``run``, ``n_params``, ``n_tokens``,
        ``compute_flops``, ``loss``.
    compute_flops, n_tokens
        Target budgets (positive, finite).

    Returns
    -------
    pandas.DataFrame
        Columns ``run``, ``n_params``, ``n_tokens``, ``compute_flops``, ``loss``,
        one row per (target, run) covered, ordered by target then ``n_params``.

    Examples
    --------
    >>> curves = pd.DataFrame({"run": ["a", "a"], "n_params": [1e8, 1e8],
    ...     "n_tokens": [1e9, 4e9], "compute_flops": [6e17, 2.4e18], "loss": [4.0, 1.0]})
    >>> round(float(snapshot_losses(curves, n_tokens=[2e9]).loc[0, "loss"]), 12)
    2.0
    """
    if (compute_flops is None) == (n_tokens is None):
        raise ValueError("give exactly one of compute_flops or n_tokens")
    axis = "compute_flops" if compute_flops is not None else "n_tokens"
    targets = np.atleast_1d(
        np.asarray(compute_flops if compute_flops is not None else n_tokens, dtype=float)
    )
    if not np.all(np.isfinite(targets) & (targets > 0)):
        raise ValueError(f"{axis} targets must be finite and positive")
    columns = ["run", "n_params", "n_tokens", "compute_flops", "loss"]
    needed = set(columns) - set(curves.columns)
    if needed:
        raise ValueError(f"curves table lacks columns {sorted(needed)}")
    other = "n_tokens" if axis == "compute_flops" else "compute_flops"
    rows: list[dict[str, object]] = []
    data = curves[columns]
    data = data[np.isfinite(data[axis]) & (data[axis] > 0) & (data["loss"] > 0)]
    for run, group in data.groupby("run", sort=False):
        group = group.sort_values(axis, kind="stable").drop_duplicates(axis, keep="last")
        x = np.log(group[axis].to_numpy(dtype=float))
        inside = (np.log(targets) >= x[0] - 1e-12) & (np.log(targets) <= x[-1] + 1e-12)
        if not inside.any():
            continue
        log_t = np.clip(np.log(targets[inside]), x[0], x[-1])
        log_loss = np.interp(log_t, x, np.log(group["loss"].to_numpy(dtype=float)))
        log_other = np.interp(log_t, x, np.log(group[other].to_numpy(dtype=float)))
        params = group["n_params"].to_numpy(dtype=float)
        if np.all(params == params[0]):
            run_params = np.full(len(log_t), params[0])
        else:
            run_params = np.exp(np.interp(log_t, x, np.log(params)))
        for t, ll, lo, n in zip(targets[inside], log_loss, log_other, run_params, strict=True):
            rows.append(
                {
                    "run": run,
                    "n_params": float(n),
                    axis: float(t),
                    other: math.exp(lo),
                    "loss": math.exp(ll),
                }
            )
    result = pd.DataFrame(rows, columns=columns)
    if result.empty:
        return result.astype({c: float for c in columns[1:]})
    return result.sort_values([axis, "n_params", "run"], kind="stable").reset_index(drop=True)
