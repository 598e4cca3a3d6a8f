"""Tables and text of the fit page: the validation report, parameters and derived exponents, runs and
held-out runs with numbers written as the rest of the app writes them, the fitted law in LaTeX.

Data in, DataFrame or string out; no Streamlit calls.
"""

from __future__ import annotations

import math
import re
from typing import Any

import pandas as pd

from charts.format import format_count, format_scientific, latex_number
from scaling_core.fit import (
    FitResult,
    Identifiability,
)
from scaling_core.runs import RunLog

PARAM_HELP: dict[str, str] = {
    "E": "irreducible loss (nats/token)",
    "A": "parameter term coefficient (nats/token · N^α)",
    "B": "data term coefficient (nats/token · D^β)",
    "alpha": "exponent of N",
    "beta": "exponent of D",
    "n_c": "N_c (parameters)",
    "d_c": "D_c (tokens)",
    "alpha_n": "exponent α_N",
    "alpha_d": "exponent α_D",
    "C_c": "C_c (FLOP)",
    "alpha_c": "exponent α_C",
}


def report_tables(log: RunLog) -> dict[str, pd.DataFrame]:
    """The validation report as tables: columns (file header → role), notes, dropped rows."""
    report = log.report
    columns = [{"column in the file": c.source, "read as": c.role} for c in report.columns]
    columns += [{"column in the file": c, "read as": "(not used)"} for c in report.ignored_columns]
    return {
        "columns": pd.DataFrame(columns, columns=["column in the file", "read as"]),
        "notes": pd.DataFrame({"note": list(report.notes)}),
        "dropped": pd.DataFrame(
            {"line": [d.line for d in report.dropped], "reason": [d.reason for d in report.dropped]}
        ),
    }


def format_param(value: float) -> str:
    """4 significant digits; scientific outside 1e-3…1e4 (6.36e13 for N_c)."""
    if value is None or not math.isfinite(value):
        return "—"
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.4g}"
    return format_scientific(value, 4)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:&=^])")


