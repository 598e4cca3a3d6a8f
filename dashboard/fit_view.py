"""The fit page's sections as Streamlit calls: how the file was read, the fitted law and its
bootstrap, the IsoFLOP, residual, extrapolation and learning-curve charts, and the downloads.

The page lays out the data source and the options and calls these in order; the numbers come
from `dashboard.fit_session` (cached) and the figures and tables from `charts/`.
"""

from __future__ import annotations

import html
import re

import plotly.graph_objects as go
import streamlit as st

from charts import fit_tables as ft
from charts.fit import (
    isoflop_figure,
    learning_curves_figure,
    residuals_figure,
)
from charts.format import format_count
from dashboard import downloads
from dashboard import fit_groups as fg
from dashboard import fit_session as fs
from dashboard import fit_upload as fu
from dashboard.fit_checks import live_figures, show_checks
from dashboard.layout import show_chart, show_table
from dashboard.state import USER_LAWS
from dashboard.widgets import choice
from scaling_core.fit import BootstrapResult, FitError
from scaling_core.fit import points as fp
from scaling_core.published import sweep_for_path
from scaling_core.runs import RunLog
from scaling_core.runs.factors import SweepFactors
from scaling_core.wording import for_page

#: Session key of the runs table's expander (open: the table is built and shown).
RUNS_TABLE_KEY = "fit_runs_table_open"


def show_warnings(warnings: list[str], refused: str | None = None) -> None:
    """Reasons not to trust the fit, prominently, as one warning box (escaped text); with
    ``refused`` (why `FitResult.law` refused it) the box first says it is not offered."""
    if not warnings and not refused:
        return
    lines = []
    if refused:
        lines.append(
            "**Not offered in the sidebar's law pickers:** "
            + ft.escape_markdown(fs.refusal_reason(refused, warnings))
        )
    else:
        lines.append("**Do not trust this fit as it stands:**")
    lines += [f"- {ft.escape_markdown(w)}" for w in warnings]
    st.warning("\n\n".join(lines[:1]) + "\n\n" + "\n".join(lines[1:]), icon="⚠️")


def show_report(log: RunLog, notes: list[str]) -> None:
    """How the file was read: counts, columns, notes, dropped rows, the runs table."""
    report = log.report
    tables = ft.report_tables(log)
    m = st.columns(4)
    m[0].metric("Data rows read", f"{report.n_rows_read:,}")
    m[1].metric("Rows kept", f"{report.n_rows_kept:,}")
    m[2].metric("Rows dropped", f"{report.n_dropped:,}")
    curves_file = report.shape == "curves"
    m[3].metric(
        "Learning curves (runs)" if curves_file else "Finished runs",
        f"{len(log.runs):,}",
        help="Read as learning curves: several logged points per run."
        if curves_file
        else "Read as finished runs: one row per run.",
    )
    unused = report.n_rows_read - report.n_rows_kept - report.n_dropped
    if unused > 0:  # not errors, but not used either: the notes say why
        st.caption(
            f"{unused:,} of the rows read are neither kept nor dropped: they lack the value a "
            "fit reads (such as a loss logged only every few steps), as the notes say."
        )
    left, right = st.columns([2, 3])
    left.markdown("**Columns**")
    left.dataframe(tables["columns"], hide_index=True, width="stretch")
    if len(tables["notes"]):
        right.markdown("**Notes**")  # a list, so long notes wrap instead of being cut
        right.markdown(
            # the report's own notes: a table column would drop their page wording
            "\n".join(f"- {ft.escape_markdown(for_page(n))}" for n in report.notes)
        )
    if len(tables["dropped"]):
        st.markdown("**Dropped rows** (line numbers count the header as line 1)")
        st.dataframe(
            tables["dropped"],
            hide_index=True,
            width="content",
            column_config={
                "line": st.column_config.NumberColumn("line", width=70, format="%d"),
                "reason": st.column_config.TextColumn("reason", width=760),
            },
        )
        more = report.n_dropped - len(tables["dropped"])
        if more > 0:
            st.caption(f"… and {more:,} more dropped rows not listed.")
    # Built when opened (the expander reruns the page): formatting and sending a wide
    # tracker export's table (104 runs x 140 columns, 220 kB) delayed every upload's charts.
    runs_box = st.expander(
        f"Runs table ({len(log.runs):,} runs)", key=RUNS_TABLE_KEY, on_change="rerun"
    )
    if runs_box.open:
        with runs_box:
            show_table(ft.display_runs(log.runs))
            st.caption("Loss in nats/token.")
    for note in notes:
        st.warning(ft.escape_markdown(for_page(note)))


