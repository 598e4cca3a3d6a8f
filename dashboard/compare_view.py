"""Two published sweeps compared as a compute multiplier: the section `show_comparison` draws
(pickers for sweep A and B, their loss and a budget; the multiplier with its interval, the chart,
and what is not determined or extrapolated).  The numbers are `scaling_core.compare`'s; the
chart is `charts.compare.comparison_figure` (its budget marker drawn over a figure kept while the
budget moves).  Every control is in the link (`dashboard.widgets`).
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from charts.compare import budget_marker, comparison_base
from charts.format import escape_markdown, format_flops, format_ratio, format_scientific
from dashboard.cache_published import sweep_table
from dashboard.fit_mapping import load_or_message
from dashboard.fit_session import (
    HEAVY_BYTES,
    MAX_ROWS,
    bootstrap_budget,
    digest,
    sweep_factors,
    upload_refusal,
)
from dashboard.kept_figure import kept_figure
from dashboard.layout import show_chart
from dashboard.published_view import float_eq
from dashboard.widgets import choice, log_slider
from scaling_core.compare import (
    MIN_SHOWN_DRAWS,
    CompareError,
    Comparison,
    compare_fits,
    fit_side,
    side_seeds,
)
from scaling_core.fit import FitError
from scaling_core.fit.points import sweep_points
from scaling_core.fit.sweeps import sweep_columns
from scaling_core.published import PUBLISHED_SWEEPS, SWEEPS_BY_KEY
from scaling_core.published.fits import SweepFit, loss_columns, sweep_runs
from scaling_core.runs import Loaded, RunLogError, RunsRead, guess_roles
from scaling_core.runs.archive import expanded_size
from scaling_core.runs.collect import build_runs, mapping_for, melt_loaded

#: The pair shown by default: Gadre et al.'s C4-trained and RefinedWeb-trained sweeps, both
#: evaluated on the same validation sets with the same tokenizer.
DEFAULT_A = ("gadre-2024", {"dataset": "c4_original"})
DEFAULT_B = ("gadre-2024", {"dataset": "rw_original"})
#: Budget slider: range and default (FLOP).
BUDGET_RANGE = (1e15, 1e25)
DEFAULT_BUDGET = 1e20
#: The seeds of the two sides' bootstraps: those of the command line's default ``--seed 0``.
SEEDS = side_seeds(0)
#: Session key of an uploaded file, (name, bytes): kept in the session only, never in a link.
UPLOAD_KEY = "cmp_upload_file"
#: Where the two sweeps come from (a link parameter): the published catalogue or an upload.
SOURCES = {"published": "Published sweeps", "upload": "Two sweeps of your own file"}


@st.cache_data(show_spinner="Fitting the sweep with 1,000 bootstrap refits…", max_entries=32)
def side_fit(
    key: str, where: tuple[tuple[str, str], ...], loss_column: str, side: str
) -> SweepFit | str:
    """The fit of one side (`scaling_core.compare.fit_side`), or why it cannot be fitted."""
    seed = SEEDS[0] if side == "A" else SEEDS[1]
    try:
        table = sweep_runs(sweep_table(key), dict(where), loss_column)
        return fit_side(table, side=side, n_boot=MIN_SHOWN_DRAWS, seed=seed)
    except (FitError, CompareError) as exc:
        return str(exc)


@st.cache_data(show_spinner=False, max_entries=64)
def comparison(
    a: tuple[str, tuple[tuple[str, str], ...]],
    b: tuple[str, tuple[tuple[str, str], ...]],
    loss_column: str,
    compute: float,
) -> Comparison | str:
    """`compare_fits` of the two sides at ``compute``, or why there is none."""
    fit_a = side_fit(a[0], a[1], loss_column, "A")
    fit_b = side_fit(b[0], b[1], loss_column, "B")
    for side, fitted in (("A", fit_a), ("B", fit_b)):
        if isinstance(fitted, str):
            return f"sweep {side}: {fitted}" if not fitted.startswith("sweep") else fitted
    assert not isinstance(fit_a, str) and not isinstance(fit_b, str)
    return compare_fits(fit_a, fit_b, loss_column=loss_column, at_compute=compute)


def _pick_sweep(side: str, default: tuple[str, dict[str, str]], container) -> tuple:  # type: ignore[no-untyped-def]
    """Sweep ``side``: the catalogue entry and a value of each of its sweep columns."""
    keys = [s.key for s in PUBLISHED_SWEEPS]
    key = choice(
        f"Sweep {side}",
        f"cmp_{side.lower()}",
        keys,
        default[0],
        format_func=lambda k: SWEEPS_BY_KEY[k].label,
        container=container,
    )
    sweep = SWEEPS_BY_KEY[key]
    runs = sweep_table(key)
    factors = [c for c in sweep.factors if c in runs.columns] or sweep_columns(runs)
    wanted = default[1] if key == default[0] else sweep.default_where
    where = []
    for column in factors:
        values = ["all", *sorted(runs[column].astype(str).str.strip().unique())]
        first = str(wanted.get(column, "all"))
        if first not in values:  # numeric defaults such as epochs = 1 show as "1.0"
            first = next((v for v in values if v != "all" and float_eq(v, first)), "all")
        value = choice(
            f"{side}: {column}", f"cmp_{side.lower()}_{key}_{column}", values, first,
            container=container,
        )  # fmt: skip
        if value != "all":
            where.append((column, value))
    return key, tuple(where)


def _where_text(where: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in where) or "all runs"


def show_comparison() -> None:
    """The comparison section: pick two sweeps, a loss and a budget; show the multiplier with its
    interval, the chart, and any undetermined or extrapolation notes."""
    st.markdown(
        "How much compute sweep B needs to reach the loss sweep A reaches with a budget C: "
        "`m(C) = C_B(L*_A(C)) / C`, each `L*(C)` the compute-optimal loss of the sweep's own "
        "Chinchilla-form fit (Hoffmann et al. 2022, eq. 4). m > 1: B needs more compute than "
        "A for the same loss; m < 1: less. This is the compute-equivalent of OLMo-core's "
        "ladder analysis and of Marin's data set speed-ups."
    )
    source = choice(
        "Sweeps from",
        "cmp_from",
        list(SOURCES),
        "published",
        format_func=SOURCES.__getitem__,
    )
    if source == "upload":
        _upload_comparison("cmp_c")
        return
    left, right = st.columns(2)
    a = _pick_sweep("A", DEFAULT_A, left)
    b = _pick_sweep("B", DEFAULT_B, right)
    label_a = f"A ({_where_text(a[1])})"
    label_b = f"B ({_where_text(b[1])})"
    if a[0] != b[0]:
        st.warning(
            f"**No multiplier: these sweeps share no loss scale.** {SWEEPS_BY_KEY[a[0]].label} "
            f"and {SWEEPS_BY_KEY[b[0]].label} are measured on their own validation sets with "
            "their own tokenizers, so one loss value means different things in each. Pick two "
            "sweeps of one published file (for example Gadre et al.'s c4_original and "
            "rw_original).",
            icon=":material/block:",
        )
        return
    losses = loss_columns(sweep_table(a[0]))
    sweep = SWEEPS_BY_KEY[a[0]]
    cols = st.columns(2)
    loss = choice(
        "Loss both are compared on",
        "cmp_loss",
        losses,
        losses[0],
        format_func=lambda c: sweep.loss_name if c == "loss" else c.removeprefix("loss_"),
        container=cols[0],
    )
    compute = log_slider(
        "Budget C of sweep A (FLOP)",
        "cmp_c",
        *BUDGET_RANGE,
        DEFAULT_BUDGET,
        formatter=format_scientific,
        per_decade=3,
        container=cols[1],
    )
    result = comparison(a, b, loss, compute)
    if isinstance(result, str):
        st.warning(f"No multiplier: {escape_markdown(result)}", icon=":material/block:")
        return
    if not result.determined:
        st.warning(
            "**No multiplier: a constant the compute-optimal frontier needs is not determined "
            "by the runs.**\n\n" + "\n".join(f"- {escape_markdown(why)}" for why in result.reasons),
            icon=":material/help:",
        )
        return
    show_result(result, label_a, label_b)


def _keep_upload() -> None:
    """Uploader callback: keep the file's name and bytes in the session (not on disk, not in
    the link)."""
    uploaded = st.session_state.get("cmp_uploader")
    if uploaded is None:
        st.session_state.pop(UPLOAD_KEY, None)
        return
    st.session_state[UPLOAD_KEY] = (str(uploaded.name), bytes(uploaded.getvalue()))


@st.cache_resource(max_entries=4, ttl=3600, show_spinner="Reading the file…", scope="session")
def _upload_loaded(file_digest: str, name: str, _data: bytes) -> Loaded | str:
    """The upload read as the fit page and the command line read files (any format they know,
    a wide table melted), or why it cannot be read."""
    loaded = load_or_message(((name, _data),))
    return loaded if isinstance(loaded, str) else melt_loaded(loaded)


@st.cache_resource(max_entries=8, ttl=3600, show_spinner="Reading the runs…", scope="session")
def _upload_runs(file_digest: str, loss_column: str, _loaded: Loaded) -> RunsRead | str:
    """Every run of the upload with its loss read from ``loss_column``, or why none can be fitted."""
    try:
        read = build_runs(_loaded, mapping_for(_loaded, {"loss": loss_column}), max_rows=MAX_ROWS)
    except RunLogError as exc:
        return str(exc)
    return read if read.log is not None else read.nothing_usable()


@st.cache_resource(max_entries=8, ttl=3600, show_spinner="Reading the sweep…", scope="session")
def _upload_side(
    file_digest: str, where: tuple[tuple[str, str], ...], loss_column: str, _loaded: Loaded
) -> pd.DataFrame | str:
    """What ``compare`` fits of one side of an uploaded file (`sweep_points`: the ``--where``
    rows read with this loss, final points or snapshots), or why nothing."""
    try:
        table, _ = sweep_points(
            _loaded, mapping_for(_loaded, {"loss": loss_column}), dict(where), max_rows=MAX_ROWS
        )
    except (FitError, RunLogError) as exc:
        return str(exc)
    return table


@st.cache_data(
    max_entries=8, ttl=3600, show_spinner="Fitting the sweep with 1,000 bootstrap refits…",
    scope="session",
)  # fmt: skip
def _upload_fit(
    file_digest: str,
    where: tuple[tuple[str, str], ...],
    loss_column: str,
    side: str,
    _table: pd.DataFrame,
) -> SweepFit | str:
    """One side of an uploaded file fitted as ``compare`` fits it on the command line (its
    points, `fit_side`, the command line's seeds), or why not."""
    seed = SEEDS[0] if side == "A" else SEEDS[1]
    try:
        return fit_side(_table, side=side, n_boot=MIN_SHOWN_DRAWS, seed=seed)
    except (FitError, CompareError) as exc:
        return str(exc)


def _upload_comparison(compute_key: str) -> None:
    """Two sweeps of one uploaded file (one loss scale by construction): its sweep columns
    pick A and B, its loss columns the loss.  The file is read as the fit page and ``compare``
    read it, so the page shows what ``compare FILE FILE --where-a ... --where-b ... --column
    loss=...`` prints.  The file and its values stay in the session (the pickers are not in the
    link); a file over the page's limits, or one holding a single sweep, is refused with why."""
    st.file_uploader(
        "A file holding both sweeps (CSV, TSV, JSON, JSON Lines, W&B history, or a zip of "
        "them; at most 2 MB)",
        key="cmp_uploader",
        on_change=_keep_upload,
        help="The file stays in your session: it is never kept on disk or put in the link.",
    )
    held = st.session_state.get(UPLOAD_KEY)
    if held is None:
        st.info(
            "Upload a file whose runs hold two sweeps told apart by a column (a data set, an "
            "architecture): both are then measured on one loss.",
            icon=":material/upload:",
        )
        return
    name, data = held
    refusal = upload_refusal([(name, len(data))])
    if refusal is None and expanded_size([(name, data)]) > HEAVY_BYTES:
        refusal = (
            f"{name} expands to more than 2 MB: compare files this large with the command-line "
            "tool (README, 'Command line')"
        )
    if refusal is not None:
        st.warning(escape_markdown(refusal), icon=":material/block:")
        return
    key = digest(data)
    loaded = _upload_loaded(key, name, data)
    if isinstance(loaded, str):
        st.warning(f"{escape_markdown(name)} cannot be read: {escape_markdown(loaded)}")
        return
    mapping = guess_roles(loaded.frame)
    losses = mapping.candidates.get("loss", [])
    if not losses:
        headers = ", ".join(f"'{h}'" for h in loaded.headers[:12])
        st.warning(
            f"**No comparison: {escape_markdown(name)} has no loss column** (a header such as "
            f"'loss', 'val_loss' or 'eval/loss'; headers found: {escape_markdown(headers)}"
            f"{', …' if len(loaded.headers) > 12 else ''}).",
            icon=":material/block:",
        )
        return
    loss = st.selectbox(
        "Loss both are compared on",
        losses,
        index=losses.index(mapping.columns["loss"]) if mapping.columns.get("loss") in losses else 0,
        format_func=mapping.shown,
        key="cmp_up_loss",
    )
    read = _upload_runs(key, str(loss), loaded)
    if isinstance(read, str):
        st.warning(f"{escape_markdown(name)}: {escape_markdown(read)}", icon=":material/block:")
        return
    factors = sweep_factors(read.log, read.factors)
    if not factors:
        st.warning(
            f"**No comparison: {escape_markdown(name)} holds one sweep.** A comparison needs a "
            "column whose values tell two sweeps apart (such as a data set).",
            icon=":material/block:",
        )
        return
    left, right = st.columns(2)
    sides = {}
    for side, container, pick in (("A", left, 0), ("B", right, 1)):
        where = []
        for i, (column, values) in enumerate(factors.items()):
            value = container.selectbox(
                f"{side}: {column}",
                values,
                index=min(pick, len(values) - 1) if i == 0 else 0,
                key=f"cmp_up_{side.lower()}_{i}",
            )
            where.append((column, str(value)))
        sides[side] = tuple(where)
    compute = log_slider(
        "Budget C of sweep A (FLOP)", compute_key, *BUDGET_RANGE, DEFAULT_BUDGET,
        formatter=format_scientific, per_decade=3,
    )  # fmt: skip
    fits = []
    for side in ("A", "B"):
        table = _upload_side(key, sides[side], str(loss), loaded)
        if isinstance(table, str):
            st.warning(f"Sweep {side}: {escape_markdown(table)}", icon=":material/block:")
            return
        too_much = bootstrap_budget(len(table), MIN_SHOWN_DRAWS)
        if too_much:
            st.warning(f"Sweep {side}: {escape_markdown(too_much)}", icon=":material/block:")
            return
        fitted = _upload_fit(key, sides[side], str(loss), side, table)
        if isinstance(fitted, str):
            st.warning(f"No multiplier: sweep {side}: {escape_markdown(fitted)}")
            return
        fits.append(fitted)
    result = compare_fits(fits[0], fits[1], loss_column=str(loss), at_compute=compute)
    if not result.determined:
        _not_determined(result)
        return
    show_result(result, f"A ({_where_text(sides['A'])})", f"B ({_where_text(sides['B'])})")


def _not_determined(result: Comparison) -> None:
    st.warning(
        "**No multiplier: a constant the compute-optimal frontier needs is not determined "
        "by the runs.**\n\n" + "\n".join(f"- {escape_markdown(why)}" for why in result.reasons),
        icon=":material/help:",
    )


def _band(interval: tuple[float, float] | None) -> str:
    if interval is None or not math.isfinite(interval[0]):
        return "no interval"
    low, high = interval
    return f"{format_ratio(low)}–{format_ratio(high) if math.isfinite(high) else '∞'}"


def show_result(result: Comparison, label_a: str, label_b: str) -> None:
    """The multiplier at the budget and the crossover, each with its interval in the same type,
    the chart, and the notes."""
    at = result.at
    assert at is not None
    pct = f"{100 * result.confidence:g}%"
    m = st.columns(2)
    value = format_ratio(at.multiplier) if math.isfinite(at.multiplier) else "never reached"
    m[0].metric(
        f"m at {format_flops(at.compute_flops)}, {pct} CI"
        + (" (extrapolated)" if at.extrapolated else ""),
        f"{value} ({_band(at.interval)})",
        help="The compute B needs to reach A's compute-optimal loss at this budget, divided by "
        f"the budget; interval from {result.n_draws:,} paired bootstrap refits of both sweeps.",
    )
    crossing = result.crossover
    if crossing is not None and crossing.compute_flops is not None:
        text = format_flops(crossing.compute_flops)
        if crossing.interval is not None:
            lo, hi = crossing.interval
            text += f" ({format_scientific(lo)}–{format_scientific(hi)})"
        else:
            text += " (interval not determined)"
        m[1].metric(f"Crossover, m = 1, {pct} CI", text)
    elif crossing is not None and not crossing.determined:
        m[1].metric(f"Crossover, m = 1, {pct} CI", "not determined", help=crossing.describe())
    else:
        m[1].metric(f"Crossover, m = 1, {pct} CI", "none in range")
    drawn = repr(  # what the figure under the marker shows, the same for every budget (a repr:
        (  # a multiplier may be nan, which is not equal to itself)
            result.confidence,
            [(p.compute_flops, p.multiplier, p.interval, p.extrapolated) for p in result.grid],
            result.crossover.budgets if result.crossover is not None else (),
        )
    )
    base = kept_figure(
        "cmp_chart",
        drawn,
        lambda: comparison_base(result),
        read_only=True,
    )
    show_chart(st, base, live="cmp_chart", overlay=budget_marker(result))
    fit_a, fit_b = result.fits
    st.caption(
        f"{label_a}: {fit_a.n_runs} runs, {label_b}: {fit_b.n_runs} runs, each fitted with "
        f"L = E + A/N^α + B/D^β (Approach 3) and {fit_a.boot.n_boot:,} bootstrap refits (runs "
        f"sharing (N, D) drawn together); refit i of A is paired with refit i of B. "
        + (crossing.describe() + ". " if crossing is not None else "")
        + f"Budgets A's runs span: {format_scientific(result.range_a[0])}–"
        f"{format_scientific(result.range_a[1])} FLOP; B's: {format_scientific(result.range_b[0])}"
        f"–{format_scientific(result.range_b[1])} FLOP. Shaded: budgets where C lies outside A's "
        "runs or m·C outside B's (extrapolated)."
    )
    if at.extrapolated:
        supported = result.supported
        inside = (
            f" Budgets read from the runs alone: {format_scientific(supported[0])}–"
            f"{format_scientific(supported[1])} FLOP."
            if supported
            else ""
        )
        st.warning(
            f"**At {format_flops(at.compute_flops)} the multiplier is extrapolated**: the budget "
            "or the compute B needs lies beyond the runs' compute, so it rests on the fitted "
            f"laws alone.{inside}",
            icon=":material/warning:",
        )
    for note in result.notes:
        st.info(escape_markdown(note), icon=":material/info:")
