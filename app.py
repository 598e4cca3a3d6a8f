"""Scaling-law explorer: the Streamlit entry point (``streamlit run app.py``).

The pages live in ``pages/`` (Streamlit's multipage folder); each wraps itself in
`dashboard.layout.page`, which draws the global controls and keeps the URL in sync.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts.format import format_compute, format_count, format_loss, format_ratio
from dashboard.layout import page
from dashboard.state import available_laws
from dashboard.widgets import compared_laws, range_notes
from scaling_core.allocation import compute_optimal

PAGES = (
    ("pages/1_Loss_landscape.py", "Loss landscape: L(N, D) and your run on it", ":material/map:"),
    (
        "pages/2_Compute-optimal_frontier.py",
        "Compute-optimal frontier: N, D and loss against C",
        ":material/trending_up:",
    ),
    (
        "pages/3_Overfitting_and_data_limits.py",
        "Overfitting and data limits: repeated data, early stopping",
        ":material/repeat:",
    ),
    (
        "pages/4_Batch_size_and_training_time.py",
        "Batch size and training time: B_crit, steps, wall-clock",
        ":material/timer:",
    ),
    (
        "pages/5_Plan_a_run.py",
        "Plan a run: from a GPU budget to N, D, batch size and loss",
        ":material/explore:",
    ),
    (
        "pages/6_Fit_your_runs.py",
        "Fit your runs: upload a CSV, fit a law with intervals",
        ":material/upload_file:",
    ),
    (
        "pages/7_Published_sweeps.py",
        "Published sweeps: real runs from OLMo, Gadre, Gemstones, Muennighoff, Porian, fitted",
        ":material/science:",
    ),
    (
        "pages/8_Ladders_tasks_and_comparisons.py",
        "Ladders: task accuracy predicted from a ladder of small runs",
        ":material/stairs:",
    ),
)

with page("Scaling-law explorer"):
    st.markdown(
        "Explore what the empirical scaling laws of language models say about a training run: "
        "the loss a model of **N** parameters reaches on **D** tokens, how to split a compute "
        "budget **C ≈ 6ND** between them, when a model overfits, what batch size and how many "
        "steps it wants, and how the laws of Kaplan et al. 2020, Hoffmann et al. 2022 "
        "(Chinchilla), the Epoch AI replication (Besiroglu et al. 2024) and Porian et al. 2024 "
        "disagree. Choose the laws in the sidebar; every view can be shared by its link."
    )
    for path, label, icon in PAGES:
        st.page_link(path, label=label, icon=icon)

    st.subheader("Real sweeps, not just laws")
    st.markdown(
        "The product ships sweeps released by their authors: the OLMo model ladder (190M-3B), "
        "Gadre et al.'s over-trained models, Gemstones, Muennighoff et al.'s repeated-data runs "
        "and every IsoFLOP point of Porian et al. *Published sweeps* fits them beside the "
        "published laws and predicts each sweep's largest models from its smaller ones; the "
        "*Compute-optimal frontier* page recomputes Porian et al.'s Table 1 from their points; "
        "*Fit your runs* offers them as samples."
    )

    compute = 1e23
    unit = st.session_state.get("unit", "FLOP")
    st.subheader(f"At a glance: the compute-optimal model for C = {format_compute(compute, unit)}")
    laws = available_laws()
    rows = []
    for key in compared_laws():
        optimum = compute_optimal(laws[key], compute)
        rows.append(
            {
                "Law": laws[key].label,
                "N (params)": format_count(float(optimum.n_params)),
                "D (tokens)": format_count(float(optimum.n_tokens)),
                "Tokens / param": format_ratio(float(optimum.tokens_per_param)),
                "Loss (nats/token)": format_loss(float(optimum.loss)),
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    range_notes(compared_laws(), compute)
    st.caption(
        "Allocation-only laws give no loss (–). Kaplan's losses are on WebText2 with non-embedding "
        "N and are not comparable with the others'. The frontier page shows every budget."
    )