def show_fit(
    outcome: fs.FitOutcome, source: fu.Source, options: fs.FitOptions
) -> BootstrapResult | None:
    """The fitted law, its warnings, parameters and diagnostics, and the bootstrap controls;
    returns the bootstrap shown (None before one is run for these options)."""
    boot = None
    snapshots = outcome.snapshots
    st.subheader("Fitted law")
    result = outcome.result
    if result is None:
        st.error(f"The fit failed: {ft.escape_markdown(outcome.fit_error or '')}")
        show_warnings(outcome.warnings)
        st.info("Change the options above (another form, fewer excluded runs) or the file.")
        st.session_state[USER_LAWS] = {}
    else:
        boot_state = st.session_state.get(fs.BOOTSTRAP_KEY)
        boot_key = (source.digest, options.key())
        boot = boot_state["result"] if boot_state and boot_state["key"][:2] == boot_key else None
        ident = fs.fit_identifiability(result, boot)
        laws, refused = fs.offered_laws(result, ident)
        st.session_state[USER_LAWS] = laws
        intervals = boot.intervals if boot is not None else {}
        st.latex(ft.fit_equation(result, ident))
        if result.fallback:
            st.info(
                f"**Automatic form:** {ft.escape_markdown(result.fallback)}. Choose the "
                "Chinchilla form under *Law form* to fit it anyway.",
                icon=":material/info:",
            )
        warnings = list(outcome.warnings)
        warnings += [w for w in result.warnings(ident) if w not in warnings]
        show_warnings(warnings, refused)
        if laws:
            law = next(iter(laws.values()))
            flagged = (
                " — flagged as unreliable because of the warnings above"
                if law.label.endswith(fs.UNRELIABLE)
                else ""
            )
            st.caption(
                f"Now selectable as **{ft.escape_markdown(law.label)}** in the sidebar's "
                f"law pickers (on the frontier, landscape and other pages) for this "
                f"session{flagged}."
            )
        elif not refused:
            st.caption(
                "Power-law forms have no law family and no compute-optimal allocation; they "
                "are not added to the sidebar."
            )
        cols = st.columns(5)
        for col, (name, value) in zip(cols, result.params.items(), strict=False):
            if not ident.determined.get(name, True):
                col.metric(  # the words under it: in five columns they were cut ("not deter…")
                    name,
                    ft.NO_VALUE,
                    help=ft.PARAM_HELP.get(name, "")
                    + f": not determined by these runs ({ident.reasons.get(name, '')})",
                )
                col.caption(f"{ft.NOT_DETERMINED}; see the warnings")
                continue
            low_high = intervals.get(name)
            interval = (
                ""
                if low_high is None
                else f"; {100 * boot.confidence:g}% interval "
                f"{ft.format_param(low_high[0])} – {ft.format_param(low_high[1])}"
            )
            fixed = " (fixed)" if name in result.fixed else ""
            col.metric(
                name,
                ft.format_param(value),
                help=ft.PARAM_HELP.get(name, "") + fixed + interval,
            )
            if low_high is not None:
                col.caption(
                    f"{100 * boot.confidence:g}%: {ft.format_param(low_high[0])} – "
                    f"{ft.format_param(low_high[1])}"
                )
        note = fs.uncertainty_note(result, snapshots, boot is not None)
        if note:
            st.info(note, icon=":material/error:")
        cols = st.columns(5)
        cols[0].metric(
            "Objective",
            ft.format_objective(result.objective),
            help="Huber sum of log residuals (least squares r²/2 beyond δ).",
        )
        cols[1].metric(
            "RMS residual",
            f"{100 * result.rms_residual:.2f}%",
            help="Root mean square of log(predicted) − log(observed).",
        )
        if snapshots:
            cols[2].metric(
                "Points used",
                f"{result.n_runs:,}",
                help=f"IsoFLOP snapshot points read from the learning curves of "
                f"{fp.snapshot_source_runs(result, outcome.table):,} runs (a run gives "
                "a point at every compute budget its curve covers).",
            )
            cols[3].metric("Points excluded", f"{len(result.excluded):,}")
        else:
            cols[2].metric("Runs used", f"{result.n_runs:,}")
            cols[3].metric("Runs excluded", f"{len(result.excluded):,}")
        cols[4].metric("Converged", "yes" if result.converged else "NO")
        st.caption(f"Method: {result.method}.")
        left, right = st.columns([3, 2])
        left.table(ft.parameter_rows(result, intervals, boot.confidence if boot else 0.95, ident))
        derived = ft.derived_rows(result, intervals, ident)
        if len(derived):
            right.table(derived)
        with st.expander("Full fit report"):
            # preformatted text: st.code's highlighter is slow to load for plain text
            st.html(f"<pre>{html.escape(result.report(ident))}</pre>")

        # ------------------------------------------------------ bootstrap
        st.markdown(
            "**Bootstrap intervals** (resample the runs, refit; Besiroglu et al. 2024). Runs "
            "that share (N, D), such as seeds or reruns of one configuration, are drawn together."
        )
        b1, b2 = st.columns([1, 3])
        n_boot = b1.number_input(
            "Refits K",
            min_value=fs.MIN_BOOTSTRAP_DRAWS,
            max_value=5000,
            value=fs.MIN_BOOTSTRAP_DRAWS,
            step=500,
            key="fit_n_boot",
            help="At least 1,000: the ends of a 95% interval are its 25 most extreme refits.",
        )
        if b1.button("Run bootstrap", key="fit_run_bootstrap"):
            bar = b2.progress(0.0, text="Bootstrap: starting…")

            def advance(done: int, total: int) -> None:
                bar.progress(done / total, text=f"Bootstrap: {done:,} of {total:,} refits")

            try:
                boot = fs.run_bootstrap(
                    outcome.table, options, int(n_boot), progress=advance, form=result.form
                )
                st.session_state[fs.BOOTSTRAP_KEY] = {
                    "key": (*boot_key, int(n_boot)),
                    "result": boot,
                }
                st.rerun()
            except FitError as exc:
                b2.error(f"Bootstrap failed: {ft.escape_markdown(str(exc))}")
        if boot is not None:
            b2.caption(
                f"{boot.n_boot:,} refits, {boot.n_failed:,} failed; {boot.resampling}; "
                f"{100 * boot.confidence:g}% percentile intervals shown under each value "
                "and in the tables."
            )
        else:
            b2.caption("Intervals appear in the parameter table after a run.")

    return boot


