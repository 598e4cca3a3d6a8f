"""Plan a run: from a hardware (or dollar) budget to N, D, loss, batch size, steps and time per law."""

from __future__ import annotations

import streamlit as st

from charts.format import format_compute, format_compute_value, format_count, format_loss
from charts.plan import (
    allocation_figure,
    compute_unit_name,
    format_allocation_table,
    format_duration,
    format_throughput,
    format_training_table,
    inference_figure,
)
from dashboard.kept_figure import kept_figure
from dashboard.layout import page, show_chart
from dashboard.live import live_section
from dashboard.state import COMPUTE_UNIT, available_laws
from dashboard.widgets import (
    choice,
    compared_laws,
    law_label,
    log_slider,
    number_slider,
    primary_law,
    range_notes,
    toggle,
)
from scaling_core.compute import ACCELERATORS
from scaling_core.hyperparams import DEEPSEEK_LLM
from scaling_core.laws import LawUnavailable
from scaling_core.planning import (
    BATCH_RULES,
    budget_from_devices,
    budget_from_dollars,
    inference_alternative,
    inference_curve,
    loss_spread,
    plan_for_laws,
    plan_table,
    sardana_frankle_example,
)

DEVICES_DAYS = "Devices × days"
DOLLARS = "Dollars"

#: Device counts offered: powers of two, as clusters are built.
DEVICE_COUNTS = [str(2**k) for k in range(17)]

