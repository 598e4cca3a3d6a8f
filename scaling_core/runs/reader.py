"""`read_run_log`: from a file to a validated tidy table of finished runs or learning curves,
every dropped row reported with its line number and reason.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from typing import IO, Literal

import numpy as np
import pandas as pd

from scaling_core.runs.delimited import _check_width, _read_table, _sniff_delimiter
from scaling_core.runs.numbers import _parse_number_series, _ParsedNumbers
from scaling_core.runs.report import (
    FLOP_PER_PARAM_TOKEN,
    MAX_STORED_DROPPED,
    ColumnMapping,
    DroppedRow,
    RunLog,
    RunLogError,
    ValidationReport,
    _fmt_number,
    _list_headers,
    _show,
)
from scaling_core.runs.roles import _OPTIONAL_NUMERIC, _resolve_columns
from scaling_core.runs.source import _decode, _read_source
from scaling_core.wording import Note


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
        raise RunLogError(
            "the file is too large to read into the memory available; keep only the columns "
            "a fit needs, or fewer rows (e.g. every 10th logged step)"
        ) from exc
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
    _check_width(len(headers), header_line)
    if delimiter == ";":
        notes.append("semicolon-separated: a single comma in a number is read as a decimal comma")

    sample = list(
        csv.reader(io.StringIO(body[:65536].decode("utf-8", errors="replace")), delimiter=delimiter)
    )
    chosen, unused = _resolve_columns(headers, notes, sample[:20])
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
            head = (
                f"read as learning curves: run id {chosen['run'].header!r} repeats "
                f"({n_unique:,} run{'' if n_unique == 1 else 's'} in "
                f"{int((~run_missing).sum()):,} rows); "
                "if each row is a separate finished run, give each its own run name"
            )
            notes.append(  # the page's wording names its control (scaling_core.wording)
                Note(
                    head + " (or read_run_log(..., shape='runs') from Python)",
                    head + " (or set Run to none under Map the columns)",
                )
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
    extra: dict[str, np.ndarray] = {}
    for i in unused:
        name = headers[i]
        if name in taken:
            name = f"{name} (file)"
        if name in taken:
            continue
        taken.add(name)
        extra[name] = table[i].to_numpy()[keep]
    if extra:  # one concat: inserting columns one by one is quadratic in their number
        out = pd.concat([out, pd.DataFrame(extra, index=out.index)], axis=1)

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