def show_charts(
    outcome: fs.FitOutcome,
    source: fu.Source,
    options: fs.FitOptions,
    boot: BootstrapResult | None = None,
) -> dict[str, go.Figure]:
    """IsoFLOP view, residuals, extrapolation check and rollout scorecard (`show_checks`), and
    learning curves; returns the figures in that order.  The checks are sent last, into their
    place above the curves.  The fitted compute-optimal size of each budget is marked only when
    the runs determine the allocation (a)."""
    log, result = outcome.log, outcome.result
    allocation = result is not None and fs.fit_identifiability(result, boot).allocation_determined
    table = outcome.table
    charts: dict[str, object] = {}
    checks = None  # the container the extrapolation check and rollout go in
    if table is not None and len(table):
        st.subheader("IsoFLOP view")
        how = choice(
            "Group runs by",
            "f_group",
            list(fs.GROUPINGS),
            "auto",
            format_func=lambda g: fs.GROUPINGS[g],
        )
        groups, kind = fg.isoflop_view(log, table, result, how)
        iso_title = {
            "snapshots": "IsoFLOP snapshots of the learning curves, with the fitted law",
            "compute": "IsoFLOP view: runs by compute budget, with the fitted law",
            "tokens": "Loss against model size at fixed training tokens D",
            "ratio": "Loss against model size at fixed tokens per parameter",
            "bins": "Loss against model size, runs binned by compute",
        }[kind]
        if result is None:  # the fit failed: runs only
            iso_title = iso_title.removesuffix(", with the fitted law")
        iso_fig = isoflop_figure(
            groups,
            title=iso_title,
            law_label="fitted law",
            mark_minimum=allocation and kind in ("compute", "snapshots", "bins"),
        )
        show_chart(st, iso_fig, live="fit_isoflop")
        charts["isoflop"] = iso_fig
        if result is not None and not allocation and kind in ("compute", "snapshots", "bins"):
            st.caption(
                "No compute-optimal size is marked: the allocation exponent a is "
                f"{ft.NOT_DETERMINED} (see the warnings above)."
            )
        if kind == "bins" and result is not None:
            st.caption(
                "No shared compute budgets, token counts or tokens-per-parameter ratios "
                "were found, so runs are binned by compute in half decades. Each curve is the fitted "
                "law at its bin's centre C, and each run is drawn at that C: its measured loss "
                "moved by the law's change from its own C (the hover gives both), so the gap "
                "to the curve is the run's residual."
            )

        if result is not None:
            predictions = fp.predictions_table(result, table)
            index, labels, _ = fg.group_runs(table, fp.residual_grouping(table, kind))
            res_fig = residuals_figure(predictions, index, labels)
            show_chart(st, res_fig, live="fit_residuals")
            charts["residuals"] = res_fig

            # Its place on the page, filled after the learning curves: the check and the
            # rollout scorecard may still be running in their jobs (`dashboard.ahead`), and
            # the browser draws the curves meanwhile.
            checks = st.container()
    if log.curves is not None:
        st.subheader("Learning curves")
        curves_fig = learning_curves_figure(log.curves, fp.curve_predictions(result, log.curves))
        show_chart(st, curves_fig, live="fit_curves")
        charts["learning_curves"] = curves_fig
        st.caption(
            f"{log.curves['run'].nunique():,} runs, {len(log.curves):,} logged points "
            f"(N from {format_count(log.curves['n_params'].min())} to "
            f"{format_count(log.curves['n_params'].max())})."
        )
    if checks is not None and table is not None and result is not None:
        with checks:
            charts.update(show_checks(table, result, source, options))
    return {name: charts[name] for name in CHART_ORDER if name in charts}  # as on the page


