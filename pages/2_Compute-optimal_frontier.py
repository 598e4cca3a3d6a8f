"""Compute-optimal frontier: N_opt, D_opt, D/N and L_opt against C for the compared laws,
IsoFLOP profiles at one budget, and Porian et al. 2024's path from Kaplan's exponent to Chinchilla's."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from charts.format import format_compute, format_count, format_loss, format_ratio
from charts.frontier import approach3_table, isoflop_figure, porian_figure
from charts.isoflop import optima_figure, profiles_figure, table1_comparison
from dashboard.cache_frontier import (
    FRONTIER_RANGE,
    REFERENCE_EXPONENTS,
    frontier_view,
    isoflop_curve,
    law_curve,
    optimum_rows,
    spread,
)
from dashboard.cache_published import (
    budget_profiles,
    interval_assumptions,
    optima_series,
    spread_of_moves,
    table1_cells,
)
from dashboard.kept_figure import shared_figure
from dashboard.layout import page, show_chart
from dashboard.live import live_section
from dashboard.state import available_laws
from dashboard.widgets import choice, compared_laws, log_slider, range_notes
from scaling_core.allocation import compute_optimal
from scaling_core.porian import CHINCHILLA_BUDGET_FLOPS, PORIAN_TABLE1
from scaling_core.presets import approach3_checks

#: Chinchilla's training compute (Hoffmann et al. 2022, Table 3, the 67B row; the paper's check
#: values are quoted at it), on the budget slider beside its round values.
CHINCHILLA_TRAINING_FLOPS = 5.76e23


def _number(value: float) -> str:
    """0.864 → "0.864", 0.9 → "0.90", 0.5 → "0.50": as printed in the papers' tables."""
    text = f"{value:.3f}".rstrip("0")
    return text if len(text.split(".")[1]) >= 2 else f"{value:.2f}"


def _interval(a: float, interval: tuple[float, float] | None) -> str:
    if interval is None:
        return _number(a)
    return f"{_number(a)} ({_number(interval[0])}, {_number(interval[1])})"


def _law_notes(keys: list[str], laws: dict) -> list[str]:
    """What the reader must know about the compared laws, only for those compared."""
    notes = []
    if "kaplan-2020" in keys:
        notes.append(
            "Kaplan et al. 2020 is drawn as the minimum of its eq. 1.5 along C = 6ND "
            "(N_opt ∝ C^0.575); its published frontier N = 1.3e9·C_min^0.73 (Table 6, from "
            "early-stopped learning curves) is the separate law 'Kaplan et al. 2020 "
            "compute-efficient frontier'."
        )
    if any(not laws[k].has_loss for k in keys):
        notes.append(
            "Allocation-only laws (Kaplan's published frontier, Chinchilla Approaches 1-2, "
            "Porian et al.) prescribe N and D but have no loss."
        )
    if any(k.startswith("kaplan") for k in keys):
        notes.append(
            "Kaplan's N excludes embeddings and its losses are on WebText2, so they are not "
            "comparable with the other laws' losses."
        )
    return notes


