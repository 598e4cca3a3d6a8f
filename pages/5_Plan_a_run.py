"""Placeholder while this page is being built."""

from dashboard.layout import page

with page("Plan a run"):
    import streamlit as st

    st.info("This page is being built.")
