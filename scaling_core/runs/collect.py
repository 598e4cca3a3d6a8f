"""Many files to one validated table: combine the raw tables, map columns to roles, fill in
per-run values (`scaling_core.runs.meta`), then validate with `read_run_log`.

`read_runs` is the one-call entry (paths, folders, zips or uploads); the page uses the steps
separately (`load`, `guess_roles`, `build_runs`) so a changed mapping re-runs only the last.

Examples
--------
>>> result = read_runs([("a.csv", b"params,tokens,loss\\n1e8,2e9,3.1\\n4e8,8e9,2.7\\n")])
>>> result.log.report.n_rows_kept, list(result.per_run["params_source"])
(2, ["column 'params'", "column 'params'"])
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from scaling_core.runs.combine import Loaded, load
from scaling_core.runs.factors import FROM_THE_FILE, SweepFactors, sweep_factors
from scaling_core.runs.finished import (
    finish_note,
    lacking_note,
    one_row_runs,
    stop_unfinished,
    unfinished_by_status,
    unfinished_need,
)
from scaling_core.runs.formats import SourceSet
from scaling_core.runs.logscale import read_log_columns
from scaling_core.runs.mapping import (
    FROM_FILE,
    ROLES,
    RoleMapping,
    apply_overrides,
    compute_unit,
    guess_roles,
    header_scale,
    numeric_column,
)
from scaling_core.runs.meta import (
    _BATCH,
    _FF,
    _LAYERS,
    _SEQ,
    _TIED,
    _VOCAB,
    _WIDTH,
    _last_key,
    budgets_in_names,
    params_from_config,
    read_runs_meta,
    size_from_name,
    tokens_per_step_from_config,
)
from scaling_core.runs.raw import MAX_RUNS
from scaling_core.runs.reader import read_run_log
from scaling_core.runs.report import (
    FLOP_PER_PARAM_TOKEN,
    ColumnMapping,
    DroppedRow,
    RunLog,
    RunLogError,
    ValidationReport,
    _list_headers,
)
from scaling_core.runs.split import runs_across_files, tell_runs_apart
from scaling_core.runs.structure import (
    NOMINAL_SIZE_SOURCE,
    nominal_sizes_note,
    one_planned_tokens,
    repeated_data_note,
    split_sweep_labels,
    varies_n_only_note,
)
from scaling_core.runs.tuning import tuning_grid
from scaling_core.runs.wide import WIDE_CHOICES, WIDE_ROLES, detect_wide, melt_wide
from scaling_core.wording import Note

_CONFIG_KEYS = _LAYERS | _WIDTH | _VOCAB | _FF | _TIED | _BATCH | _SEQ


def melt_loaded(loaded: Loaded, wide: str = "auto") -> Loaded:
    """``loaded`` with a wide table (`scaling_core.runs.wide`) melted into one row per loss,
    the column names read as ``wide`` (``"auto"``: as their names or the other columns say;
    ``"no"``: left as they are).  A note says what was done; `RunLogError` when the names'
    meaning is not known, or a role is named for a table that is not wide."""
    if wide not in WIDE_CHOICES:
        raise RunLogError(f"--wide must be one of {', '.join(WIDE_CHOICES)}, got {wide!r}")
    if wide == "no":
        return loaded
    found = detect_wide(loaded.frame)
    if found is None:
        if wide == "auto":
            return loaded
        raise RunLogError(
            Note(
                f"--wide {wide}: the table is not wide (no columns named by numbers such as "
                "1B, 2B or step_1000 whose cells are losses); leave --wide out",
                "the table is not wide (no columns named by numbers such as 1B, 2B or "
                "step_1000 whose cells are losses); set 'What the column names are' to "
                "automatic",
            )
        )
    role = found.guess if wide == "auto" else wide
    if role is None:
        raise RunLogError(
            Note(
                f"the table looks wide: columns {found.shown()} are named by numbers and "
                "hold numbers, but nothing says what the numbers are; say it with --wide "
                "tokens (data sizes), --wide params (model sizes) or --wide step, or --wide "
                "no to read the table as it is",
                f"the table looks wide: columns {found.shown()} are named by numbers and hold "
                "numbers, but nothing says what the numbers are; choose under 'What the "
                "column names are' (data size, model size or step)",
            )
        )
    frame = melt_wide(loaded.frame, found, role)
    added = [c for c in frame.columns if c not in loaded.frame.columns]
    present = {source: set(cols) | set(added) for source, cols in loaded.present.items()}
    what = "each cell a finished run" if role != "step" else "each row one run's learning curve"
    others = ", ".join(f"--wide {r}" for r in WIDE_ROLES if r != role)
    said = f"{found.columns[0]} = {found.values[0]:g} {role}"
    why = found.why if wide == "auto" else "as you said"
    head = f"wide table: columns {found.shown()} are {role} ({said}; {why})"
    tail = f"its {len(frame):,} loss cells are read one row each, {what}"
    note = Note(
        f"{head}; {tail}; {others} reads the names otherwise, --wide no as columns",
        f"{head}; {tail}; change it under 'What the column names are'",
    )
    return replace(loaded, frame=frame, present=present, notes=[*loaded.notes, note])


def mapping_for(loaded: Loaded, columns: Mapping[str, str | None] | None = None) -> RoleMapping:
    """The guessed mapping with the user's ``columns`` (role -> header) applied."""
    mapping = guess_roles(loaded.frame)
    return apply_overrides(mapping, columns or {}, loaded.names) if columns else mapping


