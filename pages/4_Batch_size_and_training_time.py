"""Batch size and training time: B_crit(L), the steps/data trade-off and wall-clock for one run."""

from __future__ import annotations

import streamlit as st

from charts.batch import (
    critical_batch_figure,
    critical_batch_marks,
    tradeoff_axis_max,
    tradeoff_figure,
    tradeoff_marks,
)
from charts.format import format_compute, format_compute_value, format_count, format_loss
from charts.plan import (
    compute_unit_name,
    format_duration,
    format_ratio,
    format_seconds,
)
from dashboard.kept_figure import kept_figure
from dashboard.layout import page, show_chart
from dashboard.live import live_section
from dashboard.state import COMPUTE_UNIT
from dashboard.widgets import choice, log_slider, number_slider, primary_law
from scaling_core.allocation import compute_optimal
from scaling_core.compute import ACCELERATORS
from scaling_core.hyperparams import DEEPSEEK_LLM
from scaling_core.planning import batch_plan, critical_batch_curve, tradeoff_curve

OPTIMAL = "Compute-optimal model for a budget C"
CHOSEN = "Choose N and D"

#: Device counts offered: powers of two, as clusters are built.
DEVICE_COUNTS = [str(2**k) for k in range(17)]

with page("Batch size and training time"):
    law = primary_law()
    unit = st.session_state.get(COMPUTE_UNIT.key, "FLOP")
    st.markdown(
        "How large a batch a run can use before extra data stops buying fewer steps. Kaplan et al. "
        "2020 find a **critical batch size** B_crit that depends only on the loss a run reaches: "
        "below it, doubling the batch nearly halves the steps; above it, it mostly wastes data. "
        "Every batch B trades steps S against tokens E on one hyperbola (McCandlish et al. 2018); "
        "at B = B_crit a run takes twice the minimum steps and twice the minimum data."
    )
    st.latex(
        r"B_{\mathrm{crit}}(L) = \frac{2\times10^{8}\ \mathrm{tokens}}{L^{1/0.21}}, \qquad "
        r"\left(\frac{S}{S_{\min}} - 1\right)\left(\frac{E}{E_{\min}} - 1\right) = 1"
    )
    st.latex(
        r"S = \frac{D}{B}, \qquad S_{\min} = \frac{S}{1 + B_{\mathrm{crit}}/B}, \qquad "
        r"E_{\min} = \frac{E}{1 + B/B_{\mathrm{crit}}}"
    )
    st.caption(
        "Sources: [Kaplan et al. 2020](https://arxiv.org/abs/2001.08361), eqs. 1.4, 5.4-5.5; "
        "[McCandlish et al. 2018](https://arxiv.org/abs/1812.06162), eq. 2.11; "
        "[Porian et al. 2024](https://arxiv.org/abs/2406.19146), Figure 3; "
        f"[{DEEPSEEK_LLM.label}]({DEEPSEEK_LLM.source.url}), {DEEPSEEK_LLM.source.where}. "
        f"Target loss from {law.label}."
    )

    def batch_section() -> None:
        """The run, batch and hardware controls and what they change (rerun alone when one moves)."""
        run_col, batch_col, hw_col = st.columns(3)
        with run_col:
            st.subheader("The run")
            mode = choice("Model and data", "b_mode", [OPTIMAL, CHOSEN], OPTIMAL)
            if mode == OPTIMAL:
                compute = log_slider(
                    "Training compute C",
                    "b_c",
                    1e17,
                    1e27,
                    1e22,
                    formatter=lambda v: format_compute(v, unit),
                    help=f"N and D are the compute-optimal split of C under {law.label}.",
                )
                optimum = compute_optimal(law, compute)
                n_params, n_tokens = float(optimum.n_params), float(optimum.n_tokens)
                st.caption(
                    f"Compute-optimal: N = {format_count(n_params)} params, "
                    f"D = {format_count(n_tokens)} tokens ({n_tokens / n_params:.3g} tokens/param)."
                )
            else:
                n_params = log_slider("Parameters N", "b_n", 1e6, 1e13, 1e9)
                n_tokens = log_slider("Training tokens D", "b_d", 1e8, 1e15, 2e10)
        with batch_col:
            st.subheader("Batch")
            batch_tokens = log_slider(
                "Batch size B (tokens per step)",
                "b_batch",
                1e4,
                1e8,
                2e6,
                formatter=lambda v: f"{format_count(v)} tokens",
                help="Tokens per optimiser step (sequences × sequence length).",
            )
        with hw_col:
            st.subheader("Hardware")
            accelerator = choice(
                "Accelerator",
                "b_acc",
                list(ACCELERATORS),
                "NVIDIA H100 SXM",
                help="Dense BF16 peak from the vendor datasheet (no sparsity).",
            )
            n_devices = float(
                choice(
                    "Devices",
                    "b_dev",
                    DEVICE_COUNTS,
                    "256",
                    format_func=lambda v: f"{int(v):,}",
                )
            )
            mfu = number_slider(
                "Model-FLOP utilisation (MFU)",
                "b_mfu",
                0.05,
                0.8,
                0.4,
                0.01,
                help="Achieved training FLOP/s over peak; 0.3-0.5 is typical for large dense runs.",
            )

        plan = batch_plan(law, n_params, n_tokens, batch_tokens, accelerator, n_devices, mfu)
        steps = plan.steps

        cols = st.columns(4)
        cols[0].metric(
            "Target loss L(N, D)",
            f"{format_loss(plan.target_loss)} nats",
            help=f"{law.label} at N = {format_count(n_params)}, D = {format_count(n_tokens)}.",
        )
        cols[1].metric(
            "Kaplan B_crit(L)",
            f"{format_count(plan.b_crit)} tokens",
            help="The batch at which a run needs 2× the minimum steps and 2× the minimum data.",
        )
        cols[2].metric(
            "Porian B*(N)",
            f"{format_count(plan.porian_batch_tokens)} tokens",
            help=f"Loss-optimal batch for N = {format_count(n_params)}; learning rate "
            f"η*(N) = {plan.porian_learning_rate:.2e}.",
        )
        cols[3].metric(
            "DeepSeek B_opt(C)",
            f"{format_count(plan.deepseek_batch_tokens)} tokens",
            help=f"For C = {format_compute(plan.compute_flops, unit)}; learning rate "
            f"η_opt(C) = {plan.deepseek_learning_rate:.2e}. DeepSeek counts C as M·D (M: "
            "non-embedding FLOP per token, attention included); here C = 6ND.",
        )
        cols = st.columns(5)
        cols[0].metric("Steps S = D/B", format_count(steps.steps))
        cols[1].metric("S_min", format_count(steps.steps_min), help="Steps needed at a huge batch.")
        cols[2].metric(
            "E_min (tokens)", format_count(steps.tokens_min), help="Tokens needed at a tiny batch."
        )
        cols[3].metric("S / S_min", format_ratio(steps.steps_over_min), help="1 + B_crit/B")
        cols[4].metric("E / E_min", format_ratio(steps.tokens_over_min), help="1 + B/B_crit")
        cols = st.columns(4)
        cols[0].metric(
            f"Training compute 6ND ({compute_unit_name(unit)})",
            format_compute_value(plan.compute_flops, unit),
        )
        cols[1].metric(
            "Wall-clock",
            format_duration(plan.training_days),
            help=f"{n_devices:,.0f} × {accelerator} at {mfu:.0%} MFU.",
        )
        cols[2].metric("Device-hours", format_count(plan.device_hours))
        cols[3].metric(
            "Time per step",
            format_seconds(plan.seconds_per_step),
            help="Wall-clock / steps: below about a second, communication usually dominates.",
        )

        if batch_tokens >= n_tokens:
            st.warning(
                f"The batch ({format_count(batch_tokens)} tokens) is at least the whole run "
                f"({format_count(n_tokens)} tokens): fewer than one step. Lower B or raise D."
            )
        elif steps.steps < 1000:
            st.warning(
                f"Only {steps.steps:,.0f} optimiser steps: too few for warmup and decay. "
                "A smaller batch would train this run better."
            )
        if batch_tokens > 4 * plan.b_crit:
            st.info(
                f"B is {format_ratio(batch_tokens / plan.b_crit)} B_crit: most of the extra data per "
                f"step is wasted (E/E_min = {format_ratio(steps.tokens_over_min)})."
            )
        if law.key != "kaplan-2020":
            st.caption(
                "B_crit uses Kaplan's constants, fitted on WebText2 losses; applied to another law's "
                "loss (other data, other tokenizer) it is a guide to the scale, not a prediction."
            )
        st.caption(
            "Kaplan's B_crit and Porian's B* answer different questions: B_crit is where data "
            "parallelism stops paying in steps (a time/compute trade-off at a given loss); B* is the "
            "batch that gave the lowest loss for a model of N parameters when tuned together with the "
            "learning rate. Porian et al. fitted B*(N) and η*(N) on 25M-110M-parameter models "
            f"(RefinedWeb); at N = {format_count(n_params)} it is an extrapolation"
            + (
                " well outside that range."
                if not 2.5e7 <= n_params <= 1.1e8
                else " inside that range."
            )
            + (
                ""
                if DEEPSEEK_LLM.in_fit_range(plan.compute_flops)
                else " DeepSeek's B_opt(C) was fitted on 1e17-2e19 FLOP; this C is outside that range."
            )
        )

        # Kept per session, read-only: a move of the run or batch sliders moves only what is
        # drawn over them (the curve changes only when the target loss leaves 1.5-5 nats).
        loss_range = (min(1.5, plan.target_loss * 0.9), max(5.0, plan.target_loss * 1.1))
        loss_grid, b_crit_grid = critical_batch_curve(*loss_range)
        left, right = st.columns(2)
        show_chart(
            left,
            kept_figure(
                "critical-batch",
                loss_range,
                lambda: critical_batch_figure(loss_grid, b_crit_grid),
                read_only=True,
            ),
            live="critical-batch",
            overlay=critical_batch_marks(
                loss_grid,
                b_crit_grid,
                target_loss=plan.target_loss,
                batch_tokens=batch_tokens,
                porian_batch_tokens=plan.porian_batch_tokens,
                deepseek_batch_tokens=plan.deepseek_batch_tokens,
            ),
        )
        axis_max = tradeoff_axis_max(plan.b_crit, batch_tokens, plan.porian_batch_tokens)
        show_chart(
            right,
            kept_figure(
                "batch-tradeoff",
                axis_max,
                lambda: tradeoff_figure(tradeoff_curve(plan.b_crit), axis_max=axis_max),
                read_only=True,
            ),
            live="batch-tradeoff",
            overlay=tradeoff_marks(
                plan.b_crit, batch_tokens, plan.porian_batch_tokens, axis_max=axis_max
            ),
        )

    live_section("Batch size and training time", batch_section)
