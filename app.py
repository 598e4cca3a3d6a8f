"""Scaling-law explorer: the Streamlit entry point (``streamlit run app.py``).

The pages live in ``pages/`` (Streamlit's multipage folder); each wraps itself in
`dashboard.layout.page`, which draws the global controls and keeps the URL in sync.
"""

from __future__ import annotations

import streamlit as st

from dashboard.layout import page

with page("Scaling-law explorer"):
    st.markdown(
        "Explore what the empirical scaling laws of language models say about a training run: "
        "the loss a model of **N** parameters reaches on **D** tokens, how to split a compute "
        "budget **C ≈ 6ND** between them, when a model overfits, what batch size and how many "
        "steps it wants, and how the laws of Kaplan et al. 2020, Hoffmann et al. 2022 "
        "(Chinchilla), the Epoch AI replication (Besiroglu et al. 2024) and Porian et al. 2024 "
        "disagree. Choose the laws in the sidebar; every view can be shared by its link."
    )
    st.page_link(
        "pages/1_Loss_landscape.py", label="Loss landscape: L(N, D) and your run on it", icon="🗺️"
    )
    st.page_link(
        "pages/2_Compute-optimal_frontier.py",
        label="Compute-optimal frontier: N, D and loss against C",
        icon="📈",
    )
    st.page_link(
        "pages/3_Overfitting_and_data_limits.py",
        label="Overfitting and data limits: repeated data, early stopping",
        icon="🔁",
    )
    st.page_link(
        "pages/4_Batch_size_and_training_time.py",
        label="Batch size and training time: B_crit, steps, wall-clock",
        icon="⏱️",
    )
    st.page_link(
        "pages/5_Plan_a_run.py",
        label="Plan a run: from a GPU budget to N, D, batch size and loss",
        icon="🧭",
    )
    st.page_link(
        "pages/6_Fit_your_runs.py",
        label="Fit your runs: upload a CSV, fit a law with intervals",
        icon="📤",
    )
