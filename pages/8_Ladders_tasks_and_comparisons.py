"""Ladders: a task's accuracy predicted from a ladder of small runs (Bhagia et al. 2024's two
steps), with intervals and the variance gate; and, to come, two sweeps compared."""

from __future__ import annotations

import streamlit as st

from charts.downstream import (
    predictions_figure,
    predictions_table,
    step1_figure,
    step1_table,
    step2_figure,
)
from charts.format import format_count
from dashboard.compare_view import show_comparison
from dashboard.downstream_view import (
    READ_ERRORS,
    prediction,
    shipped_curves,
    store_upload,
    uploaded_curves,
)
from dashboard.layout import page, show_chart, show_table
from dashboard.live import live_section
from dashboard.widgets import choice
from scaling_core.downstream import STEP1_MIN_SIZES, find_task_pairs, prediction_cuts

SOURCES = {"olmo": "OLMo ladder (shipped)", "upload": "Your ladder (upload)"}
FORMS = {
    "auto": "Chinchilla, α = β when undetermined",
    "chinchilla": "Chinchilla (E + A/N^α + B/D^β)",
    "gadre": "α = β (Gadre et al. 2024)",
}

with page("Ladders: tasks and comparisons"):
    st.header("Tasks")
    st.markdown(
        "Predict a task's accuracy for the larger runs from a ladder of small ones, as Bhagia "
        "et al. 2024 (arXiv:2412.04403) do. **Step 1** fits the task loss (bits per byte of "
        "the correct answer) of each ladder run's final checkpoints in Chinchilla's form "
        "L(N, D) = E + A/N^α + B/D^β (their eq. 1); when the runs leave one of its constants "
        "undetermined it fits the same form with α = β. **Step 2** fits "
        "Acc(L) = a/(1 + exp(−k(L − L0))) + b (their eq. 2) on every checkpoint after the "
        "first 10% of each run. The held-out runs are predicted by chaining the two; the "
        "intervals come from 1,000 draws that resample the ladder's configurations (a rerun "
        "with its run) and refit both steps. The **variance gate** is their check of how much "
        "a task's accuracy scatters over the last 10 checkpoints of the largest ladder run."
    )
    source = choice("Ladder", "lt_source", list(SOURCES), "olmo", format_func=lambda k: SOURCES[k],
                    radio=True)  # fmt: skip
    curves = None
    try:
        if source == "olmo":
            curves = shipped_curves()
            st.caption(
                "The OLMo ladder's 30 cosine runs (190M-3B, 0.5-10 × Chinchilla tokens) with "
                "every task's bits per byte and accuracy per checkpoint "
                "(`sample_data/real/olmo-ladder/olmo_ladder_downstream.csv`, Apache-2.0)."
            )
        else:
            st.file_uploader(
                "Run logs with task loss and accuracy columns per checkpoint (W&B history CSVs, "
                "one file per run, or one table with a run column)",
                accept_multiple_files=True,
                key="lt_uploader",
                on_change=store_upload,
            )
            curves = uploaded_curves()
            if curves is None:
                st.info("Upload the ladder's logs to predict its tasks.")
            elif nominal := curves.attrs.get("nominal_sizes"):
                st.warning(
                    f"{nominal[0].upper()}{nominal[1:]}: add a params column with the exact "
                    "counts to the files to use them."
                )
    except READ_ERRORS as exc:
        st.error(f"The files cannot be used: {exc}")
        curves = None
    pairs = find_task_pairs(curves.columns) if curves is not None else {}
    if curves is not None and not pairs:
        st.error(
            "No task found in these files: a task needs a loss column ending in _bpb or _loss "
            "beside an accuracy column ending in _len_norm or _acc, with the same name before it."
        )
    fit_up_to = prediction_cuts(curves["n_params"]) if pairs else []
    if pairs and not fit_up_to:
        n_sizes = curves["n_params"].dropna().nunique()
        st.info(
            f"These runs have {n_sizes} model {'size' if n_sizes == 1 else 'sizes'}: a "
            f"prediction fits {STEP1_MIN_SIZES} or more and predicts a larger one, so it needs "
            f"{STEP1_MIN_SIZES + 1}."
        )
        pairs = {}
    if pairs:
        names = list(pairs)
        cuts = [f"{n:.0f}" for n in fit_up_to]
        left, middle, right = st.columns(3)
        task = choice("Task", "lt_task", names,
                      "hellaswag_val" if "hellaswag_val" in names else names[0], container=left)  # fmt: skip
        cut = choice("Fit the runs up to", "lt_fit_up_to", cuts, cuts[-1],
                     format_func=lambda v: f"{format_count(float(v))} parameters",
                     container=middle)  # fmt: skip
        form = choice("Step-1 form", "lt_step1_form", list(FORMS), "auto",
                      format_func=lambda k: FORMS[k], container=right)  # fmt: skip
        pair = pairs[task]
        st.caption(f"Task loss `{pair.loss_column}`; accuracy `{pair.metric_column}`.")
        try:
            result = prediction(curves, task, float(cut), form)
        except (*READ_ERRORS, ValueError) as exc:
            st.error(f"No prediction for {task}: {exc}")
            result = None
        if result is not None:
            gate = result.gate
            (st.warning if gate.flagged else st.success)(f"Variance gate: {gate.verdict}.")
            st.subheader("Step 1: task loss from N and D")
            st.markdown(f"Fitted form: {result.step1_reason}.")
            show_table(step1_table(result), static=True)  # whole, not a grid that scrolls
            if result.step1_form == "gadre":
                st.caption(
                    "The trust checks judge α and β of the α = β fit apart, as for the "
                    'five-constant form, so one can read "not determined" while the other, '
                    "the same number, does not; the bootstrap interval is the better guide."
                )
            ident = result.step1.identifiability
            for warning in result.step1.warnings(ident):
                if not warning.startswith("a = beta/(alpha+beta)"):  # no allocation asked here
                    st.warning(f"Step 1: {warning}")
            show_chart(st, step1_figure(result), key="lt_step1")
            st.subheader("Step 2: accuracy from task loss")
            bands = result.step2_intervals
            st.markdown(
                ", ".join(
                    f"{name} = {value:.4g}"
                    + (f" ({bands[name][0]:.4g} to {bands[name][1]:.4g})" if name in bands else "")
                    for name, value in result.step2.params.items()
                )
                + f" (95% intervals) on {result.step2.n_points:,} checkpoints of "
                f"{result.step2_points['run'].nunique()} runs; residual spread "
                f"{100 * result.step2.rms:.2f} points (rms)."
            )
            show_chart(st, step2_figure(result), key="lt_step2")
            for note in result.notes:
                st.info(f"Note: {note}.")
            st.subheader("Predictions for the held-out runs")
            table = predictions_table(result)
            if len(table):
                summary = result.summary
                show_table(table, static=True)
                st.markdown(
                    f"Mean |error| **{100 * summary['mean_abs_error']:.2f} points** over "
                    f"{summary['n_configurations']} configurations (signed "
                    f"{100 * summary['mean_signed_error']:+.2f}; a rerun averaged with its "
                    f"run); {summary['inside_interval']} of {summary['n_predictions']} observed "
                    "values inside their intervals."
                )
                st.caption(
                    "The interval is the 95% percentile interval of the chained prediction over "
                    f"{result.n_boot:,} bootstrap draws ({result.n_failed} failed): the "
                    "uncertainty of both fits, not the checkpoint-to-checkpoint scatter of the "
                    "target run. Observed: the run's final checkpoint."
                )
                show_chart(st, predictions_figure(result), key="lt_pred")
            else:
                st.info(
                    "No run is larger than the fitted ones: pick a smaller cut to hold some out."
                )

    st.header("Compare two sweeps")
    live_section("Ladders: tasks and comparisons", show_comparison)
