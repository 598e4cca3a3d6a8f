"""Overfitting and data limits: Kaplan's overfitting penalty, the data it asks for, early stopping,
and what repeating a limited data set costs (Muennighoff et al. 2023)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from charts.format import format_compute, format_count, format_loss
from charts.overfitting import (
    data_requirement_figure,
    data_requirement_run,
    overfitting_figure,
    overfitting_run,
    repetition_figure,
)
from dashboard.cache_frontier import (
    KAPLAN_DATA_RANGE,
    KAPLAN_SIZE_RANGE,
    data_constrained_readout,
    data_requirement_curves,
    overfitting_curves,
)
from dashboard.kept_figure import kept_figure
from dashboard.layout import page, show_chart
from dashboard.live import live_section
from dashboard.widgets import log_slider, number_slider
from scaling_core.data_constrained import CHEAP_EPOCHS, R_D_STAR, R_N_STAR, figure1_losses
from scaling_core.presets import get_law


def _percent(value: float) -> str:
    return f"{100 * value:.3g}%" if math.isfinite(value) else "—"


with page("Overfitting and data limits"):
    unit = st.session_state.get("unit", "FLOP")
    kaplan = get_law("kaplan-2020")
    st.markdown(
        "A model trained on too little data overfits: its loss stalls above what the same model "
        "reaches with unlimited data. Kaplan et al. 2020 measure this penalty δL and find it "
        "depends on N and D only through N^(α_N/α_D)/D (their Figure 9, right); Muennighoff et al. "
        "2023 model what happens when the data runs out and is repeated for several epochs."
    )

    st.header("Overfitting (Kaplan et al. 2020)")
    st.latex(
        r"\delta L(N, D) = \frac{L(N, D)}{L(N, \infty)} - 1 = "
        r"\left(1 + \left(\frac{N}{N_c}\right)^{\alpha_N/\alpha_D}\frac{D_c}{D}\right)^{\alpha_D} - 1"
    )
    st.caption(
        f"α_N = {kaplan.alpha_n}, α_D = {kaplan.alpha_d}, N_c = {kaplan.n_c:.2g}, "
        f"D_c = {kaplan.d_c:.2g} (Kaplan et al. 2020, arXiv:2001.08361, eqs. 4.1-4.4, Table 2); N counts "
        "non-embedding parameters and losses are on WebText2. This section always uses Kaplan's "
        "law: the Chinchilla-form laws have no overfitting term."
    )

    def overfitting_section() -> None:
        """The overfitting controls and what they change (rerun alone when one moves)."""
        cols = st.columns(3)
        n_params = log_slider(
            "Parameters N (non-embedding)", "ovn", 1e6, 1e12, 5e8, container=cols[0]
        )
        n_tokens = log_slider("Training tokens D", "ovd", 1e7, 1e13, 2e10, container=cols[1])
        tolerance = (
            number_slider(
                "Tolerated overfitting δL (%)",
                "ovtol",
                0.5,
                20.0,
                2.0,
                0.5,
                help="Kaplan et al. derive D ≳ 5e3·N^0.74 (eq. 4.4) from a seed-to-seed loss variation of about 0.02.",
                container=cols[2],
            )
            / 100.0
        )

        overfit = float(kaplan.overfitting(n_params, n_tokens))
        needed = float(kaplan.tokens_for_overfitting(n_params, tolerance))
        rule = float(kaplan.data_requirement(n_params))
        stop_steps = float(kaplan.early_stopping_steps(n_params, n_tokens))
        loss = float(kaplan.loss(n_params, n_tokens))
        loss_unlimited = float(kaplan.loss_infinite_data(n_params))

        cols = st.columns(4)
        cols[0].metric(
            "Overfitting δL at this N, D",
            _percent(overfit),
            help=f"L(N, D) = {format_loss(loss)} against L(N, ∞) = {format_loss(loss_unlimited)} "
            "nats/token (eq. 1.5).",
        )
        cols[1].metric(
            f"Tokens for δL ≤ {_percent(tolerance)}",
            format_count(needed),
            help="Eq. 4.3 solved for D: D_c·(N/N_c)^(α_N/α_D) / ((1 + δL)^(1/α_D) − 1).",
        )
        cols[2].metric(
            "Rule of thumb 5e3·N^0.74",
            format_count(rule),
            help="Kaplan et al. 2020, eq. 4.4: D ≳ (5×10³)·N^0.74 tokens keeps overfitting small.",
        )
        cols[3].metric(
            "Early stopping after at least",
            f"{format_count(stop_steps)} steps" if math.isfinite(stop_steps) else "no stop needed",
            help="Kaplan et al. 2020, eq. 5.7: S_stop ≳ S_c / (L(N, D) − L(N, ∞))^(1/α_S), "
            "S_c = 2.1e3, α_S = 0.76; steps at a batch well above the critical batch size (S_min).",
        )
        if overfit > tolerance:
            st.warning(
                f"This run overfits: δL = {_percent(overfit)} exceeds {_percent(tolerance)}. A model of "
                f"{format_count(n_params)} parameters needs at least {format_count(needed)} tokens, "
                f"or a model of this data size should be smaller."
            )
        else:
            st.success(
                f"Within tolerance: δL = {_percent(overfit)} ≤ {_percent(tolerance)} "
                f"(needs ≥ {format_count(needed)} tokens)."
            )
        outside = []
        if not KAPLAN_SIZE_RANGE[0] <= n_params <= KAPLAN_SIZE_RANGE[1]:
            outside.append(f"N = {format_count(n_params)} (fitted 768 to 1.5B)")
        if not KAPLAN_DATA_RANGE[0] <= n_tokens <= KAPLAN_DATA_RANGE[1]:
            outside.append(f"D = {format_count(n_tokens)} (fitted 21M to 22B tokens)")
        if outside:
            st.info(
                "Extrapolation beyond the runs Kaplan et al. fitted: " + "; ".join(outside) + ". "
                "Treat the numbers as the law's extrapolation, not a measurement."
            )

        left, right = st.columns(2)
        # Kept per session and tolerance, read-only: the N and D sliders move only the run drawn
        # over them (and the repeated-data sliders below change neither).
        curves = overfitting_curves()
        point = (
            n_params,
            n_tokens,
            float(kaplan.overfitting_variable(n_params, n_tokens)),
            overfit,
        )
        ratio = kaplan.alpha_n / kaplan.alpha_d
        show_chart(
            left,
            kept_figure(
                "overfitting",
                (tolerance, ratio),
                lambda: overfitting_figure(
                    curves, tolerance=tolerance, point=None, exponent_ratio=ratio
                ),
                read_only=True,
            ),
            live="overfitting",
            overlay=overfitting_run(curves, tolerance=tolerance, point=point),
        )
        requirement = data_requirement_curves(tolerance)
        show_chart(
            right,
            kept_figure(
                "data-requirement",
                tolerance,
                lambda: data_requirement_figure(*requirement, tolerance=tolerance, point=None),
                read_only=True,
            ),
            live="data-requirement",
            overlay=data_requirement_run(*requirement, point=(n_params, n_tokens)),
        )

    live_section("Overfitting and data limits", overfitting_section)

    st.header("Repeated data (Muennighoff et al. 2023)")
    st.markdown(
        "With only **U_D** unique tokens, a run of D tokens repeats them for D/U_D epochs. Each "
        "repetition is worth less than fresh data, and parameters beyond what U_D can feed are "
        "worth less than fresh parameters; the loss uses the effective counts D′ and N′:"
    )
    st.latex(
        r"\begin{gathered}L = E + \frac{A}{N'^{\alpha}} + \frac{B}{D'^{\beta}},\\ "
        r"D' = U_D + U_D R_D^{*}\left(1 - e^{-R_D/R_D^{*}}\right),\\ "
        r"N' = U_N + U_N R_N^{*}\left(1 - e^{-R_N/R_N^{*}}\right)\end{gathered}"
    )
    st.caption(
        f"R_D = D/U_D − 1 repeated epochs, U_N = min(N, N_opt(U_D)), R_N = N/U_N − 1; "
        f"R_D* = {R_D_STAR}, R_N* = {R_N_STAR} and the Chinchilla-form constants of the "
        "`muennighoff-2023` preset (α = β = 0.353; Muennighoff et al. 2023, arXiv:2305.16264, "
        "eq. 5), which the authors fitted to 54 points read off Chinchilla's C4 IsoFLOP figure, "
        "not to their own runs (their released notebook, `utils/parametric_fit.ipynb`)."
    )

    def repeated_data_section() -> None:
        """The unique-data and budget sliders and everything they change (rerun alone when one
        moves)."""
        cols = st.columns(2)
        unique_tokens = log_slider(
            "Unique tokens available U_D", "dcu", 1e8, 1e13, 2.5e10, container=cols[0]
        )
        compute = log_slider(
            f"Training compute C ({unit})",
            "dcc",
            1e18,
            1e25,
            1e22,
            formatter=lambda c: format_compute(c, unit),
            container=cols[1],
        )
        free, constrained, curve, marks = data_constrained_readout(compute, unique_tokens)
        figure1 = figure1_losses(get_law("muennighoff-2023"))
        epochs_free = float(free.n_tokens) / unique_tokens
        n_constrained = float(constrained.n_params)
        d_constrained = float(constrained.n_tokens)

        cols = st.columns(4)
        cols[0].metric("Data-constrained N", format_count(n_constrained))
        cols[1].metric("Data-constrained D", f"{format_count(d_constrained)} tokens")
        cols[2].metric("Epochs", f"{float(constrained.epochs):.3g}")
        cols[3].metric(
            "Loss (nats/token)",
            format_loss(float(constrained.loss)),
            delta=f"{float(constrained.loss) - float(free.loss):+.4f} vs unlimited data",
            delta_color="inverse",
        )
        if bool(constrained.is_flat):
            low, high = float(constrained.n_params_flat_low), float(constrained.n_params_flat_high)
            st.warning(
                f"The unique data, not the compute, limits the loss here: every model from "
                f"{format_count(low)} to {format_count(high)} parameters reaches the same loss "
                f"(within 1e-4 nats) at this budget, so the 'optimum' above is one of many. "
                "Extra epochs and extra parameters both stop paying; the same loss needs far less "
                "compute, or more unique data would lower it."
            )
        plans = pd.DataFrame(
            {
                "Plan": [
                    "Unlimited unique data (compute-optimal)",
                    "Same N and D, repeating U_D",
                    "Data-constrained optimum (re-allocated)",
                ],
                "N (params)": [
                    format_count(float(free.n_params)),
                    format_count(float(free.n_params)),
                    format_count(n_constrained),
                ],
                "D (tokens)": [
                    format_count(float(free.n_tokens)),
                    format_count(float(free.n_tokens)),
                    format_count(d_constrained),
                ],
                "Epochs over U_D": [
                    "1 (needs D unique)",
                    f"{max(1.0, epochs_free):.3g}",
                    f"{float(constrained.epochs):.3g}",
                ],
                "Loss (nats/token)": [
                    format_loss(float(free.loss)),
                    format_loss(float(marks.loss[-1])),
                    format_loss(float(constrained.loss)),
                ],
            }
        )
        st.table(plans.set_index("Plan"))

        if unique_tokens >= float(free.n_tokens):
            st.info(
                f"{format_count(unique_tokens)} unique tokens cover the compute-optimal "
                f"{format_count(float(free.n_tokens))} tokens at this budget: no repetition is needed."
            )
        elif epochs_free > R_D_STAR + 1:
            st.warning(
                f"The compute-optimal run would repeat the data {epochs_free:.3g} times, beyond "
                f"R_D* + 1 ≈ {R_D_STAR + 1:.0f} epochs where further repetitions are worth almost "
                "nothing: spend the budget on a smaller model, or find more data."
            )

        increase = marks.loss_increase
        relative = increase / marks.loss_unique
        st.markdown(
            f"**Four epochs cost little.** At this budget the compute-optimal model "
            f"({format_count(float(free.n_params))} parameters, {format_count(float(free.n_tokens))} "
            f"tokens) trained for {CHEAP_EPOCHS:g} epochs on a quarter of the data loses "
            f"{increase[1]:.4f} nats/token ({_percent(relative[1])} of its loss): its tokens are worth "
            f"{_percent(float(marks.data_value[1]))} of fresh ones. On the flat compute-optimal "
            f"frontier that is still the loss fresh data reaches with "
            f"{_percent(float(marks.compute_equivalent[1] / compute))} of the budget. At 16 epochs the "
            f"loss rises by {increase[2]:.4f} ({_percent(relative[2])}), at 40 epochs by "
            f"{increase[3]:.4f} ({_percent(relative[3])})."
        )
        show_chart(
            st,  # kept per session: the overfitting sliders above leave it unchanged
            kept_figure(
                "repetition",
                (unique_tokens, compute),
                lambda: repetition_figure(
                    curve.epochs,
                    curve.loss,
                    curve.compute_equivalent / compute,
                    loss_unique=curve.loss_unique,
                    current=(max(1.0, epochs_free), float(marks.loss[-1])),
                    optimum=(
                        float(constrained.epochs),
                        float(constrained.loss),
                        n_constrained,
                        d_constrained,
                    ),
                    cheap_epochs=CHEAP_EPOCHS,
                ),
            ),
            live="repetition",
        )
        st.caption(
            f"Fixed budget C = {format_compute(compute, unit)}; the brown line keeps the unlimited-data "
            "optimum's N and D and shrinks the unique data to D/epochs. The star re-allocates the "
            "budget for the chosen U_D by minimising L(N, C/6N) over N. Muennighoff et al.'s Figure 1 "
            "compares, with 25B unique tokens, 6.34B parameters on 242B tokens (9.7 epochs) against "
            "8.67B on 178B: the smaller model trained for more epochs wins, and the law agrees "
            f"(loss {figure1[0]:.5f} against {figure1[1]:.5f}). The law's own optimum "
            "at that budget (9.26e21 FLOP) is 6.8B parameters on 227B tokens (9.1 epochs), the "
            "example of the authors' code (datablations README), not a figure of the paper."
        )

    live_section("Overfitting and data limits", repeated_data_section)