#: The fit page's charts in the order it shows them (and lists their downloads).
CHART_ORDER = ("isoflop", "residuals", "extrapolation", "rollout", "learning_curves")


def show_downloads(
    outcome: fs.FitOutcome,
    boot: BootstrapResult | None,
    source: fu.Source,
    charts: dict[str, go.Figure],
) -> None:
    """Parameters (JSON, CSV), predictions per run (CSV) and every chart (HTML)."""
    result, table = outcome.result, outcome.table
    if result is None:
        return
    intervals = boot.intervals if boot is not None else {}
    st.subheader("Downloads")
    stem = "fit"
    d = st.columns(4)
    d[0].download_button(
        "Parameters (JSON)",
        downloads.parameters_json(
            result,
            intervals=intervals,
            confidence=boot.confidence if boot else None,
            n_boot=boot.n_boot if boot else None,
            source=source.name,
            equation=fs.FORM_LABELS[result.form],
            resampling=boot.resampling if boot else None,
        ),
        file_name=f"{stem}-parameters.json",
        mime="application/json",
        key="fit_dl_json",
    )
    d[1].download_button(
        "Parameters (CSV)",
        downloads.parameters_csv(result, intervals),
        file_name=f"{stem}-parameters.csv",
        mime="text/csv",
        key="fit_dl_params_csv",
    )
    d[2].download_button(
        "Predictions per run (CSV)",
        lambda: downloads.csv_bytes(fp.predictions_table(result, table)),
        file_name=f"{stem}-predictions.csv",
        mime="text/csv",
        key="fit_dl_pred_csv",
    )
    latest = live_figures()  # a section's chart redrawn alone since this run: as on display
    with d[3].popover("Charts (HTML)"):
        for name, fig in charts.items():
            st.download_button(
                name.replace("_", " "),
                lambda name=name, fig=fig: downloads.figure_html(latest.get(name, fig)),
                file_name=f"{stem}-{name}.html",
                mime="text/html",
                key=f"fit_dl_{name}",
            )
    st.caption(
        "PNG: use the camera button in any chart's toolbar (top right of the chart). "
        "CSV cells that a spreadsheet would run as formulas are prefixed with '."
    )