with page("Plan a run"):
    unit = st.session_state.get(COMPUTE_UNIT.key, "FLOP")
    st.markdown(
        "Turn a hardware budget into a training plan. The budget gives the compute C; each law "
        "chosen in the sidebar splits it into a model size N and a token count D, and, where it "
        "has a loss, predicts the loss reached. Batch size and learning rate come from the "
        "hyperparameter laws of Porian et al. 2024 (in N) and DeepSeek LLM (in C)."
    )
    st.latex(
        r"C = n_{\mathrm{dev}}\cdot\mathrm{peak}\cdot\mathrm{MFU}\cdot t \approx 6ND, \qquad "
        r"S = D/B"
    )
    st.latex(  # one formula a line: on one line they ran past a phone's screen
        r"\begin{gathered}"
        r"B^*(N) = 0.00037\,N^{0.703} \times 2048\ \mathrm{tokens},\\ "
        r"\eta^*(N) = 3.7\,N^{-0.36},\qquad "
        r"B_{\mathrm{crit}}(L) = 2\times10^{8}/L^{1/0.21}\ \mathrm{tokens}"
        r"\end{gathered}"
    )

    def plan_section() -> None:
        """The budget, hardware and batch controls and everything they change, the inference-aware alternative included (rerun alone when one moves)."""
        budget_col, hw_col, batch_col = st.columns(3)
        with budget_col:
            st.subheader("Budget")
            mode = choice("Budget given as", "p_mode", [DEVICES_DAYS, DOLLARS], DEVICES_DAYS)
            if mode == DEVICES_DAYS:
                days = log_slider(
                    "Days of training", "p_days", 0.1, 1000, 30, formatter=lambda v: f"{v:g} days"
                )
            else:
                dollars = log_slider(
                    "Budget", "p_usd", 1e3, 1e10, 1e6, formatter=lambda v: f"${format_count(v)}"
                )
                price = number_slider("Price per device-hour ($)", "p_price", 0.25, 15.0, 2.5, 0.25)
        with hw_col:
            st.subheader("Hardware")
            accelerator = choice("Accelerator", "p_acc", list(ACCELERATORS), "NVIDIA H100 SXM")
            n_devices = float(
                choice(
                    "Devices",
                    "p_dev",
                    DEVICE_COUNTS,
                    "1024",
                    format_func=lambda v: f"{int(v):,}",
                )
            )
            mfu = number_slider(
                "Model-FLOP utilisation (MFU)",
                "p_mfu",
                0.05,
                0.8,
                0.4,
                0.01,
                help="Achieved training FLOP/s over the dense BF16 peak; 0.3-0.5 is typical.",
            )
        with batch_col:
            st.subheader("Batch rule")
            batch_rule = choice(
                "Batch rule",
                "p_batch_rule",
                list(BATCH_RULES),
                "porian",
                format_func=lambda key: BATCH_RULES[key],
            )

        # The results, then the inference-aware section, each in a container made here, before
        # any output that comes and goes (the warning past a year, range notes): Streamlit names
        # a fragment by its place, and a section inside this one that such output moved became a
        # new fragment with no sidebar place for the link, which failed when its slider moved.
        results, inference_place = st.container(), st.container()
        with results:
            if mode == DEVICES_DAYS:
                budget = budget_from_devices(accelerator, n_devices, days, mfu)
            else:
                budget = budget_from_dollars(accelerator, dollars, price, n_devices, mfu)
            compute = budget.compute_flops
            if budget.days > 365:
                st.warning(
                    f"This budget keeps {budget.n_devices:,.0f} device(s) busy for "
                    f"{format_duration(budget.days)}: more devices would finish sooner at the same compute."
                )

            cols = st.columns(4)
            cols[0].metric(
                f"Compute C ({compute_unit_name(unit)})", format_compute_value(compute, unit)
            )
            cols[1].metric(
                "Wall-clock",
                format_duration(budget.days),
                help=f"{budget.n_devices:,.0f} × {accelerator} at {mfu:.0%} MFU",
            )
            cols[2].metric("Device-hours", format_count(budget.device_hours))
            if mode == DOLLARS:
                cols[3].metric("Cost", f"${format_count(budget.cost(price))}")
            else:
                cols[3].metric(
                    "Peak per device",
                    format_throughput(budget.accelerator.peak_flops),
                    help=budget.accelerator.source,
                )

            laws = available_laws()
            keys = compared_laws()
            plans = plan_for_laws([laws[key] for key in keys], budget, batch_rule)
            table = plan_table(plans)

            st.subheader("Per-law plan")
            st.markdown("**Model size, data and expected loss**")
            st.table(format_allocation_table(table).set_index("Law"))
            st.markdown("**Batch size (tokens), learning rate, steps and time**")
            st.table(format_training_table(table).set_index("Law"))
            range_notes(keys, budget.compute_flops)
            st.caption(
                f"Steps S = D/B with B from {BATCH_RULES[batch_rule]}. B* and η* are Porian et al.'s "
                "tuned batch and learning rate for N; B_crit is Kaplan's critical batch at the expected "
                "loss; time/step is wall-clock time per optimiser step."
            )
            st.download_button(
                "Download the plan (CSV)",
                table.to_csv(index=False).encode(),
                file_name="plan.csv",
                mime="text/csv",
            )
            without_loss = [p.label for p in plans if not p.has_loss]
            if without_loss:
                st.info(
                    f"{', '.join(without_loss)}: an allocation only (N_opt ∝ C^a), no loss, so the "
                    "expected loss and Kaplan B_crit are shown as —"
                    + (
                        "; so is the step count under the B_crit rule."
                        if batch_rule == "kaplan"
                        else "."
                    )
                )
            spread = loss_spread(plans)
            cols = st.columns(3)
            cols[0].metric(
                "DeepSeek B_opt(C)",
                f"{format_count(float(DEEPSEEK_LLM.batch_tokens(compute)))} tokens",
                help="Bi et al. 2024 (DeepSeek LLM), section 3.1, Formula 1: B_opt = 0.2920·C^0.3271 "
                "tokens, fitted on 1e17-2e19 FLOP. DeepSeek counts C as M·D (M: non-embedding FLOP "
                "per token, attention included); here C = 6ND, a close approximation.",
            )
            cols[1].metric(
                "DeepSeek η_opt(C)",
                f"{float(DEEPSEEK_LLM.learning_rate(compute)):.2e}",
                help="Bi et al. 2024 (DeepSeek LLM), section 3.1, Formula 1: η_opt = 0.3118·C^-0.1250.",
            )
            if spread is None:
                cols[2].metric("Spread of expected loss", "—")
                st.info("None of the compared laws gives a loss; add one in the sidebar to see it.")
            else:
                cols[2].metric(
                    f"Spread of expected loss ({spread.n_laws} laws)",
                    f"{spread.spread:.3f} nats",
                    help=(
                        f"From {format_loss(spread.lowest)} ({law_label(spread.lowest_key)}) to "
                        f"{format_loss(spread.highest)} ({law_label(spread.highest_key)})."
                    ),
                )
                if spread.n_laws > 1:
                    kaplan_note = (
                        " Kaplan's losses are on WebText2 with another tokenizer, so they are not "
                        "directly comparable with the Chinchilla family; the spread among those is the "
                        "more meaningful number."
                        if any(plan.key.startswith("kaplan") and plan.has_loss for plan in plans)
                        else ""
                    )
                    st.caption(
                        f"Expected loss from {format_loss(spread.lowest)} ({law_label(spread.lowest_key)}) "
                        f"to {format_loss(spread.highest)} ({law_label(spread.highest_key)})."
                        + kaplan_note
                    )
            st.caption(
                "Batch sizes and learning rates are extrapolations: Porian et al. fitted B*(N) and η*(N) "
                "on 25M-110M-parameter models, DeepSeek on 1e17-2e19 FLOP. Kaplan's B_crit is where "
                "larger batches stop saving steps, not the loss-optimal batch. Their N counts differ "
                "(Kaplan: non-embedding; Porian: with the output head). Kaplan's row is the minimum of "
                "his eq. 1.5 along C = 6ND; his own early-stopped frontier (N ∝ C^0.73) differs."
            )
            compute_label = format_compute(compute, unit)
            show_chart(
                st,  # kept per session: the inference slider below leaves it unchanged
                kept_figure(
                    "allocation",
                    (repr(plans), compute_label),
                    lambda: allocation_figure(plans, compute_label=compute_label),
                ),
                live="allocation",
            )

        def inference_section() -> None:
            """The inference volume and the inference-aware plan it changes, at this budget
            (rerun alone when the volume moves; with the plan when the budget does)."""
            st.subheader("Inference-aware alternative")
            law = primary_law()
            st.markdown(
                f"A model served for many tokens is cheaper over its life if it is smaller and trained "
                f"longer (Sardana & Frankle 2023). At the loss of {law.label}'s compute-optimal model "
                "for this budget, minimise training plus inference FLOP:"
            )
            st.latex(  # two lines: one ran past a phone's screen
                r"\begin{gathered}"
                r"\min_{N,\,D_{\mathrm{train}}}\ 6ND_{\mathrm{train}} + 2ND_{\mathrm{inference}}\\ "
                r"\text{such that}\quad L(N, D_{\mathrm{train}}) = L_{\mathrm{opt}}(C)"
                r"\end{gathered}"
            )
            inference_tokens = log_slider(
                "Lifetime inference volume",
                "p_inf",
                1e9,
                1e16,
                2e12,
                formatter=lambda v: f"{format_count(v)} tokens",
                help="Tokens generated or read by the deployed model over its lifetime.",
            )
            try:
                alternative = inference_alternative(law, compute, inference_tokens)
            except (LawUnavailable, ValueError) as error:
                st.warning(f"No inference-aware plan for {law.label} here: {error}")
            else:
                plan = alternative.plan
                cols = st.columns(5)
                cols[0].metric(
                    "N (params)",
                    format_count(plan.n_params),
                    delta=(  # a change under 1% with its first decimal: "-0.3%", not "-0%"
                        f"{alternative.size_change:+.1%}"
                        if abs(alternative.size_change) < 0.01
                        else f"{alternative.size_change:+.0%}"
                    ),
                    delta_color="off",
                    help=f"Compute-optimal at this loss: {format_count(plan.chinchilla_n_params)} params.",
                )
                cols[1].metric(
                    "D_train (tokens)",
                    format_count(plan.n_tokens),
                    help=f"{plan.tokens_per_param:.3g} tokens per parameter",
                )
                cols[2].metric(
                    f"Training ({compute_unit_name(unit)})",
                    format_compute_value(plan.training_flops, unit),
                )
                cols[3].metric(
                    f"Lifetime ({compute_unit_name(unit)})",
                    format_compute_value(plan.total_flops, unit),
                    help="Training plus inference. Compute-optimal model at this loss: "
                    f"{format_compute(plan.chinchilla_total_flops, unit)}.",
                )
                cols[4].metric(
                    "Lifetime saving",
                    f"{plan.savings:.1%}",
                    help="1 − lifetime FLOP / lifetime FLOP of the compute-optimal model at the same loss.",
                )
                if alternative.training_multiple > 1.001:
                    st.caption(
                        f"Training it takes {alternative.training_multiple:.2f}× this budget's compute; "
                        "the saving comes at inference."
                    )
                show_chart(
                    st,
                    inference_figure(
                        inference_curve(law, plan),
                        plan,
                        law_label=law.label,
                        law_key=law.key,
                        unit=unit,
                    ),
                    live="inference",
                )

        with inference_place:
            live_section("Plan a run", inference_section)

    live_section("Plan a run", plan_section)

    st.subheader("Worked example: Sardana & Frankle 2023, Figure 1")
    show_example = toggle(
        "Show the worked example",
        "p_sf",
        False,
        help="Also opened by the link ?p_sf=1 (it keeps every other control of the page).",
    )
    st.markdown(
        "A 13B model trained Chinchilla-optimally, then served for 2T tokens: which model reaches "
        "the same loss for the least training plus inference FLOP? Open it by link: "
        "[this page with the example](?p_sf=1)."
    )
    if show_example:
        example = sardana_frankle_example().plan
        cols = st.columns(3)
        cols[0].metric("Chinchilla-optimal N", f"{format_count(example.chinchilla_n_params)}")
        cols[1].metric("Chinchilla-optimal D", format_count(example.chinchilla_n_tokens, 4))
        cols[2].metric("Loss both reach (nats/token)", f"{example.target_loss:.5f}")
        cols = st.columns(4)
        cols[0].metric("Inference-aware N", format_count(example.n_params))
        cols[1].metric("Inference-aware D", format_count(example.n_tokens, 4))
        cols[2].metric("Lifetime FLOP saved", format_compute(example.flops_saved, unit))
        cols[3].metric("Saving in the example", f"{example.savings:.1%}")
        st.caption(
            "Sardana & Frankle 2023 (arXiv:2401.00448), Figure 1: training at 6N FLOP per token, "
            "inference at 2N, 2T inference tokens, with the constants of the authors' code "
            "(A 406.4, B 410.7, E 1.69, α 0.336, β 0.283; the `sardana-frankle-2023` law). "
            "Their figure reads 'about 7B, 17% cheaper'. The rounded eq. 10 exponents "
            "(α 0.34, β 0.28) would give about 8.0B and 10%."
        )
