"""The fit page's checks of a fitted law: the extrapolation check (fit the smaller runs,
predict the largest) and the rollout scorecard (every cutoff), as Streamlit calls.

`dashboard.fit_view.show_charts` gives them their place on the page and fills it last: both may
still be running in their jobs (`dashboard.ahead`) when the page reaches them.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from charts import fit_tables as ft
from charts.fit import extrapolation_figure
from dashboard import fit_session as fs
from dashboard import fit_upload as fu
from dashboard.fit_rollout import rollout_options
from dashboard.layout import show_chart, show_table
from dashboard.live import live_section
from dashboard.widgets import choice, number_slider
from scaling_core.fit import FitResult
from scaling_core.fit import points as fp

#: Session key of the figures a section of the fit page redraws alone (`live_figures`).
LIVE_FIGURES_KEY = "fit_live_figures"


def live_figures() -> dict[str, go.Figure]:
    """This session's latest figure of each chart a section of the page redraws alone (the
    extrapolation check's), by its download name: the page's downloads, drawn by the last full
    run, hand out the figure on display."""
    return st.session_state.setdefault(LIVE_FIGURES_KEY, {})


def show_checks(
    table: pd.DataFrame, result: FitResult, source: fu.Source, options: fs.FitOptions
) -> dict[str, go.Figure]:
    """The extrapolation check (its controls, metrics, chart and held-out runs) and the
    rollout scorecard; returns their figures."""
    charts: dict[str, go.Figure] = {}
    st.subheader("Extrapolation check")
    latest = live_figures()

    def extrapolation_section() -> go.Figure | None:
        """The check's controls and what they change (rerun alone when one moves); keeps its
        figure in `live_figures` for the page's download, drawn on the page's last full run."""
        latest.pop("extrapolation", None)
        figure = _extrapolation(table, source, options)
        if figure is not None:
            latest["extrapolation"] = figure
        return figure

    ext_fig = live_section("Fit your runs", extrapolation_section)
    if ext_fig is not None:
        charts["extrapolation"] = ext_fig
    rollout_fig = show_rollout(table, source, rollout_options(options, result.form))
    if rollout_fig is not None:
        charts["rollout"] = rollout_fig
    return charts


#: Session key of the quantile the extrapolation check last showed (the slider's direction).
_LAST_QUANTILE_KEY = "f_q_last_checked"


def _extrapolation(
    table: pd.DataFrame, source: fu.Source, options: fs.FitOptions
) -> go.Figure | None:
    """The extrapolation check's controls, metrics, chart and held-out runs; its figure."""
    e1, e2 = st.columns(2)
    by = choice(
        "Hold out the largest runs by",
        "f_by",
        ["compute_flops", "n_params"],
        fu.HOLDOUT_DEFAULTS["f_by"],
        container=e1,
        format_func=lambda b: {
            "compute_flops": "compute C",
            "n_params": "parameters N",
        }[b],
    )
    low, high, step = fu.QUANTILE_SLIDER
    quantile = fu.quantile_value(
        number_slider(
            "Fit runs up to this quantile",
            "f_q",
            low,
            high,
            fu.HOLDOUT_DEFAULTS["f_q"],
            step,
            container=e2,
        )
    )
    check = fu.cached_extrapolation(
        source.digest,
        options.key(),
        by,
        quantile,
        table,
        fu.large_upload(source),
    )
    if isinstance(check, str):
        st.warning(f"No extrapolation check: {ft.escape_markdown(check)}")
        return None
    x1, x2, x3, x4 = st.columns(4)
    x1.metric("Held-out runs", f"{len(check.holdout):,}")
    x2.metric(
        "Mean |error|, held-out (N, D)",
        f"{100 * check.mean_abs_relative_error:.2f}%",
        help=f"Mean signed error {check.mean_signed_relative_error:+.2%}; reruns of "
        f"one (N, D) averaged first ({check.n_configurations:,} distinct).",
    )
    x3.metric(
        "RMS log error, held out",
        f"{check.rms_log_error:.4f}",
        help="A law that extrapolates predicts the held-out runs about as "
        "well as it fits the runs it saw (next metric).",
    )
    x4.metric(
        "RMS log error, fitted runs",
        f"{check.fit.rms_residual:.4f}",
        help="The same error on the smaller runs the check's fit used.",
    )
    train = table[table[by] <= check.threshold]
    ext_fig = extrapolation_figure(
        train,
        check.holdout,
        by=by,
        threshold=check.threshold,
        x=fp.extrapolation_axis(check.holdout, by),
    )
    show_chart(st, ext_fig, live="fit_extrapolation")
    # by the held-out axis, then N, as the chart reads; not by name
    order = list(dict.fromkeys([by, "n_params", "run"]))
    show_table(ft.extrapolation_rows(check.holdout.sort_values(order)), static=True)
    n_held, n_points = len(check.holdout), check.n_configurations
    st.caption(
        f"The mean |error| is over the {n_points:,} held-out (N, D) "
        f"{'configuration' if n_points == 1 else 'configurations'} of {n_held:,} "
        f"{'run' if n_held == 1 else 'runs'}: runs that share N and D within 1% (seeds, "
        "reruns) are averaged first. The table lists every held-out run. Loss in nats/token; "
        "error = predicted / observed − 1 of the fit to the smaller runs."
    )
    # last: starting a job pickles the runs in this process, which held up the drawing above
    previous = st.session_state.get(_LAST_QUANTILE_KEY)
    st.session_state[_LAST_QUANTILE_KEY] = quantile
    fu.start_neighbours(source.digest, options, by, quantile, table, previous)
    return ext_fig


def show_rollout(table, source: fu.Source, options: fs.FitOptions) -> go.Figure | None:  # type: ignore[no-untyped-def]
    """The rollout scorecard (every cutoff by N fitted, every larger run predicted), small:
    its chart and one caption (`dashboard.fit_rollout`); returns the figure shown, if any."""
    from charts.rollout import rollout_caption, rollout_figure
    from dashboard.fit_rollout import cached_rollout, table_key

    st.markdown("**Rollout scorecard** (OLMo-core's method: every cutoff, not one)")
    heavy = fu.large_upload(source)
    card = cached_rollout(source.digest, options.key(), table_key(table), table, heavy)
    if isinstance(card, str):
        st.caption(f"No rollout scorecard: {ft.escape_markdown(card)}")
        return None
    fig = rollout_figure(card.predictions(), axis=card.axis, height=340)
    show_chart(st, fig, live="fit_rollout")
    st.caption(rollout_caption(card))
    return fig