def escape_markdown(text: str) -> str:
    """Uploaded text made inert in Streamlit Markdown (st.error, st.caption): one line, every
    Markdown/LaTeX/HTML-active character backslash-escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


#: What a page shows in place of a number the runs do not determine.
NOT_DETERMINED = "not determined by these runs"
#: A metric's value where there is none to show (the words go under it, see `NOT_DETERMINED`).
NO_VALUE = "—"


def parameter_rows(
    result: FitResult,
    intervals: dict[str, tuple[float, float]] | None = None,
    confidence: float = 0.95,
    ident: Identifiability | None = None,
) -> pd.DataFrame:
    """The parameter table shown on the page: name, meaning, value, interval (formatted).

    A constant the runs do not determine (``ident``, default the fit's own) shows
    `NOT_DETERMINED` and the reason instead of its value and interval."""
    intervals = intervals or {}
    ident = ident or result.identifiability
    pct = f"{100 * confidence:g}% interval"
    rows = []
    for name, value in result.params.items():
        if not ident.determined.get(name, True):
            rows.append(
                {
                    "parameter": name,
                    "meaning": PARAM_HELP.get(name, ""),
                    "value": NOT_DETERMINED,
                    pct: ident.reasons.get(name, ""),
                }
            )
            continue
        if name in result.fixed:
            interval = "fixed"
        elif name in intervals:
            low, high = intervals[name]
            interval = f"{format_param(low)} – {format_param(high)}"
        else:
            interval = "run the bootstrap"
        rows.append(
            {
                "parameter": name,
                "meaning": PARAM_HELP.get(name, ""),
                "value": format_param(value),
                pct: interval,
            }
        )
    return pd.DataFrame(rows)


def derived_rows(
    result: FitResult,
    intervals: dict[str, tuple[float, float]] | None = None,
    ident: Identifiability | None = None,
) -> pd.DataFrame:
    """Chinchilla allocation exponents a, b with intervals when bootstrapped (else empty); when
    the runs do not determine a (``ident``, default the fit's own), `NOT_DETERMINED` and why."""
    if result.form != "chinchilla":
        return pd.DataFrame()
    intervals = intervals or {}
    ident = ident or result.identifiability
    if not ident.determined["a"]:
        # b = 1 − a: not determined with a; its reason is a's, not a's interval quoted for b
        b_why = "b = 1 − a, so not determined with a"
        if "b" in intervals:
            low, high = intervals["b"]
            b_why += f" (its bootstrap interval [{low:.3g}, {high:.3g}])"  # as a's reason writes it
        return pd.DataFrame(
            [
                {
                    "quantity": "a",
                    "meaning": "N_opt ∝ C^a",
                    "value": NOT_DETERMINED,
                    "interval": ident.reasons.get("a", ""),
                },
                {
                    "quantity": "b",
                    "meaning": "D_opt ∝ C^b",
                    "value": NOT_DETERMINED,
                    "interval": b_why,
                },
            ]
        )
    a, b = result.allocation_exponents
    rows = []
    for name, value, meaning in (("a", a, "N_opt ∝ C^a"), ("b", b, "D_opt ∝ C^b")):
        low_high = intervals.get(name)
        rows.append(
            {
                "quantity": name,
                "meaning": meaning,
                "value": format_param(value),
                "interval": "—"
                if low_high is None
                else f"{format_param(low_high[0])} – {format_param(low_high[1])}",
            }
        )
    return pd.DataFrame(rows)


#: Headers of the shown tables; numbers become text (1.2B, 3e20, 3.1234, +1.23%).
DISPLAY_HEADERS: dict[str, str] = {
    "line": "line",
    "run": "run",
    "n_params": "N (params)",
    "n_tokens": "D (tokens)",
    "compute_flops": "C (FLOP)",
    "loss": "loss",
    "step": "step",
    "predicted": "predicted",
    "relative_error": "error",
}


def _text_column(name: str, values: pd.Series) -> list[str]:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if name in ("n_params", "n_tokens"):
        return [format_count(v) for v in numbers]
    if name == "compute_flops":
        return [format_scientific(v, 3) for v in numbers]
    if name in ("loss", "predicted"):
        return ["—" if not math.isfinite(v) else f"{v:.4f}" for v in numbers]
    if name == "relative_error":
        return ["—" if not math.isfinite(v) else f"{100 * v:+.2f}%" for v in numbers]
    if name in ("line", "step"):
        return ["—" if not math.isfinite(v) else f"{v:,.0f}" for v in numbers]
    return [format_param(v) for v in numbers]


#: Most rows a table on the page shows (the downloads have every row): formatting each number
#: as text is a Python step per cell, done on every rerun of the page.
DISPLAY_LIMIT = 1_000


def display_runs(
    table: pd.DataFrame, columns: list[str] | None = None, limit: int = DISPLAY_LIMIT
) -> pd.DataFrame:
    """A table as shown: first ``limit`` rows (``attrs["total_rows"]`` says of how many), the
    file's line first (or just ``columns``),
    every number as text the way the rest of the app writes it (N, D as 1.2B, C as 3e20,
    loss to 4 decimals, error as +1.23%) under `DISPLAY_HEADERS`.  Text keeps the grid from
    showing 21-digit integers (beyond 2^53) and mixing integer and float renderings."""
    if columns is None:
        order = [c for c in DISPLAY_HEADERS if c in table]
        columns = order + [c for c in table.columns if c not in order]
    shown = table[columns].head(limit)
    cells: dict[str, Any] = {}  # built as one frame: inserting 120 columns one by one took 0.3 s
    numeric_headers = []
    for name in columns:
        values = shown[name]
        numeric = name in DISPLAY_HEADERS or pd.api.types.is_numeric_dtype(values)
        if numeric and name != "run":
            cells[DISPLAY_HEADERS.get(name, name)] = _text_column(name, values)
            numeric_headers.append(DISPLAY_HEADERS.get(name, name))
        else:
            text = values.astype("string").fillna("")
            cells[DISPLAY_HEADERS.get(name, name)] = text.astype(str).to_numpy()
    out = pd.DataFrame(cells, index=range(len(shown)))
    out.attrs["numeric_columns"] = numeric_headers  # the page right-aligns these
    out.attrs["total_rows"] = len(table)
    return out


def extrapolation_rows(holdout: pd.DataFrame) -> pd.DataFrame:
    """The held-out runs of an extrapolation check as shown (observed vs predicted)."""
    shown = display_runs(
        holdout,
        ["run", "n_params", "n_tokens", "compute_flops", "loss", "predicted", "relative_error"],
    )
    numeric = ["observed" if c == "loss" else c for c in shown.attrs["numeric_columns"]]
    shown = shown.rename(columns={"loss": "observed"})
    shown.attrs["numeric_columns"] = numeric
    return shown


#: LaTeX symbol of each constant, shown in the equation in place of a value not determined.
_SYMBOLS = {
    "E": "E",
    "A": "A",
    "B": "B",
    "alpha": r"\alpha",
    "beta": r"\beta",
    "n_c": "N_c",
    "d_c": "D_c",
    "alpha_n": r"\alpha_N",
    "alpha_d": r"\alpha_D",
    "C_c": "C_c",
    "alpha_c": r"\alpha_C",
}


def fit_equation(result: FitResult, ident: Identifiability | None = None) -> str:
    """LaTeX of the fitted law with its constants, for every form; a constant the runs do not
    determine (``ident``, default the fit's own) stays a symbol."""
    determined = (ident or result.identifiability).determined
    p = {
        k: latex_number(v) if determined.get(k, True) else _SYMBOLS.get(k, k)
        for k, v in result.params.items()
    }
    if result.form == "chinchilla":
        return (
            rf"L(N, D) = {p['E']} + \frac{{{p['A']}}}{{N^{{{p['alpha']}}}}}"
            rf" + \frac{{{p['B']}}}{{D^{{{p['beta']}}}}}"
        )
    if result.form == "kaplan":
        ratio = latex_number(result.params["alpha_n"] / result.params["alpha_d"])
        return (
            rf"L(N, D) = \left[\left(\frac{{{p['n_c']}}}{{N}}\right)^{{{ratio}}}"
            rf" + \frac{{{p['d_c']}}}{{D}}\right]^{{{p['alpha_d']}}}"
        )
    if result.form == "power-n":
        return rf"L(N) = {p['E']} + \frac{{{p['A']}}}{{N^{{{p['alpha']}}}}}"
    return rf"L(C) = {p['E']} + \left(\frac{{{p['C_c']}}}{{C}}\right)^{{{p['alpha_c']}}}"


def format_objective(value: float) -> str:
    """The objective (a small Huber sum): 3 significant digits, scientific below 0.01."""
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.3g}" if value == 0 or abs(value) >= 0.01 else format_scientific(value, 3)


#: Columns of the per-run table the user may edit (the rest say where values came from).
EDITABLE_RUN_COLUMNS = ("params", "tokens", "tokens_per_step")


def _sources_text(params: str, tokens: str, per_step: str) -> str:
    """Where a run's three numbers came from, as the editor's sources column says it."""
    return "; ".join(
        f"{what}: {src}"
        for what, src in (("params", params), ("tokens", tokens), ("per step", per_step))
        if src
    )


def per_run_table(per_run: pd.DataFrame) -> pd.DataFrame:
    """The per-run table for the page's editor: run, the three editable numbers, final loss,
    where each number came from and what the run still needs."""
    if per_run.empty:
        return pd.DataFrame(
            columns=["run", *EDITABLE_RUN_COLUMNS, "final_loss", "sources", "needs"]
        )
    sources = [
        _sources_text(p, t, s)
        for p, t, s in zip(
            per_run["params_source"],
            per_run["tokens_source"],
            per_run["tokens_per_step_source"],
            strict=True,
        )
    ]
    return pd.DataFrame(
        {
            "run": per_run["run"].astype(str),
            "params": per_run["params"].astype(float),
            "tokens": per_run["tokens"].astype(float),
            "tokens_per_step": per_run["tokens_per_step"].astype(float),
            "final_loss": per_run["final_loss"].astype(float),
            "sources": sources,
            "needs": per_run["needs"].astype(str),
        }
    )


#: What the editor's "where the numbers came from" says of a value typed into it.
TYPED_SOURCE = "typed in this table"


def with_edited_provenance(
    base: pd.DataFrame, edited_per_run: pd.DataFrame, edits: pd.DataFrame
) -> pd.DataFrame:
    """The editor's table ``base`` (values as read, which the editor's edits apply to) with
    its sources and needs columns from ``edited_per_run``, the runs read under ``edits``: a
    value typed into the table is named as such, not by where the value it replaced came from
    (an OLMo run's N from its name's '1B', say)."""
    out = base.copy()
    unique = edited_per_run.drop_duplicates("run")
    after = unique.set_index(unique["run"].astype(str))
    typed = {
        str(row["run"]): {c for c in EDITABLE_RUN_COLUMNS if c in row and pd.notna(row[c])}
        for row in edits.to_dict("records")
    }
    sources, needs = [], []
    for run, source, need in zip(out["run"], out["sources"], out["needs"], strict=True):
        if run not in after.index:
            sources.append(source)
            needs.append(need)
            continue
        said = {
            c: TYPED_SOURCE if c in typed.get(run, ()) else str(after.at[run, f"{c}_source"])
            for c in EDITABLE_RUN_COLUMNS
        }
        sources.append(_sources_text(*(said[c] for c in EDITABLE_RUN_COLUMNS)))
        needs.append(str(after.at[run, "needs"]))
    out["sources"] = sources
    out["needs"] = needs
    return out


def edits_to_meta(base: pd.DataFrame, edited: pd.DataFrame) -> pd.DataFrame | None:
    """The per-run values the user changed in the editor, as a runs-meta table (run plus
    params / tokens / tokens_per_step; other cells blank), or None when nothing changed."""
    rows = []
    for (_, old), (_, new) in zip(base.iterrows(), edited.iterrows(), strict=True):
        row: dict[str, object] = {"run": old["run"]}
        changed = False
        for column in EDITABLE_RUN_COLUMNS:
            before, after = old[column], new[column]
            same = (pd.isna(before) and pd.isna(after)) or (
                not pd.isna(before) and not pd.isna(after) and float(before) == float(after)
            )
            if not same and not pd.isna(after):
                row[column] = float(after)
                changed = True
        if changed:
            rows.append(row)
    if not rows:
        return None
    return pd.DataFrame(rows, columns=["run", *EDITABLE_RUN_COLUMNS])
