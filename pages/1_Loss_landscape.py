"""Loss landscape: L(N, D) for the chosen law, IsoFLOP lines, the compute-optimal path and your run."""

from __future__ import annotations

import numpy as np
import streamlit as st

from charts.format import (
    escape_markdown,
    format_compute,
    format_count,
    format_loss,
    format_loss_delta,
    format_percent,
    law_equation,
    source_markdown,
)
from dashboard.cache import LANDSCAPE_RANGE, landscape_view
from dashboard.layout import page, show_chart
from dashboard.live import live_section
from dashboard.widgets import log_slider, primary_law, toggle
from scaling_core.allocation import compute_for_loss, compute_optimal, training_flops

with page("Loss landscape"):
    law = primary_law()
    unit = st.session_state.get("unit", "FLOP")
    st.markdown(
        "Predicted final loss of a model with **N** parameters trained on **D** tokens, under the law "
        "chosen in the sidebar. Dotted lines are fixed training budgets C = 6ND; along each, the red "
        "compute-optimal path marks the size with the lowest loss. Move the sliders to place your run."
    )
    st.latex(law_equation(law))
    st.caption(f"Source: {source_markdown(law.source)}. N counts {escape_markdown(law.counts)}.")

    def run_section() -> None:
        """The run's sliders, its numbers and the landscape with the run marked (rerun alone when one moves)."""
        left, right = st.columns(2)
        n_lo, n_hi, d_lo, d_hi = LANDSCAPE_RANGE
        n_params = log_slider("Parameters N", "n", n_lo, n_hi, 1e9, container=left)
        n_tokens = log_slider("Training tokens D", "d", d_lo, d_hi, 2e10, container=right)
        show_3d = toggle("Show as a 3-D surface", "surface3d", False)

        compute = float(training_flops(n_params, n_tokens))
        loss = float(law.loss(n_params, n_tokens))
        optimum = compute_optimal(law, compute)
        optimal_loss = float(optimum.loss)
        needed = float(compute_for_loss(law, loss))

        cols = st.columns(4)
        cols[0].metric("Predicted loss (nats/token)", format_loss(loss))
        cols[1].metric("Training compute", format_compute(compute, unit))
        cols[2].metric(
            "Compute-optimal loss at this C",
            f"{format_loss(optimal_loss)}",
            delta=format_loss_delta(optimal_loss - loss),
            delta_color="inverse",
            help=f"N_opt {format_count(float(optimum.n_params))}, D_opt {format_count(float(optimum.n_tokens))}",
        )
        if np.isfinite(needed) and needed > 0:
            cols[3].metric(
                "Compute wasted",
                format_percent(max(0.0, 1 - needed / compute)),
                help=(
                    f"A compute-optimal model reaches loss {format_loss(loss)} with {format_compute(needed, unit)} "
                    f"({compute / needed:.2f}× less than this run)."
                ),
            )
        else:
            cols[3].metric(
                "Compute wasted", "—", help="This law does not reach that loss at any budget."
            )

        fig, run_marker = landscape_view(
            law, (n_params, n_tokens, loss), show_3d=show_3d, unit=unit
        )
        show_chart(st, fig, live="landscape", overlay=run_marker)

    live_section("Loss landscape", run_section)