@dataclass
class RunsRead:
    """The outcome of reading: tidy tables (``log``), the mapping, the per-run table and report.

    ``per_run`` has one row per run: run, files, format, rows, params, params_source, tokens,
    tokens_source, tokens_per_step, tokens_per_step_source, final_loss and needs (what a run still
    lacks; empty when it is used). ``log`` is None when no run has what a fit needs.
    ``factors`` sorts the label columns of the usable runs into sweep columns and run settings.
    """

    log: RunLog | None
    mapping: RoleMapping
    per_run: pd.DataFrame
    sources: SourceSet
    notes: list[str] = field(default_factory=list)
    dropped: list[tuple[str, int, str]] = field(default_factory=list)
    n_dropped: int = 0
    n_rows_read: int = 0
    factors: SweepFactors = field(default_factory=SweepFactors)

    @property
    def lacking(self) -> pd.DataFrame:
        """Runs not used, with what each needs."""
        return self.per_run[self.per_run["needs"] != ""].reset_index(drop=True)

    def nothing_usable(self, shown: int = 5) -> str:
        """Why no run can be fitted, naming the first ``shown`` runs and what each needs."""
        lacking = "; ".join(
            f"{r.run}: needs {r.needs}" for r in self.lacking.head(shown).itertuples()
        )
        return f"no run has what a fit needs ({lacking})"

    def summary(self, max_runs: int | None = 20) -> str:
        """The report as text (`scaling_core.runs.summary.runs_summary`)."""
        from scaling_core.runs.summary import runs_summary

        return runs_summary(self, max_runs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready report."""

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return v.item() if hasattr(v, "item") else v

        return {
            "formats": self.sources.formats,
            "files": sorted({t.source for t in self.sources.tables}),
            "skipped": [{"file": n, "reason": r} for n, r in self.sources.skipped],
            "renamed": [{"file": n, "how": r} for n, r in self.sources.renamed],
            "problems": [{"file": n, "message": m} for n, m in self.sources.problems],
            "roles": {r: self.mapping.columns.get(r) for r in ROLES},
            "roles_given": sorted(self.mapping.given),
            "loss_candidates": list(self.mapping.candidates.get("loss", [])),
            "loss_labels": dict(self.mapping.labels),
            "guess_reasons": dict(self.mapping.reasons),
            "loss_is_perplexity": self.mapping.loss_is_perplexity,
            "runs": [
                {k: clean(v) for k, v in row.items()} for row in self.per_run.to_dict("records")
            ],
            "lacking": [
                {"run": r.run, "needs": r.needs} for r in self.lacking.itertuples(index=False)
            ],
            "n_rows_read": self.n_rows_read,
            "n_rows_kept": 0 if self.log is None else self.log.report.n_rows_kept,
            "n_dropped": self.n_dropped,
            "dropped": [{"file": f, "line": ln, "reason": w} for f, ln, w in self.dropped[:1000]],
            "shape": None if self.log is None else self.log.report.shape,
            **self.factors.to_dict(),
            "notes": list(self.notes),
        }


def _params_from_compute(compute: np.ndarray, tokens: np.ndarray) -> float | None:
    """N = C / (6·D) (Kaplan et al. 2020, eq. 2.1's C ≈ 6ND, solved for N) at the row with
    the most tokens where both are known: a run's total compute over its total tokens."""
    both = np.isfinite(compute) & np.isfinite(tokens) & (compute > 0) & (tokens > 0)
    if not both.any():
        return None
    last = int(np.argmax(np.where(both, tokens, -np.inf)))
    return float(compute[last] / (FLOP_PER_PARAM_TOKEN * tokens[last]))


def _first_positive(values: np.ndarray) -> float | None:
    ok = values[np.isfinite(values) & (values > 0)]
    return float(ok[0]) if len(ok) else None


def _kept_notes(notes: list[str], run_column: str | None) -> list[str]:
    """The validation's notes that speak of the data (not of the table built for it), with the
    run column named as the user knows it."""
    if run_column in (None, FROM_FILE):  # no column: the run ids are the files' names
        renames = [("run id 'run' repeats", "the run ids taken from the file names repeat")]
        renames.append(("'run'", "file names"))
    else:
        renames = [("'run'", repr(run_column))]
    keep = ("read as learning curves", "finished runs", "compute_flops = 6", "compute column is")
    kept = [n for n in notes if n.startswith(keep)]
    for old, new in renames:
        kept = [_replace(n, old, new) for n in kept]
    return kept


def _replace(note: str, old: str, new: str) -> str:
    """``note.replace(old, new)`` in both wordings of a `Note` (scaling_core.wording)."""
    if isinstance(note, Note):
        return Note(note.replace(old, new), note.page.replace(old, new))
    return note.replace(old, new)


def _blank(series: pd.Series) -> np.ndarray:
    """Cells with nothing in them (NaN or empty text)."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.isna().to_numpy()
    text = series.astype("str")
    return (series.isna() | (text.str.strip() == "")).to_numpy(dtype=bool)


def _with_text(
    values: np.ndarray, frame: pd.DataFrame, column: str | None, rows: np.ndarray
) -> np.ndarray:
    """Numbers where there are numbers; elsewhere the file's own text, so the validation names it."""
    if column is None or column == FROM_FILE or np.isfinite(values).all():
        return values
    raw = frame[column].to_numpy(dtype=object)[rows]
    out = values.astype(object)
    bad = ~np.isfinite(values)
    out[bad] = raw[bad]
    return out


#: The tidy runs table's column of nominal budgets written in run names (``isoflop-6e+19-…``):
#: IsoFLOP fits group runs by it rather than by C = 6ND within a tolerance.
NOMINAL_BUDGET = "nominal_budget"

_TABLE_FORMATS = ("csv", "json", "jsonl", "wandb-runs")


def _run_ids(
    frame: pd.DataFrame, column: str | None, step: str | None, present: dict
) -> np.ndarray:
    """Each row's run: the run column, else the file's name. Rows of a plain table (CSV, JSON
    records, W&B runs table) without a step column are separate finished runs, named by line."""
    file_runs = frame["__run__"].astype(str).to_numpy()
    sources = frame["__source__"].astype(str).to_numpy()
    per_row = np.isin(frame["__format__"].to_numpy(dtype=object), _TABLE_FORMATS)
    for source in set(sources[per_row]):
        in_file = sources == source
        if (step is not None and step in present.get(source, ())) or in_file.sum() == 1:
            per_row &= ~in_file  # a learning curve, or a file holding one run
    if per_row.any():
        lines = frame["__line__"].to_numpy()
        single = len(set(sources)) == 1
        named = np.array(
            [
                f"line {ln}" if single else f"{r} line {ln}"
                for r, ln in zip(file_runs[per_row], lines[per_row], strict=True)
            ],
            dtype=object,
        )
        file_runs = file_runs.astype(object)
        file_runs[per_row] = named
        file_runs = file_runs.astype(str)
    if column is None or column == FROM_FILE:
        return file_runs
    raw = frame[column]
    if pd.api.types.is_float_dtype(raw.dtype):
        finite = raw[np.isfinite(raw)]
        if len(finite) and (finite == np.round(finite)).all():
            raw = raw.astype("Int64")
    ids = raw.astype("str").to_numpy(dtype=object)
    missing = raw.isna().to_numpy() | (pd.Series(ids).str.strip() == "").to_numpy()
    return np.where(missing, file_runs, ids).astype(str)


#: Roles whose guessed column may be absent from some files; those files use their own guess.
_PER_FILE_ROLES = ("params", "tokens", "compute", "step", "tokens_per_step")


def _per_file_columns(
    frame: pd.DataFrame, mapping: RoleMapping, present: dict[str, set[str]]
) -> dict[str, dict[str, str]]:
    """For each guessed role whose column some files lack, the column those files' own headers
    suggest (``{role: {file: column}}``): files of two trackers read together (the OLMo
    ladder's tidy CSV with ``tokens`` beside its W&B histories with ``throughput/total_tokens``)
    each keep their own.  A role the user named is taken as said."""
    sources = frame["__source__"].astype(str).to_numpy()
    out: dict[str, dict[str, str]] = {}
    for role in _PER_FILE_ROLES:
        column = mapping.columns.get(role)
        if not column or column == FROM_FILE or role in mapping.given:
            continue
        lacking = [f for f in present if column not in present[f] and f in set(sources)]
        by_headers: dict[frozenset[str], list[str]] = {}
        for source in lacking:
            by_headers.setdefault(frozenset(present[source]), []).append(source)
        for headers, files in by_headers.items():
            rows = np.isin(sources, files)
            own = [c for c in frame.columns if c in headers and not str(c).startswith("__")]
            if not own:
                continue
            guess = guess_roles(frame.loc[rows, own]).columns.get(role)
            if guess and guess != column and guess != FROM_FILE:
                out.setdefault(role, {}).update({f: guess for f in files})
    return out


def build_runs(
    loaded: Loaded,
    mapping: RoleMapping,
    *,
    runs_meta: pd.DataFrame | None = None,
    count_embeddings: bool = False,
    max_rows: int | None = None,
    unfinished_as_final: bool = False,
    tuning: str = "best",
) -> RunsRead:
    """Per-run values with sources, then the validated tidy table of the runs that have them.

    Finished runs of a tuning grid (`scaling_core.runs.tuning`): ``tuning="best"`` fits the best
    run of each (N, D) cell, ``"all"`` every run; diverged runs are left out either way.

    A run that stopped before its end (`Loaded.unfinished`) is listed with its values but not
    used unless ``unfinished_as_final``: its last point is not the end of its schedule."""
    cols = mapping.columns
    frame, present = loaded.with_values([c for c in cols.values() if c])

    def shown(name: str) -> str:
        """Where a role's values come from: a column, or a per-run value and its file."""
        if name in loaded.per_run_columns:
            return f"{loaded.per_run_columns[name]} {name!r}"
        return f"column {name!r}" if name in loaded.frame.columns else f"per-run value {name!r}"

    notes: list[str] = [note for t in loaded.sources.tables for note in t.notes]
    notes += loaded.notes
    if cols.get("loss") is None:
        columns = f"columns are: {_list_headers(loaded.headers, 30)}"
        raise RunLogError(  # both wordings (scaling_core.wording)
            Note(
                f"no loss column found; name one with --column loss=NAME; {columns}",
                f"no loss column found; pick one as Loss under Map the columns; {columns}",
            )
        )
    n = len(frame)
    named = _run_ids(frame, cols.get("run"), cols.get("step"), present)
    runs, apart = tell_runs_apart(
        frame, named, [c for c in cols.values() if c], curves=cols.get("step") is not None
    )
    notes += [apart] if apart else []
    label = cols.get("run")
    nan = np.full(n, np.nan)
    # each role's column read once: the run names' checks below and the values use them
    values = {
        role: numeric_column(frame, cols[role]) if cols.get(role) else nan
        for role in ("params", "tokens", "compute", "step", "tokens_per_step")
    }
    loss = numeric_column(frame, cols["loss"])
    sources = frame["__source__"].astype(str).to_numpy()
    if label not in (None, FROM_FILE) and len(set(sources)) > 1:  # names written in the files
        # before the sweep labels: a name each file uses once is a run of each file
        runs, across = runs_across_files(
            runs, sources, values["step"] if cols.get("step") else None, values["params"], loss
        )
        notes += across
    sweep_label = None
    if label not in (None, FROM_FILE) and "run" not in mapping.given:
        runs, sweep_label = split_sweep_labels(
            runs,
            values["params"],
            values["step"],
            values["tokens"],
            frame["__line__"].to_numpy(),
            str(label),
            ~_blank(frame[label]),
        )
    if sweep_label:
        notes.append(sweep_label)
        mapping = replace(
            mapping,
            reasons={**mapping.reasons, "run": "a sweep label here, not a run (see the notes)"},
        )
    if mapping.loss_is_perplexity:
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = np.where(loss > 0, np.log(np.where(loss > 0, loss, 1.0)), loss)
        notes.append(f"loss = log({cols['loss']}): the column is a perplexity")
    values, log_notes = read_log_columns(cols, values)
    notes += log_notes
    for role in ("params", "tokens", "tokens_per_step"):
        scale, unit_text = header_scale(cols[role]) if cols.get(role) else (1.0, "")
        if scale != 1.0:
            values[role] = values[role] * scale
            notes.append(f"{role} column {cols[role]!r}: unit {unit_text!r}, × {scale:g}")
    compute_label = shown(cols["compute"]) if cols.get("compute") else ""
    unit = compute_unit(cols["compute"]) if cols.get("compute") else None
    if unit is None and cols.get("compute") and header_scale(cols["compute"])[0] != 1.0:
        unit = header_scale(cols["compute"])[0], header_scale(cols["compute"])[1]
    if unit is not None:
        values["compute"] = values["compute"] * unit[0]
        compute_label += f" × {unit[0]:g} ({unit[1]} to FLOP)"
        notes.append(
            f"compute column {cols['compute']!r} is in {unit[1]} (its name says so): "
            f"× {unit[0]:g} to FLOP"
        )
    own_columns = _per_file_columns(frame, mapping, present)
    file_of = frame["__source__"].astype(str).to_numpy()
    for role, by_file in own_columns.items():
        values[role] = np.array(values[role], dtype=float)  # a writable copy
        for column in sorted(set(by_file.values())):
            files = [f for f, c in by_file.items() if c == column]
            rows = np.isin(file_of, files)
            own = numeric_column(frame, column)
            scale = (compute_unit(column) or (1.0, ""))[0] if role == "compute" else 1.0
            scale *= header_scale(column)[0]
            values[role][rows] = own[rows] * scale
            notes.append(
                f"{role}: {len(files):,} {'file has' if len(files) == 1 else 'files have'} no "
                f"{cols[role]!r}; {'its' if len(files) == 1 else 'their'} own {column!r} is read"
            )

    def column_of(role: str, source: str) -> str | None:
        """The column a role is read from in one file (its own, when it lacks the guess)."""
        return own_columns.get(role, {}).get(source, cols.get(role))

    nominal = budgets_in_names(runs)
    if not cols.get("compute") and np.isfinite(nominal).any():
        values["compute"] = nominal
        compute_label = "budget in the run name (nominal)"
        notes.append(
            f"compute from the budget written in {int(np.isfinite(nominal).sum()):,} rows' run "
            "names (e.g. isoflop-6e+19-…): nominal, the sweep's own grouping of its runs"
        )
    config_columns = [c for c in loaded.headers if _last_key(c) in _CONFIG_KEYS]
    meta = {}
    if runs_meta is not None and len(runs_meta):
        meta = {
            str(r["run"]): r
            for r in read_runs_meta(runs_meta, sorted(set(runs) | set(named))).to_dict("records")
        }
    file_of = frame["__source__"].astype(str).to_numpy()
    fmt_of = frame["__format__"].astype(str).to_numpy()
    file_run_of = frame["__run__"].astype(str).to_numpy()
    groups = pd.Series(np.arange(n)).groupby(runs, sort=False).indices
    simple = (
        len(groups) == n and not meta and not config_columns and not any(loaded.configs.values())
    )
    if len(groups) > MAX_RUNS and not simple:
        raise RunLogError(
            f"{len(groups):,} runs in {n:,} rows; the limit is {MAX_RUNS:,} runs per read. "
            "Fit a random subsample of the runs, or split them by sweep"
        )
    tokens_row = np.full(n, np.nan)
    params_row = np.full(n, np.nan)
    use_row = np.zeros(n, dtype=bool)
    loss_blank = _blank(frame[cols["loss"]])
    # Blank cells of the params and tokens columns, computed once (not per run: a table of
    # 250,000 one-row runs would otherwise take a pandas selection per run).
    blank_of = {
        role: _blank(frame[cols[role]])
        for role in ("params", "tokens")
        if cols.get(role) is not None and cols[role] in frame.columns
    }
    for role in ("params", "tokens"):
        if role in own_columns and role in blank_of:
            blank_of[role] = np.array(blank_of[role], dtype=bool)
        for source, column in own_columns.get(role, {}).items():
            rows = file_of == source
            blank_of[role][rows] = _blank(frame[column])[rows]
    records: list[dict[str, Any]] = []
    interpolated = 0
    # a run's own "did it finish" column (is_finished, or a tracker's state): like a Trainer
    # folder without trainer_state.json, its last point is not the end of its schedule
    status_column, status_why = unfinished_by_status(frame)
    if status_column and (
        note := finish_note(runs, status_column, status_why, unfinished_as_final)
    ):
        notes.append(note)
    if simple:  # one row per run, nothing per run to look up: all at once
        per_run, tokens_row, params_row, use_row = one_row_runs(
            frame, cols, values, runs, loss, blank_of, present, compute_label
        )
        if not unfinished_as_final:
            use_row = stop_unfinished(per_run, use_row, status_why)
        groups = {}
    for run, idx in groups.items():
        idx = np.sort(idx)
        m = meta.get(str(run), meta.get(str(named[idx[0]]), {}))
        config = dict(loaded.configs.get(file_run_of[idx[0]], {}))
        for c in config_columns:
            v = frame[c].iloc[idx[0]]
            if pd.notna(v):
                config.setdefault(c, v)
        # parameters: the per-run table, a column, the config, a size in the name
        p: float | None = None
        p_column = values["params"][idx]
        in_file = present.get(file_of[idx[0]], set())
        if m and np.isfinite(m.get("params", np.nan)):
            p, p_src = float(m["params"]), "per-run table"
            p_column = np.full(len(idx), p)
        elif column_of("params", file_of[idx[0]]) in in_file and not blank_of["params"][idx].all():
            p = _first_positive(p_column)
            p = float(np.nanmax(p_column)) if p is None and np.isfinite(p_column).any() else p
            p = math.nan if p is None else p
            p_src = shown(column_of("params", file_of[idx[0]]))
        elif (counted := params_from_config(config, count_embeddings=count_embeddings)) is not None:
            p, p_src = counted
        elif (size := size_from_name(str(run))) is not None or (
            size := size_from_name(file_run_of[idx[0]])
        ) is not None:
            p, p_src = size, NOMINAL_SIZE_SOURCE
        elif (
            derived := _params_from_compute(values["compute"][idx], values["tokens"][idx])
        ) is not None:
            p, p_src = derived, f"{compute_label} / (6·D)"
        else:
            p_src = ""
        if p is not None and not np.isfinite(values["params"][idx]).any():
            p_column = np.full(len(idx), p)
        # tokens per step
        tps: float | None = None
        tps_src = ""
        if m and np.isfinite(m.get("tokens_per_step", np.nan)):
            tps, tps_src = float(m["tokens_per_step"]), "per-run table"
        elif (tps := _first_positive(values["tokens_per_step"][idx])) is not None:
            tps_src = shown(column_of("tokens_per_step", file_of[idx[0]]))
        elif (from_cfg := tokens_per_step_from_config(config)) is not None:
            tps, tps_src = from_cfg
        # tokens of each row
        step = values["step"][idx]
        has_step = bool(np.isfinite(step).any())
        t = values["tokens"][idx].copy()
        t_src = ""
        final_only = False
        if m and np.isfinite(m.get("tokens", np.nan)):
            total = float(m["tokens"])
            if has_step and np.nanmax(step) > 0:
                t = step * (total / np.nanmax(step))
                t_src = "per-run table (total, spread over steps)"
            else:
                t = np.full(len(idx), np.nan)
                t_src, final_only = "per-run table (final row only)", True
        elif np.isfinite(t).any() or (
            column_of("tokens", file_of[idx[0]]) in in_file
            and (len(idx) == 1 or not blank_of["tokens"][idx].all())
        ):
            t_src = shown(column_of("tokens", file_of[idx[0]]))
            gaps = ~np.isfinite(t) & np.isfinite(step) & ~loss_blank[idx]
            known = np.isfinite(t) & np.isfinite(step)
            if gaps.any() and known.sum() >= 2:
                order = np.argsort(step[known])
                xs, ys = step[known][order], t[known][order]
                inside = gaps & (step >= xs[0]) & (step <= xs[-1])
                t[inside] = np.interp(step[inside], xs, ys)
                interpolated += int(inside.sum())
        elif p is not None and np.isfinite(values["compute"][idx]).any():
            with np.errstate(invalid="ignore", divide="ignore"):
                t = values["compute"][idx] / (FLOP_PER_PARAM_TOKEN * p)
            t_src = f"{compute_label} / (6·N)"
        elif tps is not None and has_step:
            t = step * tps
            t_src = f"step × tokens_per_step ({tps_src})"
        # the final row: the largest token count (else step, else last) with a loss
        has_loss = np.isfinite(loss[idx])
        order_key = (
            t if np.isfinite(t).any() else (step if has_step else np.arange(len(idx), dtype=float))
        )
        key = np.where(has_loss & np.isfinite(order_key), order_key, -np.inf)
        final = None
        if has_loss.any():
            top = key.max()
            final = (
                int(np.flatnonzero(key == top)[-1])
                if np.isfinite(top)
                else int(np.flatnonzero(has_loss)[-1])
            )
        if final_only and final is not None:
            t[final] = float(m["tokens"])
        needs = []
        if p is None:
            needs.append("params")
        if not t_src:
            needs.append("tokens (or tokens_per_step)" if has_step else "tokens")
        if loss_blank[idx].all() and (len(idx) > 1 or cols["loss"] not in in_file):
            needs.append(f"loss values (none in {cols['loss']!r})")
        stopped = loaded.unfinished.get(file_run_of[idx[0]], "") or next(
            (w for w in status_why[idx] if w), ""
        )
        if stopped and not unfinished_as_final:
            needs.append(unfinished_need(stopped))
        files = sorted(set(file_of[idx]))
        records.append(
            {
                "run": str(run),
                "files": ", ".join(files[:3]) + (f" (+{len(files) - 3})" if len(files) > 3 else ""),
                "format": fmt_of[idx[0]],
                "rows": int(has_loss.sum()),
                "params": math.nan if p is None else p,
                "params_source": p_src,
                "tokens": float(t[final]) if final is not None else math.nan,
                "tokens_source": t_src,
                "tokens_per_step": math.nan if tps is None else tps,
                "tokens_per_step_source": tps_src,
                "final_loss": float(loss[idx][final]) if final is not None else math.nan,
                "needs": ", ".join(needs),
            }
        )
        if not needs:
            tokens_row[idx] = t
            params_row[idx] = p_column
            if final_only:
                use_row[idx[final]] = True
            elif len(idx) == 1:
                use_row[idx] = True  # a single row goes to validation, which names its problem
            else:
                use_row[idx] = ~loss_blank[idx]
    if not simple:
        per_run = pd.DataFrame(records)
    if sizes_note := nominal_sizes_note(per_run):
        notes.append(sizes_note)
    if interpolated:
        notes.append(
            f"tokens interpolated on step for {interpolated:,} rows logged between token counts"
        )
    blank = int(loss_blank.sum())
    if blank:
        notes.append(
            f"{blank:,} {'row has' if blank == 1 else 'rows have'} no value in {cols['loss']!r}; "
            "not used"
        )
    lacking = per_run[per_run["needs"] != ""]
    if len(lacking):
        notes.append(
            lacking_note(
                f"{len(lacking)} {'run lacks' if len(lacking) == 1 else 'runs lack'} values "
                "and are not used: "
                + ", ".join(f"{r.run} ({r.needs})" for r in lacking.head(8).itertuples())
                + (" ..." if len(lacking) > 8 else ""),
                bool(lacking["needs"].astype(str).str.contains("a finish (", regex=False).any()),
            )
        )
    result = RunsRead(None, mapping, per_run, loaded.sources, notes, n_rows_read=n)
    rows = np.flatnonzero(use_row)
    if len(rows) == 0:
        return result
    table = pd.DataFrame(
        {
            "run": runs[rows],
            "params": _with_text(params_row[rows], frame, cols.get("params"), rows),
            "tokens": _with_text(tokens_row[rows], frame, cols.get("tokens"), rows),
            "loss": _with_text(loss[rows], frame, cols["loss"], rows),
        }
    )
    if compute_label:
        table["compute"] = values["compute"][rows]  # the log's own compute, checked against 6ND
    if cols.get("step"):
        table["step"] = values["step"][rows]
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    log = read_run_log(buffer.getvalue().encode("utf-8"), max_rows=max_rows)
    src_file = file_of[rows]
    src_line = frame["__line__"].to_numpy()[rows]
    used_columns = {c for r, c in cols.items() if c and not (r == "run" and sweep_label)}
    extra = [c for c in loaded.headers if c not in used_columns]
    tidied = []
    for tidy in (log.runs, log.curves):
        if tidy is None:
            tidied.append(None)
            continue
        pos = tidy["line"].to_numpy(dtype=np.int64) - 2
        tidy["file"] = src_file[pos]
        tidy["line"] = src_line[pos].astype(np.int64)
        # the file's other columns ride along (sweep factors such as dataset, learning rate)
        others = frame[extra].iloc[rows[pos]].reset_index(drop=True)
        others.columns = [c if c not in tidy.columns else f"{c}{FROM_THE_FILE}" for c in extra]
        others = others.loc[:, ~others.columns.isin(tidy.columns)]
        joined = pd.concat([tidy.reset_index(drop=True), others], axis=1)
        if np.isfinite(nominal[rows[pos]]).all() and NOMINAL_BUDGET not in joined:
            joined[NOMINAL_BUDGET] = nominal[rows[pos]]  # IsoFLOP budgets group by these
        tidied.append(joined)
    log.runs, log.curves = tidied[0], tidied[1]
    if log.curves is None and log.runs is not None:  # finished runs: a tuning grid's envelope
        grid = tuning_grid(log.runs)
        grid_note = grid.note(tuning)
        if grid_note:
            log.runs = log.runs[grid.keep(tuning)].reset_index(drop=True)
            notes.append(grid_note)
    result.factors = sweep_factors(log.runs)
    notes += result.factors.notes()
    if log.runs is not None and len(log.runs):
        one_d = one_planned_tokens(
            log.runs["n_params"].to_numpy(dtype=float), log.runs["n_tokens"].to_numpy(dtype=float)
        )
        if one_d is not None:
            notes.append(varies_n_only_note(*one_d, curves=log.curves is not None))
        repeated = repeated_data_note(log.runs)
        if repeated:
            notes.append(repeated)
    dropped = []
    for d in log.report.dropped:
        pos = d.line - 2
        dropped.append((str(src_file[pos]), int(src_line[pos]), d.reason))
    result.dropped = dropped
    result.n_dropped = log.report.n_dropped
    columns = [ColumnMapping(cols[r], r) for r in ROLES if cols.get(r) and cols[r] != FROM_FILE]
    log.report = ValidationReport(
        shape=log.report.shape,
        delimiter=",",
        columns=columns,
        ignored_columns=[],
        dropped=[DroppedRow(ln, f"{f}: {why}") for f, ln, why in dropped],
        notes=notes + _kept_notes(log.report.notes, cols.get("run")),
        n_rows_read=n,
        n_rows_kept=log.report.n_rows_kept,
        n_dropped=log.report.n_dropped,
    )
    result.log = log
    return result


def read_runs(
    sources: SourceSet | Sequence[tuple[str, bytes]] | Sequence[str | os.PathLike],
    *,
    columns: Mapping[str, str | None] | None = None,
    runs_meta: pd.DataFrame | str | bytes | None = None,
    count_embeddings: bool = False,
    max_rows: int | None = None,
    unfinished_as_final: bool = False,
    tuning: str = "best",
    wide: str = "auto",
) -> RunsRead:
    """Read logs in any supported format into tidy tables, the per-run table and a report.

    ``columns`` sets roles (``{"loss": "eval/c4_en-validation/CrossEntropyLoss"}``);
    ``runs_meta`` gives per-run params / tokens / tokens_per_step (a frame, CSV path or bytes);
    ``wide`` says what the column names of a wide table are (`melt_loaded`).
    """
    loaded = melt_loaded(load(sources), wide)
    mapping = mapping_for(loaded, columns)
    meta = None
    if runs_meta is not None:
        meta = runs_meta if isinstance(runs_meta, pd.DataFrame) else read_runs_meta(runs_meta)
    return build_runs(
        loaded,
        mapping,
        runs_meta=meta,
        count_embeddings=count_embeddings,
        max_rows=max_rows,
        unfinished_as_final=unfinished_as_final,
        tuning=tuning,
    )