with page("Compute-optimal frontier"):
    unit = st.session_state.get("unit", "FLOP")
    st.markdown(
        "For a training budget **C ≈ 6ND**, each law prescribes the model size **N_opt** and token "
        "count **D_opt** that minimise its loss. The laws chosen under *Laws to compare* in the "
        "sidebar are drawn together so that their disagreement is visible; for the Chinchilla form "
        "the optimum has a closed form (Hoffmann et al. 2022, eq. 4):"
    )
    st.latex(  # short lines: one long line ran past a phone's screen
        r"\begin{gathered}"
        r"N_{opt}(C) = G\left(\frac{C}{6}\right)^{a},\quad "
        r"D_{opt}(C) = G^{-1}\left(\frac{C}{6}\right)^{b},\\ "
        r"G = \left(\frac{\alpha A}{\beta B}\right)^{\frac{1}{\alpha+\beta}},\quad "
        r"a = \frac{\beta}{\alpha+\beta},\ b = \frac{\alpha}{\alpha+\beta}"
        r"\end{gathered}"
    )
    keys = compared_laws()
    laws = available_laws()

    with st.expander("Why two Chinchilla Approach-3 laws? Checked against the paper"):
        st.markdown(
            "Hoffmann et al. print their Approach-3 fit rounded (eq. 10: α 0.34, β 0.28), and the "
            "rounded exponents do not reproduce the paper's own Approach-3 results. "
            "`chinchilla-2022-unrounded` has the fit before rounding, as Besiroglu et al. 2024 "
            "read it from the paper's TeX source; `chinchilla-2022` keeps eq. 10 as printed; "
            "`sardana-frankle-2023` has the exponents Sardana & Frankle 2023 compute with."
        )
        st.dataframe(approach3_table(approach3_checks()), hide_index=True, width="stretch")
        st.caption(
            "Table 2 prints a = 0.46 with the interval 0.454-0.455, which does not contain its "
            "own point estimate (the unrounded fit gives 0.4565); Besiroglu et al. 2024 find "
            "Hoffmann et al.'s intervals implausibly narrow. The last column is, for each model "
            "size of Table A3 (400M to 10T), the budget at which the preset makes that size "
            "compute-optimal over the table's FLOP, minus one. No constants we know reproduce "
            "that column exactly; the constants are as published, not tuned to it."
        )

    def allocation_at_budget() -> None:
        """The budget slider and what it changes: the allocation table, the spreads, the
        frontier chart and the IsoFLOP profiles (rerun alone when the slider moves)."""
        compute = log_slider(
            f"Training compute C ({unit})",
            "fc",
            FRONTIER_RANGE[0],
            FRONTIER_RANGE[1],
            1e22,
            formatter=lambda c: format_compute(c, unit),
            help="The budget read out in the table and used for the IsoFLOP profiles "
            "(5.76e23 FLOP is Chinchilla's, Hoffmann et al. 2022, Table 3).",
            extra=(CHINCHILLA_TRAINING_FLOPS,),
        )
        if notes := _law_notes(keys, laws):
            st.caption(" ".join(notes))

        rows = optimum_rows(keys, compute)
        st.subheader(f"Recommended allocation at C = {format_compute(compute, unit)}")
        table = pd.DataFrame(
            {
                "Law": [row.label for row in rows],
                "N_opt (params)": [format_count(row.n_params) for row in rows],
                "D_opt (tokens)": [format_count(row.n_tokens) for row in rows],
                "Tokens / param": [format_ratio(row.tokens_per_param) for row in rows],
                "L_opt (nats/token)": [format_loss(row.loss) for row in rows],
                "Exponent a": [f"{row.exponent:.3f}" for row in rows],
            }
        )
        st.table(table.set_index("Law"))
        st.caption(
            "Exponent a: the local slope of N_opt ∝ C^a at this budget (d log N_opt / d log C)."
        )

        n_ratio, n_min, n_max = spread([row.n_params for row in rows])
        d_ratio, d_min, d_max = spread([row.n_tokens for row in rows])
        r_ratio, r_min, r_max = spread([row.tokens_per_param for row in rows])
        cols = st.columns(3)
        if len(rows) > 1:
            cols[0].metric(
                "Spread of N_opt (max / min)",
                f"{n_ratio:.1f}×",
                help=f"from {format_count(n_min)} to {format_count(n_max)} parameters",
            )
            cols[1].metric(
                "Spread of D_opt (max / min)",
                f"{d_ratio:.1f}×",
                help=f"from {format_count(d_min)} to {format_count(d_max)} tokens",
            )
            cols[2].metric(
                "Spread of tokens / param",
                f"{r_ratio:.1f}×",
                help=f"from {format_ratio(r_min)} to {format_ratio(r_max)} tokens per parameter",
            )
            by_ratio = {row.tokens_per_param: row.label for row in rows}
            st.caption(
                f"N_opt ranges from {format_count(n_min)} to {format_count(n_max)} and D_opt from "
                f"{format_count(d_min)} to {format_count(d_max)} across the {len(rows)} laws. "
                f"Tokens per parameter run from {format_ratio(r_min)} ({by_ratio.get(r_min, '')}) to "
                f"{format_ratio(r_max)} ({by_ratio.get(r_max, '')}): one law at an extreme sets "
                "each spread, so an allocation-only frontier fitted far from this budget (e.g. "
                "Kaplan's) can dominate it; drop it in the sidebar to compare the others."
            )
        else:
            st.info("Choose two or more laws in the sidebar to see how far they disagree.")
        range_notes([row.key for row in rows], compute)
        no_loss = [row.label for row in rows if not math.isfinite(row.loss)]
        if no_loss:
            st.info(
                "No loss for allocation-only laws (they publish N_opt ∝ C^a, not L(N, D)): "
                + "; ".join(no_loss)
                + "."
            )

        chosen = {row.key: (row.n_params, row.n_tokens, row.loss) for row in rows}
        frontier, budget = frontier_view(keys, compute, chosen, unit)
        show_chart(st, frontier, live="frontier", overlay=budget)

        st.subheader("IsoFLOP profiles")
        st.markdown(
            "At a fixed budget, a small model sees many tokens and a large one few: the loss "
            "L(N, C/6N) along that line has a minimum at N_opt (Hoffmann et al. 2022, Approach 2). "
            "Flat bottoms mean that a size 2× off the optimum costs little loss."
        )
        loss_keys = [key for key in keys if laws[key].has_loss]
        if loss_keys:
            iso = [isoflop_curve(key, compute) for key in loss_keys]
            show_chart(st, isoflop_figure(iso, compute_flops=compute, unit=unit), live="isoflop")
        else:
            st.info("None of the compared laws has a loss; add e.g. the Epoch AI replication.")

    live_section("Compute-optimal frontier", allocation_at_budget)

    st.subheader("From Kaplan's exponent to Chinchilla's (Porian et al. 2024)")
    st.markdown(
        "Porian et al. reproduce Kaplan et al.'s steep N_opt ∝ C^a and remove the discrepancy "
        "with Chinchilla by three corrections in turn: count the output head's parameters and "
        "FLOPs, shorten the warmup to at most the model's size in tokens, and tune learning rate, "
        "batch size and AdamW β2 per size (a cosine decay matched to the budget helps little). "
        "Pick how far along the corrections to go."
    )
    step_keys = [f"porian-2024-{step.key_suffix}" for step in PORIAN_TABLE1]
    titles = {f"porian-2024-{step.key_suffix}": step.title for step in PORIAN_TABLE1}
    chosen_step = choice(
        "Corrections applied up to",
        "pstep",
        step_keys,
        step_keys[-1],
        format_func=lambda key: titles[key],
    )
    upto = step_keys[: step_keys.index(chosen_step) + 1]
    step = PORIAN_TABLE1[len(upto) - 1]
    first = PORIAN_TABLE1[0]
    cols = st.columns(3)
    cols[0].metric(
        "a on RefinedWeb",
        f"{step.a_refinedweb:.3f}",
        delta=f"{step.a_refinedweb - first.a_refinedweb:+.3f} vs Kaplan reproduction",
        delta_color="off",
    )
    cols[1].metric(
        "a on OpenWebText2",
        f"{step.a_owt2:.3f}",
        delta=f"{step.a_owt2 - first.a_owt2:+.3f} vs Kaplan reproduction",
        delta_color="off",
    )
    cols[2].metric(
        "N_opt at Chinchilla's budget (RefinedWeb)",
        format_count(step.n_opt_at_chinchilla_refinedweb),
        help=f"Predicted optimal size at C = {format_compute(CHINCHILLA_BUDGET_FLOPS, unit)} "
        "(Porian et al. 2024, Figure 1); Chinchilla itself has 70B parameters.",
    )
    letters = "abcde"
    porian_curves = [
        replace(law_curve(key), label=f"({letters[i]}) {titles[key]}") for i, key in enumerate(upto)
    ]
    reference_keys = ["chinchilla-2022-approach1", "epoch-2024"]
    short_labels = {"chinchilla-2022-approach1": "Chinchilla Approach 1", "epoch-2024": "Epoch AI"}
    show_chart(
        st,
        shared_figure(
            "porian",
            (chosen_step, unit),
            lambda: porian_figure(
                porian_curves,
                highlight=chosen_step,
                reference=[
                    replace(law_curve(key), label=short_labels[key]) for key in reference_keys
                ],
                marker_compute=CHINCHILLA_BUDGET_FLOPS,
                marker_n={
                    key: float(compute_optimal(laws[key], CHINCHILLA_BUDGET_FLOPS).n_params)
                    for key in [*upto, *reference_keys]
                },
                unit=unit,
            ),
        ),
        live="porian-steps",
    )
    chinchilla_c = format_compute(CHINCHILLA_BUDGET_FLOPS, unit)
    porian_rows = [
        {
            "Step (cumulative)": f"({letters[i]}) {s.title}",
            "a, OpenWebText2 (95% CI)": _interval(s.a_owt2, s.a_owt2_interval),
            "a, RefinedWeb (95% CI)": _interval(s.a_refinedweb, s.a_refinedweb_interval),
            "N_opt (RefinedWeb)": format_count(
                float(
                    compute_optimal(
                        laws[f"porian-2024-{s.key_suffix}"], CHINCHILLA_BUDGET_FLOPS
                    ).n_params
                )
            ),
        }
        for i, s in enumerate(PORIAN_TABLE1)
    ]
    st.dataframe(
        pd.DataFrame(porian_rows),
        hide_index=True,
        width="stretch",
        column_config={
            "Step (cumulative)": st.column_config.TextColumn(width=290, pinned=True),
            "a, OpenWebText2 (95% CI)": st.column_config.TextColumn(width=200),
            "a, RefinedWeb (95% CI)": st.column_config.TextColumn(width=190),
            "N_opt (RefinedWeb)": st.column_config.TextColumn(
                f"N_opt at {chinchilla_c}",
                width=170,
                help="RefinedWeb line at Chinchilla's budget, where the chart's dots are.",
            ),
        },
    )
    st.caption(
        "Table 1 of Porian et al. 2024 (arXiv:2406.19146); intervals are 95% bootstrap "
        "intervals. Prefactors are not in the table: the RefinedWeb lines pass through the "
        f"paper's predicted N_opt at C = {chinchilla_c} for each step. Step (e) replaces the "
        "cosine decay of step (d) with a constant learning rate."
    )
    st.markdown("**Reference exponents** (other papers and datasets, not Porian et al.'s):")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Law (data)": ref.label,
                    "a (interval)": _interval(ref.a, ref.interval) + (" *" if ref.note else ""),
                    "Source": ref.source,
                }
                for ref in REFERENCE_EXPONENTS
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Law (data)": st.column_config.TextColumn(width=290, pinned=True),
            "a (interval)": st.column_config.TextColumn(
                width=130, help="Chinchilla's intervals are 10th-90th percentiles."
            ),
            "Source": st.column_config.TextColumn(width=200),
        },
    )
    notes = [f"\\* {ref.label}: {ref.note}" for ref in REFERENCE_EXPONENTS if ref.note]
    if notes:
        st.caption(" ".join(notes))

    st.subheader("Table 1, recomputed from Porian et al.'s released IsoFLOP points")
    st.markdown(
        "The same five steps, computed here from every IsoFLOP point the authors released "
        "(sample_data/real/porian-2024/) with their estimator: per budget an Akima spline of "
        "log loss against log N and its minimum away from the sweep's edges, a seed-noise "
        "bootstrap (0.002 nats on RefinedWeb, 0.01 on OpenWebText2, as they assume) and a "
        "weighted power-law fit of N*(C). ✓: inside the paper's 95% interval."
    )
    narrow = {"paper": 105, "ours": 105, "Δ": 72, "budgets": 62}
    st.dataframe(
        table1_comparison(table1_cells()),
        hide_index=True,
        width="stretch",
        row_height=32,
        column_config={
            "Step (cumulative)": st.column_config.TextColumn(width=245, pinned=True),
            **{
                f"{short}: {part}": st.column_config.TextColumn(
                    f"{short}: n" if part == "budgets" else None, width=px
                )
                for short in ("RW", "OWT2")
                for part, px in narrow.items()
            },
        },
    )
    moves = spread_of_moves()
    assumes = interval_assumptions()
    st.caption(
        f"From the Kaplan reproduction to the tuned step a falls by {moves['rw']:.3f} on "
        f"RefinedWeb and {moves['owt2']:.3f} on OpenWebText2 (paper: "
        f"{PORIAN_TABLE1[0].a_refinedweb - PORIAN_TABLE1[-1].a_refinedweb:.3f} and "
        f"{PORIAN_TABLE1[0].a_owt2 - PORIAN_TABLE1[-1].a_owt2:.3f}). n: how many of the "
        "step's budgets carry the fit; the others have their minimum at the edge of the sampled "
        "sizes and are left out, as in the paper. Our 95% intervals resample each budget's "
        "model sizes (runs sharing N and D together) and add seed noise, 1,000 replicates; on "
        f"RefinedWeb they {assumes['rw'].replace('assumes', 'assume', 1)}, on OpenWebText2 "
        f"{assumes['owt2'].removeprefix('assumes ')}, the authors' values. The paper perturbs "
        "the losses only, so ours are wider (up to four times on RefinedWeb's tuned step)."
    )
    live_dataset = choice(
        "Dataset",
        "p_live_ds",
        ["rw", "owt2"],
        "rw",
        format_func=lambda d: {"rw": "RefinedWeb", "owt2": "OpenWebText2"}[d],
        help="The released points cover both datasets of Table 1.",
    )
    dataset_name = {"rw": "RefinedWeb", "owt2": "OpenWebText2"}[live_dataset]
    show_chart(
        st,
        shared_figure(
            "porian-optima",
            (live_dataset, len(upto)),
            lambda: optima_figure(
                optima_series(live_dataset, len(upto)),
                title=f"N*(C) per budget and fitted power law, steps (a) to "
                f"({letters[len(upto) - 1]}), {dataset_name}",
            ),
        ),
        live="porian-optima",
    )
    st.caption(
        "As Porian et al. draw it (their Figure 1): each budget's optimal size with ±2σ of its "
        "bootstrap spread, and the weighted fit N* = k·C^a; each correction makes the line "
        "rise more slowly (smaller a). The steps shown follow *Corrections applied up to* above."
    )
    show_chart(
        st,
        shared_figure(
            "porian-profiles",
            (step.key_suffix, live_dataset),
            lambda: profiles_figure(
                budget_profiles(step.key_suffix, live_dataset),
                title=f"IsoFLOP profiles of step ({letters[len(upto) - 1]}) {step.title}, "
                f"{dataset_name}",
            ),
        ),
        live="porian-profiles",
    )
    st.caption(
        "Loss against N at each budget with the Akima curve through the runs; stars mark N*. "
        "Grey dotted budgets were left out: their lowest loss is at the smallest or largest "
        "model sampled, so the optimum may lie outside the sweep."
    )