def sweep_pickers(
    log: RunLog | str, source: fu.Source, found: SweepFactors | None
) -> tuple[tuple[str, str], ...]:
    """One picker per column that tells several sweeps of the file apart (Porian et al.'s
    dataset, hparams, ...); returns the chosen (column, value) pairs.  A real sample opens on
    its catalogue's default sweep.  ``found``: the read's sweep factors of these runs."""
    if isinstance(log, str) or found is None:
        return ()
    factors = fs.sweep_factors(log, found)
    if not factors:
        return ()
    sweep = sweep_for_path(source.name) if source.kind == "sample" else None
    # The same sweep the command line names when it refuses to pool them (the first
    # combination present); a shipped sample opens on its catalogue's sweep instead.
    defaults = sweep.default_where if sweep is not None else fs.first_sweep(found)
    st.markdown(
        ("**These files hold" if len(source.all_files) > 1 else "**This file holds")
        + " several sweeps**, told apart by the columns below. One of them is "
        "fitted (the first, unless you pick another); *all* fits every row as one law."
    )
    cols = st.columns(min(len(factors), 6))
    chosen = []
    for i, (column, values) in enumerate(factors.items()):
        options = ["all", *(str(v) for v in values)]
        default = str(defaults.get(column, "all"))
        default = default if default in options else "all"
        if source.kind == "sample":  # in the link; an upload's values never are
            value = choice(
                column, where_key(column), options, default, container=cols[i % len(cols)]
            )
        else:
            key = f"fit_where_{digest_key(source.digest)}_{column}"
            if key not in st.session_state:
                st.session_state[key] = default
            value = cols[i % len(cols)].selectbox(column, options, key=key)
        if value != "all":
            chosen.append((column, value))
    if chosen:
        try:
            kept = len(fs.select_log(log, dict(chosen)).runs)
        except FitError as exc:
            st.error(ft.escape_markdown(for_page(exc)))
        else:
            what = ", ".join(f"{k} = {v}" for k, v in chosen)
            st.caption(f"Fitting the {kept:,} of {len(log.runs):,} runs where {what}.")
    return tuple(chosen)


#: Link keys of the sweep pickers start with this (``f_where_dataset=rw_original``).
WHERE_PREFIX = "f_where_"
#: Link keys of the fit page's switches that concern one file's reading (the unfinished runs,
#: a sweep label read as runs, every run of a tuning grid, what a wide table's column names are):
#: reset when another file is shown.
FILE_SWITCHES = ("f_unfinished", "f_label_runs", "f_tuning_all", "f_wide")
#: Session key of the file whose sweep picks the session holds.
_WHERE_FILE_KEY = "fit_links_file"


def where_key(column: str) -> str:
    """The link key of the sweep picker of ``column`` (characters a query string would have
    to escape become ``_``)."""
    return WHERE_PREFIX + re.sub(r"[^A-Za-z0-9_.-]", "_", column)


def forget_other_files_picks(file_digest: str) -> None:
    """Drop the sweep and loss picks of the file shown before, from the session and the
    address bar, when another file is shown: a pick of one file means nothing in another.
    The first file of a session keeps the picks its link gives."""
    before = st.session_state.get(_WHERE_FILE_KEY)
    st.session_state[_WHERE_FILE_KEY] = file_digest
    if before is None or before == file_digest:
        return

    def file_specific(key: str) -> bool:
        return key.startswith((WHERE_PREFIX, fu.ROLE_LINK_PREFIX)) or key in FILE_SWITCHES

    for key in [k for k in st.session_state if file_specific(str(k))]:
        del st.session_state[key]
    for key in [k for k in st.query_params if file_specific(k)]:
        del st.query_params[key]


def digest_key(file_digest: str) -> str:
    """A short widget-key part for one file's content."""
    return file_digest[:12]
