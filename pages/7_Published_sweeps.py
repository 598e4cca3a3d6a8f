"""Published sweeps: real training runs released by their authors, each fitted with the
Chinchilla form and intervals, with the N_opt(C) and tokens per parameter it implies beside the
published laws, and a leave-out check (fit the smaller models, predict the largest)."""

from __future__ import annotations

import streamlit as st

from charts.format import format_compute
from charts.frontier import frontier_figure
from charts.published import SummaryRow, summary_table
from charts.style import sweep_key
from dashboard.cache_published import fit_curve, law_frontier
from dashboard.layout import page, show_chart
from dashboard.published_view import law_rows, sweep_block, user_law_keys
from dashboard.widgets import WRAP_ROW_HEIGHT, multi_choice
from scaling_core.published import PUBLISHED_SWEEPS, SWEEPS_BY_KEY

#: Published laws drawn beside the sweeps' fits.
REFERENCE_LAWS = ("chinchilla-2022-unrounded", "epoch-2024", "muennighoff-2023")
COMPUTE = 1e23

with page("Published sweeps"):
    st.markdown(
        "Real sweeps released by their authors (licences and provenance in "
        "`sample_data/real/`). Pick one or several: each is fitted with the form its runs "
        "determine, the Chinchilla form L = E + A/N^α + B/D^β (Hoffmann et al. 2022, Approach "
        "3) or, when every run has one D, L = E + A/N^α, with bootstrap intervals; where the "
        "runs determine it, the compute-optimal allocation is drawn beside the published laws "
        "(otherwise the page says why not). The leave-out "
        "check fits the smaller models and predicts the largest (the OLMo ladder's 3B runs "
        "from 190M-1B). Your own fit from *Fit your runs* joins the comparison when there is one."
    )
    chosen = multi_choice(
        "Sweeps",
        "ps_sweeps",
        [s.key for s in PUBLISHED_SWEEPS],
        ["olmo-ladder", "gadre-2024"],
        format_func=lambda k: SWEEPS_BY_KEY[k].label,
    )
    rows: list[SummaryRow] = []
    curves = []
    for key in chosen:
        with st.container(border=True):
            result, row = sweep_block(key, COMPUTE)
        if row is not None and not isinstance(result, str):
            rows.append(row)
            if result.allocation_determined:  # no compute-optimal curve from an undetermined a
                curves.append(
                    fit_curve(sweep_key(key), f"{SWEEPS_BY_KEY[key].label} (our fit)", result)
                )
    user_keys = user_law_keys()
    rows += law_rows(user_keys, COMPUTE, kind="your fit (Fit your runs)")
    rows += law_rows(list(REFERENCE_LAWS), COMPUTE)
    curves += [law_frontier(key) for key in [*user_keys, *REFERENCE_LAWS]]
    st.subheader("Beside the published laws")
    if not chosen:
        st.info("Pick one or more sweeps above.")
    summary = summary_table(rows, format_compute(COMPUTE))
    st.dataframe(
        summary,
        hide_index=True,
        width="stretch",
        row_height=WRAP_ROW_HEIGHT,  # whole names, wrapped
        column_config={
            # widths summing to 930 px, the column's width at 1400 px with the sidebar open
            # (978 cut the leave-out error off), and "not determined" wrapping between words
            "Sweep or law": st.column_config.TextColumn(width=210, pinned=True),
            "What": st.column_config.TextColumn(width=84),
            "E, A, B, α, β": st.column_config.TextColumn(width=176),
            "a (95% CI)": st.column_config.TextColumn(width=104),
            summary.columns[4]: st.column_config.TextColumn("N_opt", width=92),
            "Tokens / param there": st.column_config.TextColumn("D/N", width=92),
            "Leave-out error": st.column_config.TextColumn(width=172),
        },
    )
    st.caption(
        f"N_opt and tokens per parameter (D/N) at C = {format_compute(COMPUTE)} from each fit's "
        "closed form (Hoffmann et al. 2022, eq. 4). The sweeps' losses are on their own "
        "validation sets and tokenizers, so E and the loss levels are not comparable across "
        "rows; the allocation (a, tokens per parameter) is. Extrapolating a fit of models up to "
        "a few billion parameters to 1e23 FLOP is far outside the sweep: read the intervals. "
        'A sweep whose runs do not determine a shows "not determined" and no curve. '
        "Leave-out error: mean |relative error| on the held-out larger runs (largest in "
        "brackets). The published laws are fixed comparators: they do not follow the "
        "sidebar's law selection; your own fits from Fit your runs are added when present."
    )
    show_chart(st, frontier_figure(curves, chosen_compute=COMPUTE), key="ps_frontier")
